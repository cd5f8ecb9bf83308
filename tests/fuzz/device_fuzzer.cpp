// libFuzzer target (clang only): arbitrary bytes as virtio-gpu commands to a Device.
//   VUGPU_BUILD_DIR=build-fuzz CC=clang-14 CXX=clang++-14 \
//     VUGPU_CMAKE_ARGS="-DVUGPU_VIRGL=OFF -DVUGPU_FUZZ_SANITIZE=ON" scripts/build --target vugpu-fuzz-device
//   build-fuzz/tests/fuzz/vugpu-fuzz-device -max_total_time=60 tests/fuzz/corpus
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
