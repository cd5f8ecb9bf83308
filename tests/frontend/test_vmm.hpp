// TestVmm: a stand-in for QEMU's vhost-user-gpu frontend. It owns the guest RAM (a memfd), the
// control and cursor virtqueues built in it, their kick/call/err eventfds, the vhost-user socket
// and the display channel's VMM end (DisplayPeer), and it sends what QEMU 10 sends, in its
// order (recorded from QEMU 10.0.2 driving a real guest through tests/e2e/vhost_user_tap.py):
//   realize(): GET_FEATURES, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, [GET_QUEUE_NUM],
//              [GET_MAX_MEM_SLOTS], [SET_BACKEND_REQ_FD], SET_OWNER, GET_FEATURES, per queue SET_VRING_CALL (masked
//              notifier) + SET_VRING_ERR, GET_CONFIG
//   start():   GET_CONFIG (the driver's probe reads the config space), then at the guest's
//              DRIVER_OK GPU_SET_SOCKET, SET_VRING_CALL x2 (masked), SET_FEATURES,
//              ADD_MEM_REG per region (CONFIGURE_MEM_SLOTS) or SET_MEM_TABLE, per queue
//              SET_VRING_NUM, _BASE, _ADDR, _KICK, then SET_VRING_ENABLE x2, then
//              SET_VRING_CALL x2 (the guest unmasks its interrupts: the real call eventfds)
//   stop():    display channel closed, SET_VRING_ENABLE 0, GET_VRING_BASE
// [..] only when that protocol feature was agreed. REPLY_ACK is asked where QEMU 10 asks it
// (memory messages, SET_VRING_ENABLE), as QEMU 7.2 did (memory only), or on every message.
// Everything also has a raw form for malformed input.
//
// One thread, one poll loop: run_until() serves the display channel and the call eventfds
// while the guest waits, so a backend that blocks on a display question never deadlocks the
// test. Like QEMU, it does not serve the display channel while it waits for a vhost-user reply
// (a backend that asks the display channel from inside a vhost-user request would hang QEMU;
// the option serve_display_while_waiting_for_replies turns that off for diagnosis).
#pragma once
#include <linux/virtio_gpu.h>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>
#include "deadline.hpp"
#include "display_peer.hpp"
#include "guest_ram.hpp"
#include "page_allocator.hpp"
#include "split_virtqueue.hpp"
#include "unix_io.hpp"
#include "vhost_user_channel.hpp"
#include "wire/vhost_user.hpp"

namespace vugpu::frontend {

class FrontendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Queue : uint32_t { Control = 0, Cursor = 1 };
inline constexpr unsigned kQueueCount = 2;

enum class AckPolicy {
  Qemu,    // NEED_REPLY on SET_MEM_TABLE / ADD_MEM_REG and SET_VRING_ENABLE, as QEMU 10 does
  Qemu72,  // NEED_REPLY on the memory messages only (QEMU 7.2: SET_VRING_ENABLE was not synchronous)
  Every,   // NEED_REPLY on every message without a reply of its own
  Never,   // never ask
};

struct VmmOptions {
  uint64_t ram_bytes = uint64_t{128} << 20;
  unsigned ram_regions = 1;  // 2: halves, the second at 4 GiB
  bool seal_ram = true;      // as QEMU's memory-backend-memfd (seal=on); false: the VMM could shrink it
  uint16_t control_queue_size = 256;  // QEMU's virtio-gpu sizes
  uint16_t cursor_queue_size = 16;
  bool event_idx = false;      // negotiate VIRTIO_RING_F_EVENT_IDX when offered
  bool indirect_desc = false;  // negotiate VIRTIO_RING_F_INDIRECT_DESC when offered
  // Device feature bits to accept when offered (VIRTIO_F_VERSION_1 is always asked for).
  uint64_t device_features = vu::bit(vu::kFeatureEdid);
  // Protocol features to agree to when offered: what QEMU asks for, less what this frontend
  // does not implement (LOG_SHMFD, INFLIGHT_SHMFD, STATUS, HOST_NOTIFIER, ...). BACKEND_REQ: a
  // back-end channel (SET_BACKEND_REQ_FD, where QEMU sends it) the test reads config changes from.
  uint64_t protocol_features = vu::bit(vu::kProtocolReplyAck) | vu::bit(vu::kProtocolConfig) |
                               vu::bit(vu::kProtocolMq) | vu::bit(vu::kProtocolConfigureMemSlots) |
                               vu::bit(vu::kProtocolBackendReq);
  AckPolicy acks = AckPolicy::Qemu;
  bool serve_display_while_waiting_for_replies = false;
  Millis reply_timeout{5000};
  DisplayPeerOptions display;
  uint32_t allocator_seed = 1;
};

enum class WaitResult { Done, Timeout, BackendGone };
const char* to_string(WaitResult r);

class TestVmm {
 public:
  explicit TestVmm(VmmOptions options = {});
  ~TestVmm();
  TestVmm(const TestVmm&) = delete;
  TestVmm& operator=(const TestVmm&) = delete;

