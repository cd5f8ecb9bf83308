// libFuzzer target (clang only): the TOML configuration (config_fuzz.hpp).
//   scripts/fuzz config    (builds it in build-fuzz/ and runs it on every CPU; docs/security.md)
#include <cstdio>
#include <cstdlib>
#include "config_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = vugpu::fuzz::run_config_input({data, size});
  if (!broken.empty()) {
    std::fprintf(stderr, "config invariant broken: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
