// present.egl-headless: composes every scanout and its cursor with EGL + GLES 3 on a host with
// no window system (QEMU's -display egl-headless for vugpu) and writes PNG snapshots with the
// same options, file names and encoding as present.headless.
//
// Threading: every method on the device loop thread (Presenter's rule). They only queue work
// for the GL thread (GlThread) and never wait for it; frames are released from the GL thread
// once the GPU has read them. PNG encoding runs on the snapshot writer's thread.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include "egl_headless_options.hpp"
#include "gl_thread.hpp"
#include "snapshot_timer.hpp"
#include "snapshot_trigger.hpp"
#include "snapshot_writer.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::egl_headless {

class EglHeadlessPresenter final : public Presenter {
 public:
  // Throws EglError (no EGL display, no GLES 3 context, a bad render node) or
  // std::runtime_error (timer, trigger FIFO): one line with a hint.
  EglHeadlessPresenter(HostServices& host, EglHeadlessOptions options);
  ~EglHeadlessPresenter() override;

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override;
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) override;
  void cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) override;
  void reset() override;
  void shutdown() override;
  // frames (presented to it), composed (pictures the GL thread composed), dropped (replaced in
  // the queue by a newer frame, or forgotten at a disconnect), refused, uploads, bytes_uploaded,
  // imported (dmabufs, no byte copied), snapshots_written. Device loop; the GL thread's and the
  // writer's counters are atomics.
  StatCounters stats() const override;

 private:
  HostServices& host_;
  const EglHeadlessOptions options_;
  std::unique_ptr<snapshots::SnapshotWriter> writer_;  // only when snapshot_path is set
  std::unique_ptr<GlThread> gl_;                       // after the writer: it queues snapshots there
  std::unique_ptr<snapshots::SnapshotTimer> timer_;
  std::unique_ptr<snapshots::SnapshotTrigger> trigger_;
  std::map<uint32_t, uint64_t> frames_per_scanout_;
  uint64_t frames_ = 0, dropped_ = 0, refused_ = 0;
  bool shut_down_ = false;
};

}  // namespace vugpu::egl_headless
