#include "daemon/command_line.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include "daemon/startup.hpp"
#include "log/spdlog_log.hpp"

namespace vugpu {

ParsedCommandLine parse_command_line(int argc, char** argv) {
  CommandLine cl;
  CLI::App app{"vugpu: a virtio-gpu device in its own process (vhost-user GPU backend) with renderer and presenter "
               "plugins",
               "vugpu"};
  app.footer(fmt::format(
      "Configuration: --config FILE, else {} when it exists, else the built-in default; see --check-config.\n"
      "Plugins are searched in $VUGPU_PLUGIN_PATH (colon-separated), the config's plugin_path, then {}.\n"
      "Signals: SIGTERM/SIGINT stop cleanly; SIGUSR1 writes --stats-file.",
      kSystemConfigFile, VUGPU_PLUGIN_DIR));
  app.set_version_flag("--version", "vugpu " VUGPU_VERSION);

  auto* socket = app.add_option("-s,--socket-path", cl.socket_path, "Listen for the VMM on this UNIX socket")
                     ->type_name("PATH");
  auto* fd = app.add_option("-f,--fd", cl.fd, "Serve this inherited socket: connected (libvirt) or listening (systemd)")
                 ->type_name("N")
                 ->check(CLI::NonNegativeNumber);
  socket->excludes(fd);
  fd->excludes(socket);
  app.add_flag("-c,--print-capabilities", cl.print_capabilities, "Print the vhost-user capabilities (JSON) and exit");
  auto* config = app.add_option("--config", cl.config_file, "Configuration file (TOML)")->type_name("FILE");
  auto* check = app.add_option("--check-config", cl.check_config_file,
                               "Check FILE, print the effective configuration (plugin options included), exit 0 or 1")
                    ->type_name("FILE");
  check->excludes(config);
  app.add_flag("--list-plugins", cl.list_plugins, "List the plugins found, with their options, and exit");
  // Short options as QEMU's vhost-user-gpu spells them (-c -f -s -r -v), so its scripts work.
  app.add_flag("-v,--virgl", cl.overrides.virgl, "Use the renderer.virgl plugin (3D)");
  std::string render_node;
  app.add_option("-r,--render-node", render_node, "DRM render node for renderer.virgl (implies --virgl)")
      ->type_name("PATH");
  app.add_flag("--once", cl.once, "Exit when the first VMM disconnects");
  int verbose = 0;
  app.add_flag("--verbose", verbose, "More log output (once: debug, twice: trace)");
  std::string log_level;
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error (overrides the config)")
      ->type_name("LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error"}));
  std::string sandbox;
  app.add_option("--sandbox", sandbox, "on (default) or off: seccomp and no capabilities once serving")
      ->type_name("on|off")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--stats-file", cl.stats_file, "Write counters (JSON) here on SIGUSR1 and at exit")->type_name("FILE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return {std::nullopt, app.exit(e)};
  }
  if (!render_node.empty()) {
    cl.overrides.render_node = render_node;
    cl.overrides.virgl = true;
  }
  if (!sandbox.empty()) cl.sandbox = sandbox == "on";
  if (!log_level.empty()) cl.overrides.log_level = parse_log_level(log_level);
  else if (verbose > 0) cl.overrides.log_level = verbose == 1 ? LogLevel::Debug : LogLevel::Trace;
  return {std::move(cl), 0};
}

}  // namespace vugpu
