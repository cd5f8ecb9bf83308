#include "gl_thread.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include "egl_setup.hpp"
#include "gpu_fence.hpp"
#include "mapped_dmabuf.hpp"
#include "quad_program.hpp"
#include "scanout_target.hpp"
#include "snapshot_path.hpp"
#include "vugpu/format.hpp"

namespace vugpu::egl_headless {

// One scanout as the GL thread keeps it.
struct ScanoutGl {
  ScanoutTarget target;
  CursorState cursor;
  uint32_t hot_x = 0, hot_y = 0;
  uint64_t frame_number = 0;  // of the last frame shown (%n of its snapshot)
  bool changed = false;       // since the last snapshot
};

namespace {

void hide_cursor(ScanoutGl& s) {
  s.target.add_damage(s.target.cursor_rect(s.cursor));
  s.cursor.visible = false;
}

constexpr uint64_t kFenceTimeoutNs = 5'000'000'000;  // a GPU that takes longer is hung

template <class... F> struct Overloaded : F... { using F::operator()...; };
template <class... F> Overloaded(F...) -> Overloaded<F...>;

// A frame whose upload was issued, waiting for the GPU to finish reading it.
struct InFlight {
  uint32_t scanout_id;
  uint64_t number;
  GpuFence fence;
  FrameRelease release;
};

}  // namespace

GlThread::GlThread(HostServices& host, const EglHeadlessOptions& options, snapshots::SnapshotWriter* writer)
    : host_(host), options_(options), writer_(writer) {
  std::promise<void> ready;
  auto started = ready.get_future();
  // The thread owns the promise: it may still be inside set_value() when we return.
  thread_ = std::thread([this, node = options_.render_node, ready = std::move(ready)]() mutable { run(node, ready); });
  try {
    started.get();  // start-up: the device loop is not serving yet
  } catch (...) {
    thread_.join();
    throw;
  }
}

GlThread::~GlThread() { stop(); }

bool GlThread::push_frame(FrameJob job) {
  FrameRelease dropped;
  bool was_dropped = false;
  {
    std::lock_guard lock(mutex_);
    for (auto& queued : queue_) {
      auto* older = std::get_if<FrameJob>(&queued);
      if (!older || older->scanout_id != job.scanout_id) continue;
      const Frame& a = older->frame;
      const Frame& b = job.frame;
      // Another resource, view or format replaces the whole picture; otherwise the texture
      // still lacks what the older frame changed, and the newer frame has it.
      if (a.resource_id != b.resource_id || a.view != b.view || a.fourcc != b.fourcc || a.y0_top != b.y0_top)
        job.damage = {0, 0, b.view.width, b.view.height};
      else
        job.damage = job.damage.united(older->damage);
      dropped = std::move(older->release);
      *older = std::move(job);
      was_dropped = true;
      break;
    }
    if (!was_dropped) queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  dropped.release();  // never read: the guest may have it back
  return was_dropped;
}

void GlThread::push(GlJob job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

uint64_t GlThread::forget_frames() {
  std::vector<FrameRelease> unread;
  {
    std::unique_lock lock(mutex_);
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (auto* f = std::get_if<FrameJob>(&*it)) {
        unread.push_back(std::move(f->release));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    queue_.push_back(ResetJob{});
    idle_.wait(lock, [&] { return !busy_; });
  }
  wake_.notify_one();
  return unread.size();  // released here, as `unread` goes
}

void GlThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

ScanoutGl& GlThread::scanout(uint32_t id) {
  auto& s = scanouts_[id];
  if (!s) s = std::make_unique<ScanoutGl>();
  return *s;
}

void GlThread::run(const std::string& render_node, std::promise<void>& ready) {
  try {
    egl_ = std::make_unique<EglSetup>(render_node);
    quad_ = std::make_unique<QuadProgram>();
  } catch (...) {
    quad_.reset();
    egl_.reset();
    ready.set_exception(std::current_exception());
    return;
  }
  ready.set_value();
  if (egl_->can_import_dmabuf())
    host_.log().info("{} on the {} EGL display; dma-buf frames are imported without a copy", egl_->renderer_name(),
                     egl_->platform_name());
  else
    host_.log().info("{} on the {} EGL display; no EGL dma-buf import ({}): dma-buf frames are read through a CPU "
                     "mapping when linear",
                     egl_->renderer_name(), egl_->platform_name(), egl_->import_problem());

  for (;;) {
    std::deque<GlJob> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping, and every job is done
      batch.swap(queue_);
      busy_ = true;
    }
    process(batch);
    batch.clear();  // releases of frames that could not be read, before saying "idle"
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
    }
    idle_.notify_all();
  }
  scanouts_.clear();  // GL objects first, while the context is current
  quad_.reset();
  egl_.reset();
}

void GlThread::process(std::deque<GlJob>& batch) {
  std::vector<InFlight> in_flight;
  std::set<uint32_t> new_frames;
  std::vector<SnapshotRequest> requests;

  for (auto& job : batch) {
    std::visit(
        Overloaded{
            [&](FrameJob& f) {
              ScanoutGl& s = scanout(f.scanout_id);
              const Frame& frame = f.frame;
              std::optional<DmabufImage> image =
                  frame.pixels ? std::nullopt : DmabufImage::import(*egl_, frame);
              if (image) {
                const Rect rect = s.target.prepare(frame, f.damage, SourceKind::Dmabuf);
                s.target.draw_import(frame, *image, rect, *quad_);
                ++stats_.imported;
              } else {
                const uint8_t* base = frame.pixels;
                std::optional<snapshots::MappedDmabuf> mapped;
                if (!base) {
                  mapped.emplace(frame);
                  base = mapped->data();
                  if (base && !warned_mapping_) {
                    warned_mapping_ = true;
                    host_.log().info("scanout {}: dma-buf frames are read through a CPU mapping (no EGL dma-buf import)",
                                     f.scanout_id);
                  }
                }
                if (!base) {
                  if (stats_.unreadable++ == 0)
                    host_.log().warn("scanout {}: frame of resource {} has no readable pixels (no CPU view, no "
                                     "importable or linear dmabuf)",
                                     f.scanout_id, frame.resource_id);
                  return;  // f.release goes with the job
                }
                const Rect rect = s.target.prepare(frame, f.damage, SourceKind::Cpu);
                const uint64_t bytes = s.target.upload(frame, base, rect);
                stats_.bytes_uploaded += bytes;
                ++stats_.uploads;
                host_.count_copy(bytes);
              }
              in_flight.push_back({f.scanout_id, f.number, GpuFence(*egl_), std::move(f.release)});
              s.frame_number = f.number;
              s.changed = true;
              new_frames.insert(f.scanout_id);
            },
            [&](ScanoutJob& j) {
              ScanoutGl& s = scanout(j.scanout_id);
              if (!j.enabled) hide_cursor(s);
            },
            [&](CursorJob& c) {
              ScanoutGl& s = scanout(c.scanout_id);
              s.target.add_damage(s.target.cursor_rect(s.cursor));  // where it was
              if (!c.move_only) {
                s.cursor.visible = c.visible;
                if (c.visible) {
                  s.hot_x = c.hot_x;
                  s.hot_y = c.hot_y;
                  if (!s.cursor.texture) {
                    s.cursor.texture = make_texture(CursorImage::kSize, CursorImage::kSize);
                    // ARGB8888 words are bytes B, G, R, A in memory.
                    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_R, GL_BLUE);
                    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_B, GL_RED);
                  }
                  glBindTexture(GL_TEXTURE_2D, s.cursor.texture.get());
                  glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
                  glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, CursorImage::kSize, CursorImage::kSize, GL_RGBA,
                                  GL_UNSIGNED_BYTE, c.argb.data());
                }
              }
              s.cursor.x = int64_t{c.x} - s.hot_x;
              s.cursor.y = int64_t{c.y} - s.hot_y;
              s.target.add_damage(s.target.cursor_rect(s.cursor));  // where it is
              s.changed = true;
            },
            [&](SnapshotRequest& r) { requests.push_back(r); },
            [&](ResetJob&) {
              for (auto& [id, s] : scanouts_) hide_cursor(*s);
            },
        },
        job);
  }

  for (auto& [id, s] : scanouts_) {
    if (!s->target.needs_compose()) continue;
    s->target.compose(*quad_, s->cursor, options_.output_width, options_.output_height);
    ++stats_.composed;
  }

  // Off the device loop: the GPU has read each frame before the guest gets it back.
  for (auto& f : in_flight) {
    if (!f.fence.wait(kFenceTimeoutNs)) {
      ++stats_.fence_timeouts;
      host_.log().error("scanout {}: frame {} not read by the GPU after {} s; released anyway", f.scanout_id, f.number,
                        kFenceTimeoutNs / 1'000'000'000);
    } else {
      host_.log().debug("scanout {}: frame {} upload fence signalled", f.scanout_id, f.number);
    }
    f.release.release();
    ++stats_.released;
  }
  in_flight.clear();  // fences destroyed

  if (!writer_) return;
  if (options_.snapshots.interval_ms == 0)
    for (uint32_t id : new_frames) snapshot(id, *scanouts_.at(id), false);
  for (const auto& r : requests)
    for (auto& [id, s] : scanouts_)
      if (!r.only_changed || s->changed) snapshot(id, *s, r.at_exit);
}

