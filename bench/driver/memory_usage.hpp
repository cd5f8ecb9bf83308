// A process's resident memory split the way /proc/PID/status splits it. The split matters for
// a vhost-user backend: it maps the guest's RAM (shared memory), and every guest page it ever
// reads counts in VmRSS as RssShmem. That is the guest's memory, not the backend's; a leak
// shows in RssAnon (heap, anonymous mappings).
#pragma once
#include <sys/types.h>
#include <cstdint>
#include <optional>

namespace vugpu::bench {

struct MemoryUsage {
  uint64_t rss = 0, anon = 0, file = 0, shmem = 0;  // bytes: VmRSS, RssAnon, RssFile, RssShmem
};

std::optional<MemoryUsage> read_memory_usage(pid_t pid);  // nothing when the process is gone

}  // namespace vugpu::bench
