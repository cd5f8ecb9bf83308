#include "headless_presenter.hpp"

#include <algorithm>
#include "snapshot_path.hpp"

namespace vugpu::headless {

using snapshots::SnapshotJob;
using snapshots::SnapshotOptions;

namespace {
constexpr size_t kMaxPendingSnapshots = 16;
}  // namespace

namespace {
// False when these options can never write a PNG: no path, or neither a periodic snapshot, one
// at exit nor a trigger FIFO. Then present.headless keeps no picture at all (see present()).
bool can_ever_snapshot(const SnapshotOptions& o) {
  return !o.snapshot_path.empty() && (o.interval_ms >= 0 || o.snapshot_on_exit || !o.trigger_fifo.empty());
}
}  // namespace

HeadlessPresenter::HeadlessPresenter(HostServices& host, SnapshotOptions options)
    : host_(host), options_(std::move(options)) {
  if (!can_ever_snapshot(options_)) return;
  writer_ = std::make_unique<snapshots::SnapshotWriter>(host_.log(), kMaxPendingSnapshots);
  if (options_.interval_ms > 0)
    timer_ = std::make_unique<snapshots::SnapshotTimer>(host_, options_.interval_ms, [this] {
      for (auto& [id, s] : scanouts_)
        if (s.changed) snapshot(id, s);
    });
  if (!options_.trigger_fifo.empty())
    trigger_ = std::make_unique<snapshots::SnapshotTrigger>(host_, options_.trigger_fifo, [this] {
      for (auto& [id, scanout] : scanouts_) snapshot(id, scanout);
    });
}

HeadlessPresenter::~HeadlessPresenter() { shutdown(); }

void HeadlessPresenter::set_scanout(uint32_t scanout_id, const DisplayMode& mode) {
  Scanout& s = scanouts_[scanout_id];
  s.enabled = mode.enabled;
  if (mode.enabled && scanout_id > 0 && writer_ && !snapshots::pattern_names_scanout(options_.snapshot_path))
    host_.log().warn("snapshot_path '{}' has no %s: scanout {} overwrites the snapshots of other scanouts",
                     options_.snapshot_path, scanout_id);
}

void HeadlessPresenter::present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) {
  Scanout& s = scanouts_[scanout_id];
  ++frames_;
  ++s.frames;
  if (!writer_) {
    // No snapshot can ever be written: a copy of the pixels would never be read. Release the
    // frame at once (with blob resources that completes the guest's fence without a frame-sized
    // memcpy) and only say, once, when a frame could not have been read anyway.
    release.release();
    if (!ScanoutImage::readable(frame) && unreadable_frames_++ == 0)
      host_.log().warn("scanout {}: frame of resource {} has no readable pixels (no CPU view, no linear dmabuf)",
                       scanout_id, frame.resource_id);
    return;
  }
  const uint64_t copied = s.image.update(frame, damage);
  release.release();  // the pixels are ours now
  if (copied == 0 && s.image.empty()) {
    if (unreadable_frames_++ == 0)
      host_.log().warn("scanout {}: frame of resource {} has no readable pixels (no CPU view, no linear dmabuf)",
                       scanout_id, frame.resource_id);
    return;
  }
  bytes_copied_ += copied;
  host_.count_copy(copied);
  s.changed = true;
  if (writer_ && options_.interval_ms == 0) snapshot(scanout_id, s);
}

void HeadlessPresenter::reset() {
  // The VMM went away: no scanout is shown any more, but the last pictures stay for
  // snapshot_on_exit.
  for (auto& [id, s] : scanouts_) s.enabled = false;
}

void HeadlessPresenter::snapshot(uint32_t scanout_id, Scanout& s, bool at_exit) {
  if (!writer_ || s.image.empty()) return;
  SnapshotJob job;
  job.file = snapshots::expand_snapshot_pattern(options_.snapshot_path, scanout_id, s.frames);
  job.pixels = writer_->take_buffer(s.image.pixels().size());
  std::copy(s.image.pixels().begin(), s.image.pixels().end(), job.pixels.begin());
  job.width = s.image.width();
  job.height = s.image.height();
  job.fourcc = s.image.fourcc();
  host_.count_copy(job.pixels.size());
  s.changed = false;
  ++s.snapshots;
  if (at_exit) writer_->enqueue_even_if_busy(std::move(job));
  else if (!writer_->enqueue(std::move(job)))
    host_.log().warn("scanout {}: snapshot skipped, {} are still being written", scanout_id, kMaxPendingSnapshots);
}

StatCounters HeadlessPresenter::stats() const {
  return {{"frames", frames_},
          {"snapshots_written", writer_ ? writer_->written() : 0},
          {"snapshots_failed", writer_ ? writer_->failed() : 0},
          {"snapshots_skipped", writer_ ? writer_->skipped() : 0}};
}

void HeadlessPresenter::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  timer_.reset();
  trigger_.reset();
  if (writer_ && options_.snapshot_on_exit)
    for (auto& [id, s] : scanouts_) snapshot(id, s, true);
  if (writer_) writer_->finish();
  host_.log().info("{} frames presented on {} scanout(s), {} bytes copied; snapshots: {} written, {} failed, {} skipped",
                   frames_, scanouts_.size(), bytes_copied_, writer_ ? writer_->written() : 0,
                   writer_ ? writer_->failed() : 0, writer_ ? writer_->skipped() : 0);
}

}  // namespace vugpu::headless
