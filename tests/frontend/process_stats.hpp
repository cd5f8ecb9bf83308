// What a backend process costs, read from /proc: CPU time, resident memory, open fds. The
// benchmarks sample it before and after a run; the reconnect test watches it for leaks.
#pragma once
#include <sys/types.h>
#include <cstdint>
#include <optional>

namespace vugpu::frontend {

struct ProcessStats {
  uint64_t utime_ticks = 0, stime_ticks = 0;  // /proc/PID/stat fields 14 and 15
  double cpu_seconds = 0;                     // (utime + stime) / CLK_TCK
  uint64_t rss_bytes = 0;                     // VmRSS
  uint64_t hwm_bytes = 0;                     // VmHWM (peak RSS)
  unsigned fd_count = 0;                      // entries of /proc/PID/fd
  unsigned threads = 0;
};

// Nothing when the process is gone.
std::optional<ProcessStats> read_process_stats(pid_t pid);

}  // namespace vugpu::frontend
