// libFuzzer target (clang only): arbitrary bytes as virtio-gpu commands to a Device.
//   scripts/fuzz device    (builds it in build-fuzz/ and runs it on every CPU; docs/security.md)
#include <cstdio>
#include <cstdlib>
#include "device_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = vugpu::fuzz::run_device_input({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "device invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
