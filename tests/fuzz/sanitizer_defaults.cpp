// Linked into every libFuzzer target (not the replay tests): ASan's defaults for a fuzzing
// process, read by the ASan runtime before main; $ASAN_OPTIONS, when set, still wins.
// quarantine_size_mb=16 instead of 256: a long run otherwise slows as it recycles freed memory
// long gone from the caches (measured in docs/security.md, "What keeps the targets fast"); a use
// after free within one input, a few MiB of frees at most, is still caught.
extern "C" const char* __asan_default_options() { return "quarantine_size_mb=16"; }
