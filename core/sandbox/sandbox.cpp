#include "sandbox/sandbox.hpp"

#include <algorithm>
#include "sandbox/capabilities.hpp"
#include "sandbox/seccomp_filter.hpp"
#include "sandbox/syscall_allowlist.hpp"

namespace vugpu::sandbox {

void drop_privileges(Log& log) { drop_capabilities(log); }

std::vector<std::string> allowlist(std::span<const std::filesystem::path> plugin_files, Log& log) {
  std::vector<std::string> names(core_syscalls().begin(), core_syscalls().end());
  for (const auto& file : plugin_files) {
    const std::vector<std::string> extra = plugin_syscalls(file);
    std::string added;
    for (const std::string& name : extra) {
      if (std::find(names.begin(), names.end(), name) != names.end()) continue;
      names.push_back(name);
      added += (added.empty() ? "" : ", ") + name;
    }
    if (!added.empty()) log.info("sandbox: {} adds {}", file.filename().string(), added);
  }
  return names;
}

void confine(std::span<const std::filesystem::path> plugin_files, Log& log) {
  const std::vector<std::string> names = allowlist(plugin_files, log);
  install_seccomp(names, log);
  log.info("sandbox: seccomp on ({} system calls allowed; --sandbox=off disables)", names.size());
}

}  // namespace vugpu::sandbox
