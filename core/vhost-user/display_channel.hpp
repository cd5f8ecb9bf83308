// The vhost-user-gpu display channel: VmmDisplay over the socket the VMM handed over with
// VHOST_USER_GPU_SET_SOCKET (QEMU's console at the other end).
//
// Requests go out as whole messages (sendmsg scatter-gather: an UPDATE's pixel rows are sent
// straight from the frame, no staging copy; partial writes are continued).
//
// Questions never block the device loop: GET_DISPLAY_INFO / GET_EDID (and the GET_PROTOCOL_FEATURES
// an EDID question may have to wait for) are answered through a completion. Every request that
// expects a reply is queued (FIFO) with a sequence number, a deadline and, for a question, its
// continuation; the socket watch reads replies as they come and runs the continuation of the
// request they answer; a loop timer (timerfd) fails the continuations whose deadline passed
// (`timeout_ms`), and close() / the destructor fail the rest. The caller's `done` is always
// posted to the loop, never run inside the call. DMABUF_UPDATE's reply (QEMU answers once its
// GL display drew the buffer) completes the same way. What can still wait in a call, bounded by
// `timeout_ms` each time the socket makes no progress: sending into a full socket, and a large
// UPDATE until the VMM has read its spliced pixels (spliced_send.hpp).
//
// Replies come back in request order, but QEMU leaves some requests unanswered (GET_EDID for a
// scanout it does not have) and a reply may arrive after we stopped waiting. So a reply is
// matched to the oldest queued request of the same type (older ones of another type are taken
// as never answered and their continuations fail), and a reply nobody waits for any more (its
// question timed out) is read and dropped: a timed-out request stays queued for that matching.
//
// Protocol features are negotiated without blocking: start() sends GET_PROTOCOL_FEATURES and
// the reply is taken when it arrives. Blocking inside VHOST_USER_GPU_SET_SOCKET would deadlock
// against QEMU, which handles the display socket on its main loop while its vCPU thread may
// wait for our answer to the next vhost-user message. An EDID question asked before the answer
// waits for it (or for its time-out: then no features, as with a VMM that offers none).
//
// A broken stream (peer closed, timeout in the middle of a message, garbage) closes the channel
// for good: every call then fails with Status::Unspec; the VMM sends a new socket when it
// restarts the device.
//
// An UPDATE for a scanout that was not given a size on this channel (SCANOUT) is refused with
// InvalidScanoutId instead of being sent: QEMU would composite into a surface it does not have.
// A presenter that sees this sends SCANOUT and then the whole frame.
//
// Threading: device loop thread only (the loop must outlive the channel: completions are posted
// to it, also from the destructor).
#pragma once
#include <sys/uio.h>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <vector>
#include "loop/event_loop.hpp"
#include "vugpu/unique_fd.hpp"
#include "vhost-user/gpu_protocol.hpp"
#include "vhost-user/socket_io.hpp"
#include "vhost-user/spliced_send.hpp"
#include "vhost-user/watched_fd.hpp"
#include "vugpu/host.hpp"
#include "vugpu/log.hpp"

namespace vugpu::vhost {

class DisplayChannel final : public VmmDisplay {
 public:
  static constexpr uint32_t kMaxScanouts = 16;  // VIRTIO_GPU_MAX_SCANOUTS
  // UPDATEs with at least this many pixel bytes go to the socket by reference (spliced_send.hpp),
  // all but their last kCopiedTailBytes; smaller ones are copied (page pinning costs more).
  static constexpr uint64_t kSpliceMinBytes = 256 * 1024;
  static constexpr uint64_t kCopiedTailBytes = 4096;
  // Protocol features vugpu asks for.
  static constexpr uint64_t kWantedFeatures = (1ull << gpu::kProtocolEdid) | (1ull << gpu::kProtocolDmabuf2);
  // fd_flags bit of DMABUF_SCANOUT: rows are stored top-down (virglrenderer's Y_0_TOP).
  static constexpr uint32_t kDmabufFlagY0Top = 1;

  DisplayChannel(EventLoop& loop, UniqueFd socket, Log& log, int timeout_ms);
  ~DisplayChannel() override;
  DisplayChannel(const DisplayChannel&) = delete;
  DisplayChannel& operator=(const DisplayChannel&) = delete;

  // Watches the socket and sends GET_PROTOCOL_FEATURES. False (channel closed) on failure.
  bool start();
  // What to serve while a call waits on the VMM (see io::SideChannel): QEMU may block its main
  // loop on our answer to a vhost-user request and read the display socket only afterwards.
  void set_side_channel(io::SideChannel side) { side_ = std::move(side); }
  bool is_open() const { return static_cast<bool>(socket_); }
  bool negotiated() const { return negotiated_; }
  uint64_t protocol_features() const { return features_; }
  uint64_t bytes_sent() const { return bytes_sent_; }