  // Connection. connect() retries until the backend listens.
  void connect(const std::string& socket_path, Millis timeout = Millis(5000));
  void adopt(UniqueFd connected_socket);
  void realize();
  void start();
  // The guest reset the device: returns each queue's GET_VRING_BASE answer.
  std::vector<uint32_t> stop();
  // The guest driver probes the device again (reboot, module reload): fresh virtqueues at new
  // addresses, indexes from 0. Call between stop() and start(); make a new GuestDriver.
  void reinit_driver();
  void disconnect();  // closes the vhost-user socket (the VMM went away)
  void boot(const std::string& socket_path) { connect(socket_path); realize(); start(); }

  // What was offered and agreed.
  uint64_t offered_features() const { return offered_features_; }
  uint64_t acked_features() const { return acked_features_; }
  uint64_t offered_protocol_features() const { return offered_protocol_; }
  uint64_t acked_protocol_features() const { return acked_protocol_; }
  bool has_feature(unsigned bit) const { return acked_features_ & vu::bit(bit); }
  bool has_protocol_feature(unsigned bit) const { return acked_protocol_ & vu::bit(bit); }
  const virtio_gpu_config& config() const { return config_; }
  // The guest reads the config space again (GET_CONFIG, as QEMU forwards the driver's read).
  const virtio_gpu_config& reread_config() {
    read_config();
    return config_;
  }
  // The driver acknowledges config events (SET_CONFIG of events_clear).
  void clear_config_events(uint32_t events);
  // Waits for the next message the back-end sends on its channel (SET_BACKEND_REQ_FD, agreed
  // with BACKEND_REQ) and returns its request; nothing on timeout or with no channel.
  std::optional<uint32_t> wait_backend_request(Millis timeout);
  bool started() const { return started_; }
  const VmmOptions& options() const { return options_; }

  GuestRam& ram() { return *ram_; }
  PageAllocator& allocator() { return *allocator_; }
  SplitVirtqueue& queue(Queue q) { return *queues_[unsigned(q)]; }
  DisplayPeer& display() { return display_; }
  VhostUserChannel& channel() { return channel_; }
  int kick_fd(Queue q) const { return kick_fds_[unsigned(q)].get(); }
  int call_fd(Queue q) const { return call_fds_[unsigned(q)].get(); }

  // Guest -> device notification: always, or only when the device asked for one.
  void kick(Queue q);
  void kick_if_needed(Queue q);

