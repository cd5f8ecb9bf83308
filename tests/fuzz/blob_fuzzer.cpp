// libFuzzer target (clang only): the blob commands over a fuzzed guest memory table
// (blob_fuzz.hpp), blob.guest's provider and the pixman renderer compiled in.
//   scripts/fuzz blob    (builds it in build-fuzz/ and runs it on every CPU; docs/security.md)
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
