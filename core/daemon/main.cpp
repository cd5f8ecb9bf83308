// vugpu: the daemon. Parse the command line, load the configuration and the plugins (every
// host error reported as one line, non-zero exit, before serving), then serve or answer.
#include <fmt/format.h>
#include <cstdio>
#include <iostream>
#include "config/config_printer.hpp"
#include "daemon/command_line.hpp"
#include "daemon/serve.hpp"
#include "daemon/signals.hpp"
#include "daemon/startup.hpp"
#include "log/spdlog_log.hpp"
#include "plugin/loader.hpp"

namespace {

int run(const vugpu::CommandLine& cl) {
  using namespace vugpu;
  SpdLog log(LogLevel::Info);
  const Config config = load_configuration(cl);
  log.set_level(config.log_level);
  const PluginLoader loader(plugin_search_path(config.plugin_path));

  if (cl.print_capabilities) {
    std::cout << capabilities_json(config, loader) << std::flush;
    return 0;
  }
  if (cl.list_plugins) {
    std::cout << format_plugin_listing(loader.folders(), loader.list()) << std::flush;
    return 0;
  }
  const bool checking = !cl.check_config_file.empty();
  if (!checking && cl.socket_path.empty() && cl.fd < 0) {
    std::cerr << "vugpu: nothing to serve: give --socket-path PATH or --fd N (see --help)\n";
    return 1;
  }
  PluginSelection plugins = select_plugins(loader, config, cl.overrides, log);
  if (checking) {
    std::cout << format_effective_config(config, plugins.checked) << std::flush;
    return 0;
  }
  return serve(cl, config, std::move(plugins), log);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    vugpu::block_daemon_signals();  // first: before any thread exists
    const auto parsed = vugpu::parse_command_line(argc, argv);
    if (!parsed.command_line) return parsed.exit_code;
    return run(*parsed.command_line);
  } catch (const std::exception& e) {
    // ConfigError, PluginError, socket errors: all one line, all before serving.
    std::cerr << "vugpu: " << e.what() << '\n';
    return 1;
  }
}
