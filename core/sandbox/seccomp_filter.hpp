// The seccomp filter: an allowlist of system calls for every thread of the process (TSYNC), with
// PR_SET_NO_NEW_PRIVS. A call outside it traps (SECCOMP_RET_TRAP): the SIGSYS handler writes
// "vugpu: sandbox: forbidden system call NAME (NR)" to stderr and the process dies of SIGSYS.
// Nothing is ever silently allowed or silently failed, except clone3, which answers ENOSYS so
// that glibc falls back to clone(), whose flags the filter can check (threads only: no fork).
#pragma once
#include <span>
#include <string>
#include <vector>
#include "vugpu/log.hpp"

namespace vugpu::sandbox {

// Builds and loads the filter. Throws std::runtime_error (the daemon then exits before serving
// anything new). Names the kernel does not know are logged and skipped. Once, from any thread.
void install_seccomp(std::span<const std::string> allowed, Log& log);

}  // namespace vugpu::sandbox
