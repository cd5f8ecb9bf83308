// CPU time of a whole process in nanoseconds: the sum of the first field of
// /proc/PID/task/*/schedstat (time on a CPU, per thread, in ns). /proc/PID/stat's utime + stime
// come in 10 ms ticks, too coarse for one round of a few hundred milliseconds; this clock lets
// every round carry its own CPU figure, so CPU ratios are taken per round (A B A B) like rates.
// A thread that exited between two readings takes its time with it: the backends measured here
// keep their threads for the whole run.
#pragma once
#include <sys/types.h>
#include <cstdint>
#include <optional>

namespace vugpu::bench {

// Nothing when the process is gone or the kernel has no schedstat (CONFIG_SCHED_INFO off).
std::optional<uint64_t> process_cpu_ns(pid_t pid);

}  // namespace vugpu::bench
