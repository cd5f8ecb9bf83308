// libFuzzer target (clang only): the TOML configuration (config_fuzz.hpp).
//   (build as in vhost_user_fuzzer.cpp, target vugpu-fuzz-config)
//   build-fuzz/tests/fuzz/vugpu-fuzz-config -max_total_time=60 -dict=tests/fuzz/config.dict tests/fuzz/corpus-config
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
