// The sandbox and plugins. Once every plugin is created, vugpu confines itself with a seccomp
// allowlist (docs/security.md lists it): a system call outside it is reported by name and the
// process dies. A plugin that needs more after start-up (threads of a GL driver, a window
// system's socket) says which, by name, next to its descriptor in plugin.cpp:
//
//   static const char* const kSyscalls[] = {"ioctl", "sched_setaffinity"};
//   VUGPU_EXPORT_SYSCALLS(kSyscalls)
//
// Names are the kernel's (x86_64 spelling; unknown names are skipped with a warning). What a
// plugin does in its factory (before the sandbox) needs no declaration. Optional: a plugin with
// no list gets the base set only. Not part of the descriptor, so the ABI version is unchanged.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vugpu {

inline constexpr uint32_t kPluginSyscallsVersion = 1;
inline constexpr const char* kSyscallsSymbol = "vugpu_plugin_syscalls";

struct PluginSyscalls {
  uint32_t version;          // kPluginSyscallsVersion
  uint32_t count;
  const char* const* names;  // count kernel system call names
};

template <size_t N>
constexpr PluginSyscalls make_plugin_syscalls(const char* const (&names)[N]) {
  return {kPluginSyscallsVersion, static_cast<uint32_t>(N), names};
}

}  // namespace vugpu

#define VUGPU_EXPORT_SYSCALLS(names)                                                        \
  extern "C" __attribute__((visibility("default"))) const ::vugpu::PluginSyscalls \
      vugpu_plugin_syscalls = ::vugpu::make_plugin_syscalls(names);
