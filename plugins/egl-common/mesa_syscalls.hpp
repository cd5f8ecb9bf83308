// What Mesa itself does after vugpu's sandbox is on, in every plugin that loads it (llvmpipe or
// a GPU driver; EGL, GLX or virglrenderer on top): its shader disk cache writes each new shader
// from a queue that starts one more thread (up to 4) whenever a write is already waiting (Mesa
// 22.3 src/util/u_queue.c, UTIL_QUEUE_INIT_SCALE_THREADS). Whether that happens depends on
// timing, so a plugin that forgets these dies only sometimes (e2e_virgl_glmark2_validate did, in
// CI, on sched_setscheduler). The creating thread sets the new one to SCHED_BATCH
// (sched_setscheduler), which then lowers its nice (setpriority), widens its CPU affinity
// (sched_setaffinity) and locks each file it writes (flock). Measured with strace; tested for
// every GL plugin by tests/unit/library-sandbox. A plugin adds its own calls after the list:
//
//   const char* const kSyscalls[] = {VUGPU_MESA_SYSCALLS, "ioctl"};
//   VUGPU_EXPORT_SYSCALLS(kSyscalls)
#pragma once

#define VUGPU_MESA_SYSCALLS "sched_setscheduler", "setpriority", "sched_setaffinity", "flock"
