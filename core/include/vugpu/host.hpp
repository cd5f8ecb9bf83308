// What the host (the vugpu core) offers a plugin. Passed to every plugin factory; valid for the
// plugin object's whole life. Plugins reach the core only through this interface, never by
// including core internals.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>
#include "vugpu/frame.hpp"
#include "vugpu/geometry.hpp"
#include "vugpu/log.hpp"
#include "vugpu/presenter.hpp"
#include "vugpu/status.hpp"

namespace vugpu {

// The vhost-user-gpu display channel to the VMM (QEMU's console). Device loop thread only.
// Exists only while a VMM is connected and has sent VHOST_USER_GPU_SET_SOCKET.
class VmmDisplay {
 public:
  virtual ~VmmDisplay() = default;
  virtual bool has_edid() const = 0;     // VHOST_USER_GPU_PROTOCOL_F_EDID agreed
  virtual bool has_dmabuf2() const = 0;  // VHOST_USER_GPU_PROTOCOL_F_DMABUF2 agreed

  // The VMM's answers to the guest's display questions, asynchronous (see
  // Presenter::display_info_async): `done` runs later on the device loop thread, never inside
  // the call, exactly once: with the VMM's reply, or an error when it did not answer within its
  // time-out, the channel closed or the VMM went away. False: not asked (channel closed).
  virtual bool display_info_async(DisplayInfoDone done) = 0;
  virtual bool edid_async(uint32_t scanout_id, EdidDone done) = 0;

  // Scanout size; 0x0 disables it.
  virtual Status scanout(uint32_t scanout_id, uint32_t width, uint32_t height) = 0;
  // Send `r` (scanout coordinates) as x8r8g8b8 rows. `first_row` points at pixel (r.x, r.y);
  // rows follow every `stride` bytes. Rows go to the socket straight from this memory (no
  // staging copy; large ones by reference), and the call never waits for the VMM: when it
  // returns Ok, `done` runs later on the device loop thread, exactly once, with Ok once the
  // VMM no longer needs the rows (they are in the socket, or, sent by reference, the VMM has
  // read every byte), or an error when the channel closed first (the VMM stopped reading for
  // its time-out, or went away). Until then the rows must stay valid and unchanged: keep the
  // frame (its FrameRelease) and release it in `done`. Any other return: nothing was sent and
  // `done` is never called.
  virtual Status update(uint32_t scanout_id, const Rect& r, const uint8_t* first_row, uint32_t stride,
                        std::function<void(Status)> done) = 0;
  // Cursor messages queue behind what is not sent yet (the image is copied); a newer one for a
  // scanout replaces that scanout's queued ones it makes pointless.
  virtual Status cursor_pos(uint32_t scanout_id, uint32_t x, uint32_t y, bool visible) = 0;
  virtual Status cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage& image) = 0;
  // dmabuf path: frame.dmabuf_fd must be valid. The VMM answers DMABUF_UPDATE once its display
  // has drawn the buffer (it may read the buffer until then), and dmabuf_update does not wait
  // for that: when it returns Ok, `done` runs later on the device loop thread, exactly once,
  // with Ok on the VMM's answer, or an error after the channel's time-out or when it closed.
  // Any other return: nothing was sent and `done` is never called.
  virtual Status dmabuf_scanout(uint32_t scanout_id, const Frame& frame) = 0;
  virtual Status dmabuf_update(uint32_t scanout_id, const Rect& r, std::function<void(Status)> done) = 0;
};

class HostServices {
 public:
  virtual ~HostServices() = default;

  virtual Log& log() = 0;  // any thread

  // Run fn on the device loop thread soon. Any thread; never runs fn inline.
  virtual void post(std::function<void()> fn) = 0;

  // Call on_readable on the device loop whenever fd is readable. Device loop thread only.
  using WatchId = uint64_t;
  virtual WatchId watch_fd(int fd, std::function<void()> on_readable) = 0;
  virtual void unwatch_fd(WatchId id) = 0;

  // Current VMM display channel, or null. Device loop thread only; do not keep the pointer
  // across calls (it changes when a VMM reconnects).
  virtual VmmDisplay* vmm_display() = 0;

  // A renderer's fence completed (see Renderer::create_fence). Device loop thread only.
  virtual void fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id) = 0;

  // Account pixel bytes copied on the host (for the benchmarks' "bytes copied per frame").
  // Any thread.
  virtual void count_copy(uint64_t bytes) = 0;

  // The display showing `scanout_id` would like `mode` (a window its user resized): the core
  // makes it that scanout's preferred mode (GET_DISPLAY_INFO / GET_EDID answered from the
  // configuration report it) and raises VIRTIO_GPU_EVENT_DISPLAY, which reaches the guest where
  // the VMM passes a backend's config change on (QEMU 10 does not). Any thread. A presenter
  // must not call it for a size it took because the guest set the scanout (no resize loop).
  virtual void display_mode_wanted(uint32_t /*scanout_id*/, const DisplayMode& /*mode*/) {}

  // Stop vugpu as SIGTERM does (the device loop ends, every plugin is shut down), then exit
  // with `exit_status`: 0 for a user's wish (a window closed with close = "exit"), non-zero for
  // a failure the plugin already logged in one line (its display lost for good). Of several
  // requests the highest status wins. Any thread; returns at once.
  virtual void request_stop(int /*exit_status*/) {}
};

}  // namespace vugpu
