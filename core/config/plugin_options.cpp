#include "config/plugin_options.hpp"

#include <fmt/format.h>
#include <charconv>
#include <cmath>
#include <set>
#include <stdexcept>
#include <vector>

namespace vugpu {

namespace {

bool known_type(OptionType t) {
  return t == OptionType::Bool || t == OptionType::Int || t == OptionType::Float || t == OptionType::String;
}

std::string_view value_type_name(const OptionValue& v) {
  switch (v.index()) {
    case 0: return "boolean";
    case 1: return "integer";
    case 2: return "float";
    default: return "string";
  }
}

std::string_view expected_name(OptionType t) {
  switch (t) {
    case OptionType::Bool: return "a boolean (true or false)";
    case OptionType::Int: return "an integer";
    case OptionType::Float: return "a number";
    case OptionType::String: return "a string";
  }
  return "?";
}

// The value converted to the declared type, or nullopt when the types do not match.
std::optional<OptionValue> convert(OptionType type, const OptionValue& v) {
  switch (type) {
    case OptionType::Bool:
      if (std::holds_alternative<bool>(v)) return v;
      break;
    case OptionType::Int:
      if (std::holds_alternative<int64_t>(v)) return v;
      break;
    case OptionType::Float:
      if (std::holds_alternative<double>(v)) return v;
      if (auto* i = std::get_if<int64_t>(&v)) return OptionValue(double(*i));
      break;
    case OptionType::String:
      if (std::holds_alternative<std::string>(v)) return v;
      break;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(OptionType type) {
  switch (type) {
    case OptionType::Bool: return "bool";
    case OptionType::Int: return "int";
    case OptionType::Float: return "float";
    case OptionType::String: return "string";
  }
  return "unknown";
}

OptionValue parse_option_default(const OptionSpec& spec) {
  const std::string_view text = spec.default_value ? spec.default_value : "";
  const auto bad = [&] {
    return std::invalid_argument(fmt::format("option '{}': default \"{}\" is not a valid {}", spec.key ? spec.key : "?",
                                             text, to_string(spec.type)));
  };
  switch (spec.type) {
    case OptionType::Bool:
      if (text == "true") return true;
      if (text == "false") return false;
      throw bad();
    case OptionType::Int: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) throw bad();
      return v;
    }
    case OptionType::Float: {
      double v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(v)) throw bad();
      return v;
    }
    case OptionType::String:
      return std::string(text);
  }
  throw std::invalid_argument(fmt::format("option '{}': unknown type {}", spec.key ? spec.key : "?", uint32_t(spec.type)));
}

void check_option_specs(std::span<const OptionSpec> specs) {
  std::set<std::string_view> keys;
  for (size_t i = 0; i < specs.size(); ++i) {
    const OptionSpec& s = specs[i];
    if (!s.key || !*s.key) throw std::invalid_argument(fmt::format("option #{} has no key", i));
    if (!keys.insert(s.key).second) throw std::invalid_argument(fmt::format("option '{}' is declared twice", s.key));
    if (!known_type(s.type))
      throw std::invalid_argument(fmt::format("option '{}': unknown type {}", s.key, uint32_t(s.type)));
    if (!s.default_value) throw std::invalid_argument(fmt::format("option '{}' has no default", s.key));
    parse_option_default(s);
  }
}

OptionValues resolve_plugin_options(std::string_view plugin_name, std::span<const OptionSpec> specs,
                                    const PluginSection* section) {
  OptionValues out;
  for (const OptionSpec& s : specs) out.set(s.key, parse_option_default(s));
  if (!section) return out;

  std::vector<std::string_view> known;
  for (const OptionSpec& s : specs) known.push_back(s.key);
  for (const auto& [key, raw] : section->options) {
    const std::string path = fmt::format("plugin.\"{}\".{}", plugin_name, key);
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs)
      if (key == s.key) spec = &s;
    if (!spec) {
      std::string hint = suggest_key(key, known);
      if (hint.empty()) hint = fmt::format("{} takes no options", plugin_name);
      throw ConfigError(raw.key_pos, fmt::format("unknown option of {}", plugin_name), path, hint);
    }
    std::optional<OptionValue> value = raw.value ? convert(spec->type, *raw.value) : std::nullopt;
    if (!value)
      throw ConfigError(raw.value_pos,
                        fmt::format("wrong type: expected {}, found {}", expected_name(spec->type),
                                    raw.value ? value_type_name(*raw.value) : std::string_view(raw.toml_type)),
                        path);
    out.set(key, std::move(*value));
  }
  return out;
}

std::string to_toml(const OptionValue& value) {
  if (auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&value)) {
    std::string s = fmt::format("{}", *d);
    if (s.find_first_of(".eE") == std::string::npos && std::isfinite(*d)) s += ".0";  // TOML floats need a dot
    if (!std::isfinite(*d)) s = std::isnan(*d) ? "nan" : (*d > 0 ? "inf" : "-inf");
    return s;
  }
  std::string out = "\"";
  for (unsigned char c : std::get<std::string>(value)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04X}", unsigned(c));
        else out += char(c);
    }
  }
  return out + "\"";
}

}  // namespace vugpu
