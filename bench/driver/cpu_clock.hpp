// CPU time of a whole process in nanoseconds: the sum of the first field of
// /proc/PID/task/*/schedstat (time on a CPU, per thread, in ns). /proc/PID/stat's utime + stime
// come in 10 ms ticks, too coarse for one round of a few hundred milliseconds; this clock lets
// every round carry its own CPU figure, so CPU ratios are taken per round (A B A B) like rates.
// A thread that exited between two readings takes its time with it: the backends measured here
// keep their threads for the whole run.
// Also the wake-ups of a process (its threads' context switches), for the idle figures of the
// window benchmark (bench/window).
#pragma once
#include <sys/types.h>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace vugpu::bench {

// Nothing when the process is gone or the kernel has no schedstat (CONFIG_SCHED_INFO off).
// `except_tid`: a thread left out (the measuring thread of an in-process benchmark), 0: none.
std::optional<uint64_t> process_cpu_ns(pid_t pid, pid_t except_tid = 0);

// The same per thread name (/proc/PID/task/*/comm; threads of one name summed): where a
// process's CPU time goes (a toolkit thread, llvmpipe's workers, ...). Empty when it is gone.
std::map<std::string, uint64_t> process_cpu_ns_by_thread(pid_t pid, pid_t except_tid = 0);

// voluntary_ctxt_switches + nonvoluntary_ctxt_switches of every thread of `pid` but
// `except_tid` (/proc/PID/task/*/status): every time a thread went to sleep or was preempted,
// i.e. (for threads that sleep in poll) its wake-ups. Nothing when the process is gone.
std::optional<uint64_t> process_context_switches(pid_t pid, pid_t except_tid = 0);

}  // namespace vugpu::bench