  // Runs the VMM side (display channel, call eventfds, hang-up detection) until done() is
  // true, the deadline passes, or the backend closes the connection.
  WaitResult run_until(const std::function<bool()>& done, const Deadline& deadline);
  // One round of the same, waiting at most `timeout` for something to happen.
  void pump(Millis timeout);
  bool backend_gone() const { return backend_gone_; }
  uint64_t calls(Queue q) const { return calls_[unsigned(q)]; }
  // Queues whose used index moved with no call eventfd signal (a notification bug in the
  // backend). A call that trails its used entry is not a bug however late it comes (the backend
  // may be preempted in between on a busy machine): a queue seen moving without one waits here
  // for its call, with `safety` only as the bound for a call that never comes.
  uint64_t completions_without_call(Millis safety = Millis(10000));
  // Runs the VMM side until the backend signals queue q's error eventfd (SET_VRING_ERR: it
  // stopped the queue), the deadline passes or it closes the connection.
  WaitResult wait_queue_error(Queue q, const Deadline& deadline);
  uint64_t queue_errors(Queue q) const { return queue_errors_[unsigned(q)]; }

  // ---- Raw vhost-user ----
  // Any message; `size_override` puts another number in the header's size field.
  IoStatus send(uint32_t request, std::span<const uint8_t> payload, std::span<const int> fds = {},
                uint32_t flags = vu::kVersion, std::optional<uint32_t> size_override = std::nullopt);
  IoStatus send_bytes(std::span<const uint8_t> bytes, std::span<const int> fds = {});
  // Next message from the backend (messages that arrived during run_until() come first).
  std::optional<VuMessage> receive(Millis timeout);
  // Sends a request that has a reply and returns it; throws FrontendError on a bad or no reply.
  VuMessage request(uint32_t request, std::span<const uint8_t> payload = {}, std::span<const int> fds = {});
  uint64_t get_u64(uint32_t request);
  // Sends a request without a reply of its own; waits for the REPLY_ACK when `need_reply`
  // (and REPLY_ACK was agreed) and returns its value (0 = success).
  uint64_t set(uint32_t request, std::span<const uint8_t> payload, std::span<const int> fds, bool need_reply);
  uint64_t set_u64(uint32_t request, uint64_t value, bool need_reply = false);
  // Builds the SET_MEM_TABLE payload the VMM would send (for tests that corrupt it).
  std::vector<uint8_t> mem_table_payload() const;
  std::vector<int> mem_table_fds() const;
  // One ADD_MEM_REG / REM_MEM_REG payload (padding + region) for region `index` of guest RAM.
  std::vector<uint8_t> mem_region_payload(size_t index) const;
  uint64_t max_mem_slots() const { return max_mem_slots_; }  // GET_MAX_MEM_SLOTS answer, 0 if not asked

  // Every message sent on the vhost-user socket, in order (to compare with QEMU's own).
  struct SentMessage {
    uint32_t request, flags, size;
    size_t fds;
  };
  const std::vector<SentMessage>& sent() const { return sent_; }

 private:
  bool wants_ack(uint32_t request) const;
  void setup_queue(Queue q);
  void set_call_fds(const std::array<UniqueFd, kQueueCount>& fds);
  void send_memory();
  void read_config();
  VuMessage await_reply(uint32_t request);
  std::optional<VuMessage> read_message(const Deadline& deadline, bool serve_display);

  VmmOptions options_;
  std::unique_ptr<GuestRam> ram_;
  std::unique_ptr<PageAllocator> allocator_;
  std::array<std::unique_ptr<SplitVirtqueue>, kQueueCount> queues_;
  std::array<UniqueFd, kQueueCount> kick_fds_, call_fds_, masked_call_fds_, err_fds_;
  UniqueFd backend_channel_;  // our end of SET_BACKEND_REQ_FD's socket pair
  uint64_t max_mem_slots_ = 0;
  std::vector<SentMessage> sent_;
  VhostUserChannel channel_;
  DisplayPeer display_;
  std::vector<VuMessage> unread_;  // backend messages read while nobody asked

  uint64_t offered_features_ = 0, acked_features_ = 0;
  uint64_t offered_protocol_ = 0, acked_protocol_ = 0;
  virtio_gpu_config config_{};
  bool started_ = false;
  bool backend_gone_ = false;
  std::array<uint64_t, kQueueCount> calls_{}, queue_errors_{};
  std::array<bool, kQueueCount> awaiting_call_{};  // used index moved, no call seen since
  uint64_t unnotified_ = 0;
};

}  // namespace vugpu::frontend
