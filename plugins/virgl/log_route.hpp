// Routes virglrenderer's own messages (vrend_printf: start-up notes, and complaints about
// malformed guest command streams) into the host's log, rate-limited so that a guest cannot
// flood it. virglrenderer has one process-wide logger, hence one route at a time.
//
// Threading: the route is installed and removed on the device loop thread; virglrenderer may
// print from any of its threads (the fence thread), so the sink side is thread-safe.
#pragma once
#include "vugpu/log.hpp"

namespace vugpu::virgl {

class LogRoute {
 public:
  explicit LogRoute(Log& log);  // installs
  ~LogRoute();                  // puts virglrenderer's previous logger back
  LogRoute(const LogRoute&) = delete;
  LogRoute& operator=(const LogRoute&) = delete;
};

}  // namespace vugpu::virgl
