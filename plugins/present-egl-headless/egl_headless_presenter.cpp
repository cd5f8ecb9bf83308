#include "egl_headless_presenter.hpp"

#include "gpu_fence.hpp"
#include "snapshot_path.hpp"
#include "vugpu/format.hpp"

namespace vugpu::egl_headless {

namespace {

constexpr size_t kMaxPendingSnapshots = 16;

// What the GL thread can show: a known format, a view inside the resource, rows long enough,
// and pixels or a dmabuf to read them from.
bool usable(const Frame& f) {
  return !f.view.empty() && f.view.inside(f.width, f.height) && f.stride >= uint64_t{f.width} * kBytesPerPixel &&
         channel_offsets(f.fourcc).has_value() && (f.pixels || f.dmabuf_fd >= 0);
}

}  // namespace

EglHeadlessPresenter::EglHeadlessPresenter(HostServices& host, EglHeadlessOptions options)
    : host_(host), options_(std::move(options)) {
  if (!options_.snapshots.snapshot_path.empty())
    writer_ = std::make_unique<snapshots::SnapshotWriter>(host_.log(), kMaxPendingSnapshots);
  gl_ = std::make_unique<GlThread>(host_, options_, writer_.get());
  if (!writer_) return;
  if (options_.snapshots.interval_ms > 0)
    timer_ = std::make_unique<snapshots::SnapshotTimer>(host_, options_.snapshots.interval_ms,
                                                        [this] { gl_->push(SnapshotRequest{true, false}); });
  if (!options_.snapshots.trigger_fifo.empty())
    trigger_ = std::make_unique<snapshots::SnapshotTrigger>(host_, options_.snapshots.trigger_fifo,
                                                            [this] { gl_->push(SnapshotRequest{false, false}); });
}

EglHeadlessPresenter::~EglHeadlessPresenter() { shutdown(); }

void EglHeadlessPresenter::set_scanout(uint32_t scanout_id, const DisplayMode& mode) {
  if (shut_down_) return;
  gl_->push(ScanoutJob{scanout_id, mode.enabled});
  if (mode.enabled && scanout_id > 0 && writer_ && !snapshots::pattern_names_scanout(options_.snapshots.snapshot_path))
    host_.log().warn("snapshot_path '{}' has no %s: scanout {} overwrites the snapshots of other scanouts",
                     options_.snapshots.snapshot_path, scanout_id);
}

void EglHeadlessPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  if (shut_down_) return;  // `release` goes now
  ++frames_;
  const uint64_t number = ++frames_per_scanout_[scanout_id];
  if (!usable(frame)) {
    if (refused_++ == 0)
      host_.log().warn("scanout {}: frame of resource {} cannot be shown (format {:#x}, {}x{} view in {}x{})",
                       scanout_id, frame.resource_id, frame.fourcc, frame.view.width, frame.view.height, frame.width,
                       frame.height);
    return;
  }
  const Rect clipped = damage.intersected({0, 0, frame.view.width, frame.view.height});
  if (gl_->push_frame(FrameJob{scanout_id, frame, clipped, std::move(release), number})) ++dropped_;
}

void EglHeadlessPresenter::cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage* image) {
  if (shut_down_) return;
  CursorJob job{scanout_id, x, y, false, image != nullptr, 0, 0, {}};
  if (image && image->argb) {
    job.hot_x = image->hot_x;
    job.hot_y = image->hot_y;
    job.argb.assign(image->argb, image->argb + CursorImage::kSize * CursorImage::kSize);  // valid only now
  } else {
    job.visible = false;
  }
  gl_->push(std::move(job));
}

void EglHeadlessPresenter::cursor_move(uint32_t scanout_id, uint32_t x, uint32_t y) {
  if (shut_down_) return;
  gl_->push(CursorJob{scanout_id, x, y, true, false, 0, 0, {}});
}

void EglHeadlessPresenter::reset() {
  // The VMM went away: nothing is shown any more, the last pictures stay for snapshot_on_exit.
  // Guest memory is unmapped after this returns: no queued frame may be read later.
  if (!shut_down_) dropped_ += gl_->forget_frames();
}

StatCounters EglHeadlessPresenter::stats() const {
  const GlStats& s = gl_->stats();
  return {{"frames", frames_},
          {"composed", s.composed.load()},
          {"dropped", dropped_},
          {"refused", refused_},
          {"uploads", s.uploads.load()},
          {"bytes_uploaded", s.bytes_uploaded.load()},
          {"imported", s.imported.load()},
          {"snapshots_written", writer_ ? writer_->written() : 0}};
}

void EglHeadlessPresenter::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  timer_.reset();
  trigger_.reset();
  if (writer_ && options_.snapshots.snapshot_on_exit) gl_->push(SnapshotRequest{false, true});
  gl_->stop();  // every frame released, every snapshot queued
  if (writer_) writer_->finish();
  const GlStats& s = gl_->stats();
  host_.log().info(
      "statistics: {} frames, {} composed, {} dropped, {} refused, {} unreadable; {} uploads ({} bytes), {} imported; "
      "{} released, {} fence timeouts, fences {} created / {} destroyed; snapshots: {} read back, {} written, "
      "{} failed, {} skipped",
      frames_, s.composed.load(), dropped_, refused_, s.unreadable.load(), s.uploads.load(), s.bytes_uploaded.load(),
      s.imported.load(), s.released.load(), s.fence_timeouts.load(), GpuFence::created(), GpuFence::destroyed(),
      s.read_backs.load(), writer_ ? writer_->written() : 0, writer_ ? writer_->failed() : 0,
      writer_ ? writer_->skipped() : 0);
}

}  // namespace vugpu::egl_headless
