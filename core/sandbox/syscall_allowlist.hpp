// The system calls vugpu itself makes once it serves (the seccomp allowlist's base), and the
// extra ones plugins declare (vugpu/sandbox.hpp: VUGPU_EXPORT_SYSCALLS). docs/security.md lists
// the base set and says why each group is there. Any thread.
#pragma once
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace vugpu::sandbox {

// The base set, by name (x86_64 and other architectures: names the kernel does not have are
// skipped when the filter is built).
std::span<const char* const> core_syscalls();

// The names a loaded plugin library exports with VUGPU_EXPORT_SYSCALLS (empty when it exports
// none). The library must be loaded already (it is looked up, never loaded, here).
// Throws std::runtime_error when the export is malformed.
std::vector<std::string> plugin_syscalls(const std::filesystem::path& library_file);

}  // namespace vugpu::sandbox