void GlThread::snapshot(uint32_t id, ScanoutGl& s, bool at_exit) {
  if (!s.target.has_content()) return;
  if (s.target.needs_compose()) {
    s.target.compose(*quad_, s.cursor, options_.output_width, options_.output_height);
    ++stats_.composed;
  }
  snapshots::SnapshotJob job;
  job.file = snapshots::expand_snapshot_pattern(options_.snapshots.snapshot_path, id, s.frame_number);
  job.width = s.target.out_width();
  job.height = s.target.out_height();
  // The read-back is R, G, B, A bytes: ABGR8888 in DRM's words. Without alpha the PNG is RGB,
  // exactly as present.headless writes it.
  job.fourcc = s.target.has_alpha() ? DRM_FORMAT_ABGR8888 : DRM_FORMAT_XBGR8888;
  job.pixels = writer_->take_buffer(uint64_t{job.width} * job.height * kBytesPerPixel);
  s.target.read_back(job.pixels.data());
  ++stats_.read_backs;
  host_.count_copy(job.pixels.size());
  s.changed = false;
  if (at_exit) writer_->enqueue_even_if_busy(std::move(job));
  else if (!writer_->enqueue(std::move(job)))
    host_.log().warn("scanout {}: snapshot skipped, the PNG writer is still busy with earlier ones", id);
}

}  // namespace vugpu::egl_headless
