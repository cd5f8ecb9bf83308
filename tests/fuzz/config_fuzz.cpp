#include "config_fuzz.hpp"

#include <exception>
#include <string_view>
#include "config/config.hpp"
#include "config/config_printer.hpp"

namespace vugpu::fuzz {

std::string run_config_input(std::span<const uint8_t> data) {
  const std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  std::string printed;
  try {
    printed = format_effective_config(parse_config(text, "fuzz.toml"), {});
  } catch (const ConfigError&) {
    return "";  // the answer to bad input
  } catch (const std::exception& e) {
    return std::string("unexpected exception: ") + e.what();
  }
  try {
    if (format_effective_config(parse_config(printed, "fuzz.toml"), {}) != printed)
      return "the printed configuration parses to another one";
  } catch (const std::exception& e) {
    return std::string("the printed configuration does not parse: ") + e.what() + "\n" + printed;
  }
  return "";
}

}  // namespace vugpu::fuzz
