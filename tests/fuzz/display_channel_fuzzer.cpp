// libFuzzer target (clang only): the display channel's replies (display_channel_fuzz.hpp).
//   scripts/fuzz display-channel    (builds it in build-fuzz/ and runs it on every CPU; docs/security.md)
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
