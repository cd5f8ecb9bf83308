// One virtqueue as vhost-user runs it: the split ring plus its kick / call / err eventfds and
// the state the vhost-user messages set (size, base, addresses, enable).
//
// A queue runs (takes chains from the avail ring) when it has its addresses, a kick fd (it was
// "started" by SET_VRING_KICK and not stopped since by GET_VRING_BASE), is enabled (always
// without VHOST_USER_F_PROTOCOL_FEATURES; by SET_VRING_ENABLE with it), and is not broken.
//
// Malformed chains (policy): a chain whose head is valid but whose descriptors are not (loop,
// address outside guest memory, bad indirect table, readable after writable, ...) is logged
// (rate-limited) and completed at once with 0 bytes written: the driver gets its descriptors
// back and is not stuck, and the device never sees the chain. An avail ring that cannot be
// trusted at all (index jumped by more than the queue size, head index past the table: there
// is no valid id to give back) breaks the queue: it stops, the err eventfd is signalled (QEMU
// logs it), and it stays stopped until the VMM sets it up again.
//
// Completions arrive from the device (maybe later, maybe while the queue is stopped). While
// stopped they are kept and written when the queue is started again (pause/resume keeps the
// ring); a device reset drops them with the commands they belong to.
//
// Device loop thread only.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include "loop/event_loop.hpp"
#include "vugpu/unique_fd.hpp"
#include "memory/guest_memory.hpp"
#include "vhost-user/gpu_backend.hpp"
#include "vhost-user/protocol.hpp"
#include "vhost-user/split_ring.hpp"
#include "vhost-user/watched_fd.hpp"
#include "log/rate_limited_log.hpp"

namespace vugpu::vhost {

struct QueueEnv {
  EventLoop& loop;
  const GuestMemory& memory;
  GpuBackend& device;
  Log& log;                    // VMM-caused events
  RateLimitedLog& guest_log;   // guest-caused events
};

struct QueueStats {
  uint64_t chains = 0, bad_chains = 0, completions = 0, notifications = 0;
  uint64_t withheld = 0;  // completions not written: guest RAM was poisoned (see complete())
};

class Virtqueue {
 public:
  // Work per turn of the loop (process()): descriptors read, chains good or bad.
  static constexpr uint32_t kDescriptorsPerTurn = 65536;
  Virtqueue(QueueId id, QueueEnv env);
  ~Virtqueue();
  Virtqueue(const Virtqueue&) = delete;
  Virtqueue& operator=(const Virtqueue&) = delete;

  // Negotiated features (SET_FEATURES).
  void set_features(bool event_idx, bool indirect, bool protocol_features);

  // vhost-user messages. False = refused, `why` says why (the queue is unchanged).
  bool set_num(uint32_t num, std::string& why);
  bool set_base(uint32_t base, std::string& why);
  bool set_addr(const VringAddr& addr, std::string& why);
  bool set_kick(UniqueFd fd, std::string& why);  // starts the queue
  void set_call(UniqueFd fd) { call_ = std::move(fd); }
  void set_err(UniqueFd fd) { err_ = std::move(fd); }
  void set_enabled(bool enabled);
  // GET_VRING_BASE: stops the queue (kick and call closed) and returns where it stopped.
  uint16_t stop();

  // The memory table changed: find the rings again (a queue that cannot is detached).
  void memory_changed();
  // Device reset: commands in flight are gone, and so are their completions.
  void forget_in_flight();
  // Whether set_base() rewound a queue that was stopped elsewhere (a driver reset: the
  // frontend restarts a fresh ring at 0 instead of where we stopped).
  bool rewound() const { return rewound_; }

  // Device completion of a chain this queue handed out. Once any guarded mapping was poisoned
  // (the VMM truncated guest memory, memory/guarded_mapping.hpp) nothing more is written to
  // the used ring: a command that may have read zeros is never reported done, and the server
  // drops the VMM on its next turn.
  void complete(uint16_t head, uint32_t bytes_written);
  // Takes every available chain (kick, start, or a self-kick after a batch limit).
  void process();

  bool running() const;
  uint32_t in_flight() const { return in_flight_total_; }
  const QueueStats& stats() const { return stats_; }

 private:
  bool translate(std::string& why);  // addresses -> ring pointers
  void on_kick();
  void notify();
  void notify_at_end_of_turn();
  void signal_error();
  uint32_t index() const { return static_cast<uint32_t>(id_); }

  const QueueId id_;
  QueueEnv env_;
  SplitRing ring_;
  uint32_t num_ = 0;
  std::optional<VringAddr> addr_;
  uint16_t base_ = 0;
  bool event_idx_ = false, indirect_ = false, protocol_features_ = false;
  bool enabled_ = false;  // SET_VRING_ENABLE (only meaningful with protocol features)
  bool started_ = false;  // between SET_VRING_KICK and GET_VRING_BASE
  bool broken_ = false;
  bool batching_ = false;  // inside process(): notify once at the end
  bool notify_asked_ = false;  // a notification waits for the end of the loop's turn
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // for that wait
  std::optional<uint16_t> stopped_at_;
  bool rewound_ = false;

  WatchedFd kick_;
  UniqueFd call_, err_;

  std::vector<uint16_t> in_flight_;  // per head: chains handed to the device, not completed; sized by set_num()
  uint32_t in_flight_total_ = 0;
  std::vector<std::pair<uint16_t, uint32_t>> held_completions_;  // completed while stopped
  ChainLimits limits_;
  QueueStats stats_;
  const uint64_t poisonings_at_start_;  // poison_count() when the queue was made
};

}  // namespace vugpu::vhost
