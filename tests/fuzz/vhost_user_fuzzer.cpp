// libFuzzer target (clang only): a VMM's side of the vhost-user socket (vhost_user_fuzz.hpp).
//   VUGPU_BUILD_DIR=build-fuzz CC=clang-14 CXX=clang++-14 \
//     VUGPU_CMAKE_ARGS="-DVUGPU_VIRGL=OFF -DVUGPU_FUZZ_SANITIZE=ON" scripts/build --target vugpu-fuzz-vhost-user
//   build-fuzz/tests/fuzz/vugpu-fuzz-vhost-user -max_total_time=60 tests/fuzz/corpus-vhost-user
#include <cstdio>
#include <cstdlib>
#include "vhost_user_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = vugpu::fuzz::run_vhost_user_input({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "vhost-user invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
