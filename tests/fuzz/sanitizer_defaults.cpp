// Linked into every libFuzzer target (not the replay tests): ASan's defaults for a fuzzing
// process, read by the ASan runtime before main. $ASAN_OPTIONS, when set, still wins.
//
// quarantine_size_mb=16: with the 256 MiB default a long run recycles freed memory long gone from
// the caches; blob's running average fell from 1,280 to 1,087 inputs/s within 5 minutes, with
// 16 MiB it climbed to 1,250 and held (two pinned processes side by side, same corpus). A use
// after free within one input (a few MiB of frees at most) is still caught.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=16"; }
