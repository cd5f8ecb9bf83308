#include "sandbox/syscall_allowlist.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <stdexcept>
#include "vugpu/sandbox.hpp"

namespace vugpu::sandbox {

namespace {

// Grouped by what needs them. Not here, on purpose: execve/execveat, fork (clone without
// CLONE_THREAD is refused by an argument rule), socket/connect/bind/listen (every socket exists
// before the sandbox), ioctl, ptrace, process_vm_*, mount/chroot/pivot_root, setuid and friends,
// kill (tgkill stays, for abort() and the SIGSYS report), bpf, perf_event_open, keyctl, add_key.
constexpr const char* kCore[] = {
    // file descriptors: sockets, eventfds, memfds, the stats file, PNG snapshots
    "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "dup", "dup2", "dup3",
    "fcntl", "openat", "newfstatat", "fstat", "statx", "ftruncate", "fsync", "fdatasync", "rename", "renameat",
    "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "memfd_create", "getdents64", "readlink", "access",
    "faccessat", "faccessat2", "pipe2", "splice", "vmsplice",
    // memory: allocators, guest RAM mappings (SET_MEM_TABLE), blob views, the SIGBUS guard
    "mmap", "munmap", "mprotect", "mremap", "madvise", "brk",
    // threads and time
    "futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield", "sched_getaffinity", "nanosleep",
    "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "getpid", "gettid", "getppid", "getuid",
    "geteuid", "getgid", "getegid", "getrandom", "uname", "sysinfo", "getrlimit", "prlimit64", "prctl", "clone",
    // signals (signalfd for SIGTERM/INT/USR1, the SIGBUS guard, abort())
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "tgkill", "restart_syscall",
    "exit", "exit_group",
    // the event loop
    "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2", "timerfd_create",
    "timerfd_settime", "timerfd_gettime", "signalfd4", "poll", "ppoll", "select", "pselect6",
    // the vhost-user socket, the display channel (SCM_RIGHTS both ways)
    "accept4", "accept", "recvmsg", "sendmsg", "recvfrom", "sendto", "shutdown", "getsockopt", "setsockopt",
    "getsockname", "getpeername",
};

}  // namespace

std::span<const char* const> core_syscalls() { return kCore; }

std::vector<std::string> plugin_syscalls(const std::filesystem::path& library_file) {
  void* handle = ::dlopen(library_file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return {};  // not loaded: nothing of it can run
  std::vector<std::string> out;
  const auto* list = static_cast<const PluginSyscalls*>(::dlsym(handle, kSyscallsSymbol));
  if (list != nullptr) {
    if (list->version != kPluginSyscallsVersion || (list->count != 0 && list->names == nullptr)) {
      ::dlclose(handle);
      throw std::runtime_error(fmt::format("{}: malformed {} (version {}, expected {})", library_file.string(),
                                           kSyscallsSymbol, list->version, kPluginSyscallsVersion));
    }
    for (uint32_t i = 0; i < list->count; ++i)
      if (list->names[i] != nullptr) out.emplace_back(list->names[i]);
  }
  ::dlclose(handle);  // drops only the reference RTLD_NOLOAD took
  return out;
}

}  // namespace vugpu::sandbox
