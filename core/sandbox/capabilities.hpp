// Dropping what a root-run daemon does not need: every capability (effective, permitted,
// inheritable, ambient, and the bounding set, so nothing can come back through exec) and
// PR_SET_NO_NEW_PRIVS. vugpu needs no capability to serve: its socket, plugins and render node
// are open by then, and guest memory arrives as fds.
//
// Capabilities are per thread: call this before any thread exists (the daemon does it before
// it creates plugins). Threads created later inherit the empty sets.
#pragma once
#include "vugpu/log.hpp"

namespace vugpu::sandbox {

// Throws std::runtime_error when a capability that is held cannot be dropped.
void drop_capabilities(Log& log);

// Capabilities in this thread's effective set (for tests and the log).
unsigned effective_capability_count();

}  // namespace vugpu::sandbox
