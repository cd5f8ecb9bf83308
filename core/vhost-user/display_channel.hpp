// The vhost-user-gpu display channel: VmmDisplay over the socket the VMM handed over with
// VHOST_USER_GPU_SET_SOCKET (QEMU's console at the other end).
//
// Nothing here waits for the VMM. The device loop (the one thread that also runs the
// virtqueues, the vhost-user socket and presenters' callbacks) must not stop because a VMM
// stopped reading its display socket.
//
// Sending: every message joins one ordered outgoing queue (out_) and leaves in that order, each
// whole (fds ride with its first byte, SCM_RIGHTS). What the socket takes now is written inside
// the call; the rest continues from an EPOLLOUT watch on the loop (EventLoop::watch_writable).
// A message's header and fixed part are copied into the queue; an UPDATE's pixel rows are not:
// they stay the caller's, referenced until the UPDATE's `done` runs (sendmsg scatter-gather
// from the frame, no staging copy). Large UPDATEs go by reference (spliced_send.hpp: vmsplice
// the pages, splice them into the socket), so their `done` runs only once the VMM has read
// every byte (the send buffer shrunk, then writability: no blocking poll); copied ones complete
// when their last byte is in the socket. Meanwhile later messages wait behind that UPDATE: the
// stream keeps its order.
//
// A VMM that takes no byte for `timeout_ms` while messages wait (or does not finish reading a
// spliced UPDATE within `timeout_ms` of its last byte going in) gets the channel closed with
// one warning; every queued UPDATE's `done` then runs with an error, so presenters release
// their frames and the device goes on without a display.
//
// Bounded memory while the VMM is slow (what the queue may hold, and why):
//  - UPDATE pixels are never copied into the queue: the presenter holds the frame until
//    `done`, and the device runs no later command of that control queue before the flush
//    completes (fence/release back-pressure), so a guest cannot pile them up.
//  - Cursor messages come from the cursor queue, which completes at once, so a guest could
//    move its cursor without end. A new CURSOR_POS / CURSOR_POS_HIDE / CURSOR_UPDATE for a
//    scanout drops that scanout's queued CURSOR_POS / CURSOR_POS_HIDE not yet started, and a
//    CURSOR_UPDATE also the older queued CURSOR_UPDATE (each carries the whole state it sets:
//    position and visibility, image): at most one of each per scanout waits.
//  - Everything else (SCANOUT, DMABUF_*, questions) is small, and a hard cap (kMaxQueued
//    messages, kMaxQueuedBytes copied bytes) closes the channel with a log line if a guest
//    still manages to outrun a VMM that does not read (SET_SCANOUT without end). Only a VMM
//    that stopped reading can get there: its display would be closed by the time-out anyway.
//
// Questions never block the device loop either: GET_DISPLAY_INFO / GET_EDID (and the
// GET_PROTOCOL_FEATURES an EDID question may have to wait for) are answered through a
// completion. Every request that expects a reply is queued (FIFO) with a sequence number, a
// deadline and, for a question, its continuation; the socket watch reads replies as they come
// and runs the continuation of the request they answer; a loop timer (timerfd) fails the
// continuations whose deadline passed (`timeout_ms`), and close() / the destructor fail the
// rest. The caller's `done` is always posted to the loop, never run inside the call.
// DMABUF_UPDATE's reply (QEMU answers once its GL display drew the buffer) completes the same
// way.
//
// Replies come back in request order, but QEMU leaves some requests unanswered (GET_EDID for a
// scanout it does not have) and a reply may arrive after we stopped waiting. So a reply is
// matched to the oldest queued request of the same type (older ones of another type are taken
// as never answered and their continuations fail), and a reply nobody waits for any more (its
// question timed out) is read and dropped: a timed-out request stays queued for that matching.
// A request is entered there when it joins the outgoing queue, which sends in the same order.
//
// Protocol features are negotiated without blocking: start() sends GET_PROTOCOL_FEATURES and
// the reply is taken when it arrives. Blocking inside VHOST_USER_GPU_SET_SOCKET would deadlock
// against QEMU, which handles the display socket on its main loop while its vCPU thread may
// wait for our answer to the next vhost-user message. An EDID question asked before the answer
// waits for it (or for its time-out: then no features, as with a VMM that offers none).
//
// A broken stream (peer closed, time-out, garbage) closes the channel for good: every call then
// fails with Status::Unspec; the VMM sends a new socket when it restarts the device.
//
// An UPDATE for a scanout that was not given a size on this channel (SCANOUT) is refused with
// InvalidScanoutId instead of being sent: QEMU would composite into a surface it does not have.
// A presenter that sees this sends SCANOUT and then the whole frame.
//
// Threading: device loop thread only, every call and every callback (the loop must outlive
// the channel: completions are posted to it, also from the destructor).
#pragma once
#include <sys/uio.h>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
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
  // The outgoing queue's cap (see the top of this file): more closes the channel.
  static constexpr size_t kMaxQueued = 256;
  static constexpr uint64_t kMaxQueuedBytes = 1u << 20;
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
  bool is_open() const { return static_cast<bool>(socket_); }
  bool negotiated() const { return negotiated_; }
  uint64_t protocol_features() const { return features_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  size_t queued() const { return out_.size(); }  // messages not yet wholly sent (or consumed)

  // VmmDisplay
  bool has_edid() const override;
  bool has_dmabuf2() const override;
  bool display_info_async(DisplayInfoDone done) override;
  bool edid_async(uint32_t scanout_id, EdidDone done) override;
  Status scanout(uint32_t scanout_id, uint32_t width, uint32_t height) override;
  Status update(uint32_t scanout_id, const Rect& r, const uint8_t* first_row, uint32_t stride,
                std::function<void(Status)> done) override;
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
  // One message of the outgoing queue: `head` (header and fixed part, copied) then `rows` (the
  // caller's bytes, an UPDATE's pixels, referenced until `done` ran).
  struct Outgoing {
    uint32_t request = 0;
    uint32_t scanout = UINT32_MAX;  // cursor messages: theirs (coalescing)
    std::vector<uint8_t> head;
    std::vector<iovec> rows;
    uint64_t rows_bytes = 0;
    uint64_t by_reference = 0;  // the first by_reference bytes of `rows` are spliced
    UniqueFd fd;                // a dup of the caller's; rides with the first byte
    uint64_t sent = 0;          // bytes of this message already in the socket
    std::function<void(Status)> done;  // posted once `rows` are not needed any more
  };

  // A message of header + a copy of `payload` (+ fd, duplicated).
  Outgoing message(uint32_t request, std::span<const iovec> payload, int fd = -1);
  // Queues `m` and writes what the socket takes now. Fills *seq when the request expects a
  // reply. Ok: queued (m.done runs later, exactly once, also if the channel closes meanwhile);
  // else nothing was queued (a message without `done` also gets Unspec when the channel
  // closed while it was written).
  Status enqueue(Outgoing m, uint64_t* seq = nullptr);
  Status send(uint32_t request, std::span<const iovec> payload, int fd = -1, uint64_t* seq = nullptr);
  Status send_simple(uint32_t request, const void* payload, size_t size, uint64_t* seq = nullptr);
  // Drops this scanout's queued cursor messages that `request` supersedes (see the top).
  void coalesce_cursor(uint32_t request, uint32_t scanout_id);
  // Writes queued messages until the socket is full, a spliced UPDATE waits to be read, or
  // the queue is empty; keeps the EPOLLOUT watch armed exactly while something waits.
  void flush();
  enum class Step { Done, Full, Failed };
  // Writes what the socket takes of out_.front(). Failed: `why` says how the stream broke.
  Step write_front(io::IoResult& why);
  // out_.front() is wholly sent (and read, when spliced): pops it, posts its `done`.
  void finish_front(Status s);
  void set_writable_watch(bool on);
  // Sends a request that has a reply; `then` runs exactly once, inline, from the socket watch,
  // the timer or close(). Not Ok: nothing sent, `then` never runs.
  Status send_question(uint32_t request, const void* payload, size_t size, ReplyFn then);
  // The same, with `then(Unspec)` run here when it cannot be sent.
  void ask(uint32_t request, const void* payload, size_t size, ReplyFn then);
  void ask_display_info(std::function<void(Status)> then);
  // Runs fn once the protocol features are known (at once, or when they come or time out).
  void after_negotiation(std::function<void()> fn);
  void features_settled(Status s);
  // Reads what the socket has (one recvmsg) and runs the replies now whole.
  void receive();
  // A whole reply: matched to its request (see the top), whose continuation runs.
  void take_reply(uint32_t request, std::vector<uint8_t> payload);
  void on_readable();
  void on_timer();
  void arm_timer();
  void take_features(const std::vector<uint8_t>& payload);
  Status take_display_info(const std::vector<uint8_t>& reply);
  void close(std::string_view why, LogLevel level = LogLevel::Warn);
  static void run(std::vector<Completion>& done);
  Status check_scanout_id(uint32_t scanout_id) const;
  // Lets the kernel queue a whole message of `bytes` (within net.core.wmem_max): an UPDATE
  // then leaves in one sendmsg() instead of one per socket-buffer-full, each a wake-up on the
  // device loop. Only ever grows. Not while a spliced UPDATE waits to be read (its wait needs
  // the smallest buffer): the new size is set when that wait ends.
  void fit_send_buffer(uint64_t bytes);

  EventLoop& loop_;
  WatchedFd socket_;
  Log& log_;
  const int timeout_ms_;

  std::deque<Pending> pending_;
  uint64_t next_seq_ = 1;
  bool reading_ = false;  // inside receive()
  // Received bytes not yet a whole reply, and when they began to come.
  static constexpr size_t kReadChunk = sizeof(gpu::Header) + gpu::kMaxReplyPayload;
  std::vector<uint8_t> rx_;
  Clock::time_point partial_since_;

  uint64_t features_seq_ = 0;
  bool negotiated_ = false;
  uint64_t features_ = 0;

  WatchedFd timer_;  // timerfd: no later than the earliest deadline (arm_timer())
  std::optional<Clock::time_point> timer_at_;  // when it fires; empty: disarmed
  std::vector<std::function<void()>> after_features_;

  bool display_info_known_ = false;
  std::array<DisplayMode, kMaxScanouts> modes_{};  // the VMM's last display info
  uint32_t reported_scanouts_ = 0;  // bit i: the VMM's last display info showed scanout i
  std::array<ScanoutState, kMaxScanouts> scanouts_{};
  uint64_t bytes_sent_ = 0;
  uint64_t send_buffer_asked_ = 0;  // the largest SO_SNDBUF asked for so far
  int send_buffer_value_ = 212992;  // what SO_SNDBUF is (Linux's default until set), but while consuming_
  io::SplicedSender splicer_;

  std::deque<Outgoing> out_;         // the outgoing queue, in stream order
  uint64_t queued_bytes_ = 0;        // the copied bytes (`head`s) in out_
  bool writable_watched_ = false;    // EPOLLOUT armed: something waits for the socket
  bool consuming_ = false;           // out_.front() is a spliced UPDATE wholly sent, not yet read
  bool recheck_ = false;             // arm EPOLLOUT again: consuming_ began (a new writability rule)
  Clock::time_point last_progress_;  // the socket last took bytes (or consuming_ began)
};

}  // namespace vugpu::vhost
