// Host-side configuration errors: one line saying where (file:line:col), what, which key, and
// a hint, e.g.
//   /etc/vugpu/vugpu.toml:7:1: unknown key (key 'limits.max_resourcez'; did you mean 'max_resources'?)
#pragma once
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vugpu {

// Where a value came from: a TOML file position, or the command line (line == 0).
struct SourcePos {
  std::string origin;  // file path, "<built-in default>" or "command line (--render-node)"
  uint32_t line = 0, column = 0;

  // "file:line:col", or just the origin when there is no position.
  std::string to_string() const;
};

class ConfigError : public std::runtime_error {
 public:
  // `key` is the dotted path of the offending key ('' when none); `hint` is optional.
  ConfigError(SourcePos where, std::string_view what, std::string_view key = {}, std::string_view hint = {});
  const SourcePos& where() const { return where_; }

 private:
  SourcePos where_;
};

// "did you mean 'x'?" when a known key is close to `unknown`; otherwise "known keys: a, b, c"
// (or "" when there are none).
std::string suggest_key(std::string_view unknown, std::span<const std::string_view> known);

}  // namespace vugpu
