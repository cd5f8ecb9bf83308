// HostServices over the daemon's EventLoop. The daemon makes one per plugin (with a Log that
// tags lines with the plugin's name) and one for the device; all share one HostLinks.
//
// Threading as HostServices says: log/post/count_copy from any thread, the rest on the loop
// thread. Watches a plugin forgot to remove are removed when this object goes (it must outlive
// the plugin object it was given to).
#pragma once
#include <set>
#include "host/host_links.hpp"
#include "loop/event_loop.hpp"
#include "vugpu/host.hpp"

namespace vugpu {

class LoopHostServices final : public HostServices {
 public:
  // presenter: this object serves a presenter (its copies also count as presenter copies).
  LoopHostServices(EventLoop& loop, Log& log, HostLinks& links, bool presenter = false)
      : loop_(loop), log_(log), links_(links), presenter_(presenter) {}
  ~LoopHostServices() override;
  LoopHostServices(const LoopHostServices&) = delete;
  LoopHostServices& operator=(const LoopHostServices&) = delete;

  Log& log() override { return log_; }
  void post(std::function<void()> fn) override { loop_.post(std::move(fn)); }
  WatchId watch_fd(int fd, std::function<void()> on_readable) override;
  void unwatch_fd(WatchId id) override;
  VmmDisplay* vmm_display() override;
  void fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id) override;
  // Posted to the loop, where HostLinks::display_mode_wanted runs (if the device exists by then).
  void display_mode_wanted(uint32_t scanout_id, const DisplayMode& mode) override;
  // Posted to the loop: HostLinks::exit_status raised to `exit_status`, the loop stopped.
  void request_stop(int exit_status) override;
  void count_copy(uint64_t bytes) override {
    links_.bytes_copied.fetch_add(bytes, std::memory_order_relaxed);
    if (presenter_) links_.presenter_bytes_copied.fetch_add(bytes, std::memory_order_relaxed);
  }

 private:
  EventLoop& loop_;
  Log& log_;
  HostLinks& links_;
  const bool presenter_;
  std::set<WatchId> watches_;
};

}  // namespace vugpu
