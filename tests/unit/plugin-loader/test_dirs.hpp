// Where the tests find plugins: the environment ctest sets, or the build tree this test was
// built in (so the binary also runs by hand).
#pragma once
#include <cstdlib>
#include <filesystem>

namespace vugpu::test {

inline std::filesystem::path broken_plugin_dir() {
  const char* env = std::getenv("VUGPU_TEST_PLUGIN_DIR");
  return env && *env ? env : VUGPU_TEST_PLUGIN_DIR_DEFAULT;
}
inline std::filesystem::path build_plugin_dir() { return VUGPU_BUILD_PLUGIN_DIR_DEFAULT; }

}  // namespace vugpu::test
