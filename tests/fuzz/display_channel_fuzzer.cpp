// libFuzzer target (clang only): the display channel's replies (display_channel_fuzz.hpp).
//   (build as in vhost_user_fuzzer.cpp, target vugpu-fuzz-display-channel)
//   build-fuzz/tests/fuzz/vugpu-fuzz-display-channel -max_total_time=60 tests/fuzz/corpus-display-channel
#include <cstdio>
#include <cstdlib>
#include "display_channel_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = vugpu::fuzz::run_display_channel_input({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "display channel invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
