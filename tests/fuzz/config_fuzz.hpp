// Fuzzing the TOML configuration: arbitrary text through parse_config() (toml++ and every check
// of ours). A ConfigError is the expected answer to bad input; anything else escaping, or a
// crash, is a finding. A text that parses must print (--check-config) and parse again to the
// same printout. Shared by the libFuzzer target and the replay test.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace vugpu::fuzz {

// "" or what broke.
std::string run_config_input(std::span<const uint8_t> data);

}  // namespace vugpu::fuzz
