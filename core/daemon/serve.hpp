// Serving: plugins created, the device built, the vhost-user server started, the loop run
// until SIGTERM/SIGINT (or, with --once or --fd, until the VMM leaves). Main thread.
#pragma once
#include "config/config.hpp"
#include "daemon/command_line.hpp"
#include "daemon/startup.hpp"
#include "log/spdlog_log.hpp"

namespace vugpu {

// Returns the exit code. Throws PluginError (a factory failed) or std::runtime_error (the
// socket could not be set up): both before anything is served.
int serve(const CommandLine& command_line, const Config& config, PluginSelection plugins, SpdLog& log);

}  // namespace vugpu
