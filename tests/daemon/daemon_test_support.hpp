// Shared helpers of the daemon tests: where things are, temporary folders.
#pragma once
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include "child_process.hpp"

namespace vugpu::test {

inline const std::string kVugpu = VUGPU_BINARY;

inline std::string test_plugin_dir() {
  const char* env = std::getenv("VUGPU_TEST_PLUGIN_DIR");
  return env && *env ? env : VUGPU_TEST_PLUGIN_DIR_DEFAULT;
}
inline std::string real_plugin_dir() {
  const char* env = std::getenv("VUGPU_PLUGIN_PATH");
  return env && *env ? env : VUGPU_BUILD_PLUGIN_DIR_DEFAULT;
}
inline bool built(const std::string& dir, const std::string& plugin) {
  return std::filesystem::exists(dir + "/vugpu-" + plugin + ".so");
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "vugpu-daemon-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// Environment where the only plugins are those of `dir` (plus the built-in folder).
inline ProcessOptions plugins_from(const std::string& dir) {
  ProcessOptions o;
  o.env["VUGPU_PLUGIN_PATH"] = dir;
  return o;
}

inline size_t line_count(const std::string& text) { return size_t(std::count(text.begin(), text.end(), '\n')); }

}  // namespace vugpu::test
