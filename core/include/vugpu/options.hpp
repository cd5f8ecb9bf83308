// Plugin options. A plugin declares a table of OptionSpec; only the core parses TOML: it checks
// the plugin's table against the specs (unknown key, wrong type -> file:line:col) and hands the
// factory an OptionValues holding every declared key (the default where the file is silent).
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>

namespace vugpu {

enum class OptionType : uint32_t { Bool = 1, Int = 2, Float = 3, String = 4 };

struct OptionSpec {
  const char* key;            // e.g. "snapshot_path"
  OptionType type;
  const char* default_value;  // in TOML syntax without quotes: "true", "30", "0.5", "out/%s-%n.png"
  const char* help;           // one line, printed by --list-plugins
};

using OptionValue = std::variant<bool, int64_t, double, std::string>;

class OptionValues {
 public:
  void set(std::string key, OptionValue v) { values_[std::move(key)] = std::move(v); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  const std::map<std::string, OptionValue>& all() const { return values_; }

  // Throws std::invalid_argument when the key was not declared or has another type:
  // both are programming errors of the plugin, caught at start-up by the loader.
  template <typename T> const T& get(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) throw std::invalid_argument("undeclared option '" + key + "'");
    if (auto* v = std::get_if<T>(&it->second)) return *v;
    throw std::invalid_argument("option '" + key + "' has another type");
  }
  bool get_bool(const std::string& k) const { return get<bool>(k); }
  int64_t get_int(const std::string& k) const { return get<int64_t>(k); }
  double get_float(const std::string& k) const { return get<double>(k); }
  const std::string& get_string(const std::string& k) const { return get<std::string>(k); }

 private:
  std::map<std::string, OptionValue> values_;
};

}  // namespace vugpu
