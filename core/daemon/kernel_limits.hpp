// The [limits] on blob views against what the kernel gives this process: every view may hold
// an fd (a udmabuf) and mappings (one per run of the guest's memory file). A cap above what
// the process may open or map would let a guest, before it reaches the cap, leave the daemon
// without fds (accept, memfds, the stats file) or mappings (every allocation of every thread).
// Main thread, at start-up, before the sandbox (reads /proc/sys).
#pragma once
#include "device/settings.hpp"
#include "vugpu/log.hpp"

namespace vugpu {

// Logs a warning (with the fix) for each [limits] key above the kernel's limit less what the
// daemon needs itself. Returns how many warnings it logged.
int warn_if_blob_limits_exceed_the_kernels(const Limits& limits, Log& log);

}  // namespace vugpu