  // VmmDisplay
  bool has_edid() const override;
  bool has_dmabuf2() const override;
  bool display_info_async(DisplayInfoDone done) override;
  bool edid_async(uint32_t scanout_id, EdidDone done) override;
  Status scanout(uint32_t scanout_id, uint32_t width, uint32_t height) override;
  Status update(uint32_t scanout_id, const Rect& r, const uint8_t* first_row, uint32_t stride) override;
  Status cursor_pos(uint32_t scanout_id, uint32_t x, uint32_t y, bool visible) override;
  Status cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage& image) override;
  Status dmabuf_scanout(uint32_t scanout_id, const Frame& frame) override;
  Status dmabuf_update(uint32_t scanout_id, const Rect& r, std::function<void(Status)> done) override;

 private:
  using Clock = std::chrono::steady_clock;
  // What runs when a question's reply came (Ok, its payload) or never will (an error).
  using ReplyFn = std::function<void(Status, std::vector<uint8_t>&)>;
  struct Pending {
    uint64_t seq;
    uint32_t request;
    Clock::time_point deadline;
    ReplyFn on_reply;  // empty: nobody waits for it (any more)
  };
  struct Completion {  // a continuation to run once the queue is consistent again
    ReplyFn fn;
    Status status;
    std::vector<uint8_t> payload;
  };
  struct ScanoutState {
    uint32_t width = 0, height = 0;  // as last sent with SCANOUT / DMABUF_SCANOUT
    bool dmabuf = false;
  };

  // Sends header + payload pieces (+ fd). Fills *seq when the request expects a reply.
  Status send(uint32_t request, std::span<const iovec> payload, int fd = -1, uint64_t* seq = nullptr);
  Status send_simple(uint32_t request, const void* payload, size_t size, uint64_t* seq = nullptr);
  // Sends a request that has a reply; `then` runs exactly once, inline, from the socket watch,
  // the timer or close(). Not Ok: nothing sent, `then` never runs.
  Status send_question(uint32_t request, const void* payload, size_t size, ReplyFn then);
  // The same, with `then(Unspec)` run here when it cannot be sent.
  void ask(uint32_t request, const void* payload, size_t size, ReplyFn then);
  void ask_display_info(std::function<void(Status)> then);
  // Runs fn once the protocol features are known (at once, or when they come or time out).
  void after_negotiation(std::function<void()> fn);
  void features_settled(Status s);
  // Reads and dispatches one reply if one is there. False when the channel closed or nothing
  // was there.
  bool read_one_reply();
  void on_readable();
  void on_timer();
  void arm_timer();
  void drain_ready();
  void take_features(const std::vector<uint8_t>& payload);
  Status take_display_info(const std::vector<uint8_t>& reply);
  void close(std::string_view why, LogLevel level = LogLevel::Warn);
  static void run(std::vector<Completion>& done);
  Status check_scanout_id(uint32_t scanout_id) const;
  // Lets the kernel queue a whole message of `bytes` (within net.core.wmem_max): an UPDATE
  // then leaves in one sendmsg() instead of one per socket-buffer-full, each a sleep and a
  // wake-up on the device loop. Only ever grows.
  void fit_send_buffer(uint64_t bytes);
  // An UPDATE of `pixels` pieces after its header, the pixels by reference (spliced_send.hpp):
  // returns once the VMM has read all of it. Unsupported: nothing sent, copy it instead.
  Status send_update_spliced(const gpu::Update& msg, std::span<const iovec> pixels, bool& unsupported);

  EventLoop& loop_;
  WatchedFd socket_;
  Log& log_;
  const int timeout_ms_;
  io::SideChannel side_;

  std::deque<Pending> pending_;
  uint64_t next_seq_ = 1;
  bool reading_ = false;  // inside read_one_reply()

  uint64_t features_seq_ = 0;
  bool negotiated_ = false;
  uint64_t features_ = 0;

  WatchedFd timer_;  // timerfd: the earliest deadline of a question someone waits for
  std::vector<std::function<void()>> after_features_;

  bool display_info_known_ = false;
  std::array<DisplayMode, kMaxScanouts> modes_{};  // the VMM's last display info
  uint32_t reported_scanouts_ = 0;  // bit i: the VMM's last display info showed scanout i
  std::array<ScanoutState, kMaxScanouts> scanouts_{};
  uint64_t bytes_sent_ = 0;
  uint64_t send_buffer_asked_ = 0;  // the largest SO_SNDBUF asked for so far
  int send_buffer_value_ = 212992;  // what SO_SNDBUF was last set to (Linux's default until then)
  io::SplicedSender splicer_;
};

}  // namespace vugpu::vhost
