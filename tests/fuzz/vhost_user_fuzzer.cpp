// libFuzzer target (clang only): a VMM's side of the vhost-user socket (vhost_user_fuzz.hpp).
//   scripts/fuzz vhost-user    (builds it in build-fuzz/ and runs it on every CPU; docs/security.md)
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
