// present.vhost-user: shows scanouts on the VMM's own console through the vhost-user-gpu display
// channel (HostServices::vmm_display(), looked up on every call: it changes when the VMM
// restarts the device or reconnects).
//
//  - set_scanout -> SCANOUT with the size (0x0 disables).
//  - present with CPU pixels -> ONE UPDATE of the damaged rectangle. QEMU composes and shows
//    every UPDATE as it arrives (its refresh and screendump run between messages), so a flush
//    split into several UPDATEs is visible torn. XRGB8888 / ARGB8888 rows go to the socket
//    straight from the frame (the kernel's copy into the socket is the only copy, counted with
//    count_copy; large ones by reference, read by the VMM from the frame itself), and the frame
//    is released in the UPDATE's completion: once the VMM no longer needs the rows (in the
//    socket, or read to the last byte when sent by reference). So the flush's fence means "the
//    VMM has the pixels", and a guest never rewrites a buffer the VMM still reads, while the
//    device loop never waits for a VMM that reads slowly or not at all (the display channel
//    closes after its time-out, and the completion then releases the frame). Other formats and
//    bottom-up frames are converted first (counted too) into a buffer the completion holds, and
//    their frame is released in the completion too (back-pressure: no buffers pile up).
//  - present with only a dmabuf -> DMABUF_SCANOUT (when the buffer or size changed) and
//    DMABUF_UPDATE; the frame is released when the VMM answers that it drew it (or after the
//    channel's time-out), without holding the device loop. A frame with both (a udmabuf blob)
//    goes that way when the VMM agreed DMABUF2, else (or once the VMM refused one or left a
//    DMABUF_UPDATE unanswered) as UPDATE straight from its pixels.
//  - cursor -> CURSOR_UPDATE / CURSOR_POS / CURSOR_POS_HIDE.
//  - display_info_async / edid_async -> asked to the VMM without blocking (the display channel
//    answers from its socket watch, or with an error when its time-out passed or it closed);
//    an error becomes NotSupported, so the core answers from its configuration instead of
//    failing the guest's command.
//
// A display channel that never got SCANOUT for a scanout refuses UPDATE (InvalidScanoutId):
// after a reconnect the presenter then sends SCANOUT and the whole frame, not only the damage,
// because QEMU starts the new surface black.
//
// With no VMM display, frames are dropped (released at once) with one debug line per episode.
//
// Threading: device loop thread only (the core's presenter contract), completions included (the
// display channel posts them to the device loop). A frame sent as pixels is released in its
// UPDATE's completion, a dmabuf frame when the VMM answered its
// DMABUF_UPDATE.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <vugpu/host.hpp>
#include <vugpu/presenter.hpp>
#include "rows_buffer.hpp"

namespace vugpu::present_vhost_user {

class VhostUserPresenter final : public Presenter {
 public:
  static constexpr uint32_t kMaxScanouts = 16;

  explicit VhostUserPresenter(HostServices& host) : host_(host) {}

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override;
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) override;
  void cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) override;
  bool display_info_async(DisplayInfoDone done) override;
  bool edid_async(uint32_t scanout_id, EdidDone done) override;
  void reset() override;

 private:
  struct ScanoutState {
    DisplayMode mode;
    // What the VMM was last told about this scanout, and on which channel (a new channel is
    // caught by the UPDATE refusal even if its address happens to be the same).
    const VmmDisplay* told = nullptr;
    uint32_t width = 0, height = 0;
    bool dmabuf = false;
    uint32_t dmabuf_resource = 0;
    bool cursor_visible = false;
    const VmmDisplay* dmabuf_refused_by = nullptr;  // this channel refused a dmabuf: use the pixels
  };

  VmmDisplay* display_or_note_missing();
  bool tell_size(VmmDisplay& d, uint32_t scanout_id, uint32_t width, uint32_t height);
  void present_pixels(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& damage,
                      const std::shared_ptr<FrameRelease>& held);
  Status send_rect(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& r,
                   const std::shared_ptr<FrameRelease>& held);
  Status send_converted(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& r,
                        const std::shared_ptr<FrameRelease>& held);
  // False: not sent (`release` is still the caller's); true: `release` went with the request.
  bool present_dmabuf(VmmDisplay& d, uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease& release);

  HostServices& host_;
  std::array<ScanoutState, kMaxScanouts> scanouts_{};
  // Conversion buffer, reused once no UPDATE's completion holds it any more.
  std::shared_ptr<RowsBuffer> converted_;
  bool missing_noted_ = false;
  // Lets a DMABUF_UPDATE answer that comes after the presenter is gone find out.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace vugpu::present_vhost_user
