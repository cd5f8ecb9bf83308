// The vugpu command line (CLI11). Follows the vhost-user backend program conventions
// (--socket-path / --fd, --print-capabilities) and QEMU's vhost-user-gpu short options.
#pragma once
#include <optional>
#include <string>
#include "config/config.hpp"

namespace vugpu {

struct CommandLine {
  std::string socket_path;
  int fd = -1;
  bool print_capabilities = false;
  std::string config_file;        // --config
  std::string check_config_file;  // --check-config
  bool list_plugins = false;
  bool once = false;
  std::string stats_file;
  std::optional<bool> sandbox;    // --sandbox=on|off; over the configuration's `sandbox` key
  ConfigOverrides overrides;      // --virgl, --render-node, --verbose, --log-level
};

// Parses argv. Returns the command line, or the exit code when the program is done already
// (--help and --version print and give 0; a usage error prints why and gives non-zero).
struct ParsedCommandLine {
  std::optional<CommandLine> command_line;
  int exit_code = 0;
};
ParsedCommandLine parse_command_line(int argc, char** argv);

}  // namespace vugpu
