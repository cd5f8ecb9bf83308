// vugpu's sandbox, entered in two steps by the daemon (core/daemon/serve.cpp):
//   1. before any plugin object (and so any thread) exists: drop every capability, set
//      PR_SET_NO_NEW_PRIVS (capabilities.hpp);
//   2. once every plugin is created and the socket listens: the seccomp allowlist, made of the
//      core's set plus what each loaded plugin declares (syscall_allowlist.hpp), for every
//      thread (seccomp_filter.hpp).
// Off with --sandbox=off or `sandbox = false` in the configuration (a warning says so).
// Device loop thread (start-up) only.
#pragma once
#include <filesystem>
#include <span>
#include <string>
#include <vector>
#include "vugpu/log.hpp"

namespace vugpu::sandbox {

void drop_privileges(Log& log);

// The allowlist for these loaded plugin libraries: the core's set, then each plugin's extras.
std::vector<std::string> allowlist(std::span<const std::filesystem::path> plugin_files, Log& log);

// Step 2. Throws std::runtime_error.
void confine(std::span<const std::filesystem::path> plugin_files, Log& log);

}  // namespace vugpu::sandbox
