// libFuzzer target (clang only): the blob commands over a fuzzed guest memory table
// (blob_fuzz.hpp), blob.guest's provider and the pixman renderer compiled in.
//   VUGPU_BUILD_DIR=build-fuzz CC=clang-14 CXX=clang++-14 \
//     VUGPU_CMAKE_ARGS="-DVUGPU_VIRGL=OFF -DVUGPU_FUZZ_SANITIZE=ON" scripts/build --target vugpu-fuzz-blob
//   build-fuzz/tests/fuzz/vugpu-fuzz-blob -max_total_time=60 tests/fuzz/corpus-blob
#include <cstdio>
#include <cstdlib>
#include "blob_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = vugpu::fuzz::run_blob_input({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "blob invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
