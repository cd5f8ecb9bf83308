// The VMM's end of the vhost-user-gpu display channel, behaving as QEMU's vhost-user-gpu
// frontend does (hw/display/vhost-user-gpu.c): answers GET_PROTOCOL_FEATURES, GET_DISPLAY_INFO
// and GET_EDID, takes SCANOUT / UPDATE / CURSOR_* / DMABUF_*, and composes every UPDATE into a
// per-scanout x8r8g8b8 surface the way QEMU's console does, so tests compare the pixels a user
// would see and benchmarks pay what QEMU pays.
//
// Unlike QEMU it also checks the backend: wrong sizes, unknown requests, updates before a
// scanout, questions about scanouts that do not exist. Each lands in errors().
//
// Single-threaded: the owner (TestVmm) calls service() from its poll loop whenever the socket
// is readable, so a backend that blocks on a GET_DISPLAY_INFO answer is answered while the
// guest waits for its used entry.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include "deadline.hpp"
#include "unix_io.hpp"
#include "wire/display.hpp"

namespace vugpu::frontend {

struct DisplayOutput {
  uint32_t width = 1280, height = 800;
  bool enabled = true;
};

struct DisplayPeerOptions {
  std::vector<DisplayOutput> outputs{DisplayOutput{}};  // QEMU's max_outputs = outputs.size()
  uint64_t protocol_features = (1u << gpu::kProtocolEdid) | (1u << gpu::kProtocolDmabuf2);
  bool compose = true;                 // false: count updates but skip the pixel copy
  bool reply_to_dmabuf_update = true;  // QEMU without a GL console answers at once
  bool answer_edid_for_unknown_scanout = false;  // QEMU sends no reply at all
  // A VMM that hangs: no answer to these questions at all (tests the backend's time-outs).
  bool answer_display_info = true;
  bool answer_edid = true;
  bool answer_protocol_features = true;
  uint32_t max_message_bytes = 512u << 20;
  // A VMM that stops reading its display socket: it reads this many bytes of it in all (from
  // open()), then nothing more, until the test raises the limit (also mid-message).
  uint64_t read_limit = UINT64_MAX;
  size_t max_recorded_events = 100000;
};

struct Surface {
  uint32_t width = 0, height = 0;
  std::vector<uint32_t> pixels;  // x8r8g8b8, stride = width
  uint32_t at(uint32_t x, uint32_t y) const { return pixels[size_t(y) * width + x]; }
};

struct CursorState {
  bool defined = false;  // a CURSOR_UPDATE arrived
  bool visible = false;
  uint32_t x = 0, y = 0, hot_x = 0, hot_y = 0;
  std::vector<uint32_t> image;  // 64x64 ARGB
};

struct DmabufScanoutState {
  bool active = false;
  gpu::DmabufScanout info{};
  uint64_t modifier = 0;
  UniqueFd fd;
};

struct DisplayEvent {
  uint32_t request = 0;
  uint32_t scanout = 0;
  uint32_t x = 0, y = 0, width = 0, height = 0;
  Clock::time_point when;
};

struct DisplayStats {
  uint64_t messages = 0, bytes = 0;
  uint64_t protocol_feature_requests = 0, display_info_requests = 0, edid_requests = 0;
  uint64_t scanouts = 0, updates = 0, update_pixels = 0;
  uint64_t cursor_pos = 0, cursor_hide = 0, cursor_updates = 0;
  uint64_t dmabuf_scanouts = 0, dmabuf_updates = 0;
  uint64_t compose_ns = 0;  // time spent composing UPDATEs (QEMU's cost, paid here)
};

class DisplayPeer {
 public:
  explicit DisplayPeer(DisplayPeerOptions options = {});

  // A new channel: returns the backend's end (to send with VHOST_USER_GPU_SET_SOCKET); keeps
  // ours. Any previous channel and all display state are dropped.
  UniqueFd open();
  void close();
  // The socket to poll for input: -1 (poll ignores it) while read_limit keeps it unread.
  int fd() const { return reading_stopped() ? -1 : sock_.get(); }
  bool reading_stopped() const { return read_total_ >= options_.read_limit; }
  uint64_t bytes_read() const { return read_total_; }
  bool connected() const { return bool(sock_); }
  bool backend_closed() const { return backend_closed_; }

  // Handles every complete message readable now; never blocks on the socket.
  void service();
  // service() until nothing is readable and no message is half read, or the deadline passes.
  // Returns false on timeout with a half-read message.
  bool drain(const Deadline& deadline);
  bool mid_message() const { return header_got_ > 0; }

  const DisplayPeerOptions& options() const { return options_; }
  DisplayPeerOptions& options() { return options_; }  // changes apply to the next message

  uint64_t negotiated_features() const { return negotiated_; }
  bool features_negotiated() const { return features_set_; }

  // The composed surface of a scanout; null before its first SCANOUT or after a 0x0 one.
  const Surface* surface(uint32_t scanout) const;
  const CursorState& cursor(uint32_t scanout) const;
  const DmabufScanoutState& dmabuf(uint32_t scanout) const;

  const DisplayStats& stats() const { return stats_; }
  const std::vector<DisplayEvent>& events() const { return events_; }
  void clear_events() { events_.clear(); }
  const std::vector<std::string>& errors() const { return errors_; }
  void clear_errors() { errors_.clear(); }

 private:
  void handle();
  void reply(uint32_t request, const void* payload, uint32_t size);
  void error(std::string what);
  void record(uint32_t request, uint32_t scanout, uint32_t x = 0, uint32_t y = 0, uint32_t w = 0, uint32_t h = 0);
  void on_update();
  void on_cursor();
  void on_dmabuf_scanout();
  bool valid_scanout(uint32_t id) const { return id < options_.outputs.size(); }
  void reset_state();

  DisplayPeerOptions options_;
  UniqueFd sock_;
  bool backend_closed_ = false;
  uint64_t read_total_ = 0;  // bytes read from sock_ (read_limit)

  // The message being read.
  gpu::Header header_{};
  size_t header_got_ = 0;
  std::vector<uint8_t> payload_;
  size_t payload_got_ = 0;
  std::vector<UniqueFd> fds_;

  uint64_t negotiated_ = 0;
  bool features_set_ = false;
  std::vector<std::optional<Surface>> surfaces_;
  std::vector<CursorState> cursors_;
  std::vector<DmabufScanoutState> dmabufs_;
  DisplayStats stats_;
  std::vector<DisplayEvent> events_;
  std::vector<std::string> errors_;
};

}  // namespace vugpu::frontend
