// The GL thread of present.egl-headless: owns the EGL context and every GL object, takes jobs
// from the device loop through a queue, and never makes the device loop wait.
//
// Per batch of queued jobs it uploads frames (damaged rectangles only, or imports dmabufs),
// puts an EGL fence after each upload, composes every changed scanout with its cursor, waits on
// the fences (here, off the device loop) and only then releases the frames; then it reads back
// and queues the snapshots asked for.
//
// Threading: push_frame(), push() and stop() on the device loop thread; stats() from any thread.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include "egl_headless_options.hpp"
#include "gl_jobs.hpp"
#include "snapshot_writer.hpp"
#include "vugpu/host.hpp"

namespace vugpu::egl_headless {

class EglSetup;
class QuadProgram;
struct ScanoutGl;

struct GlStats {
  std::atomic<uint64_t> composed{0};        // scanout pictures composed (content + cursor)
  std::atomic<uint64_t> uploads{0};         // frames uploaded from CPU memory
  std::atomic<uint64_t> bytes_uploaded{0};  // of those, only the damaged rectangles
  std::atomic<uint64_t> imported{0};        // frames imported as dmabufs (no byte copied)
  std::atomic<uint64_t> unreadable{0};      // frames neither importable nor mappable
  std::atomic<uint64_t> released{0};        // frames released after their fence signalled
  std::atomic<uint64_t> fence_timeouts{0};  // fences that did not signal in time (released anyway)
  std::atomic<uint64_t> read_backs{0};      // snapshots read back from the GPU
};

class GlThread {
 public:
  // Starts the thread and waits until it has a context. Throws EglError (one line with a hint)
  // when there is no usable EGL display or GLES 3 context. `writer` may be null (no snapshots).
  GlThread(HostServices& host, const EglHeadlessOptions& options, snapshots::SnapshotWriter* writer);
  ~GlThread();  // stop()
  GlThread(const GlThread&) = delete;
  GlThread& operator=(const GlThread&) = delete;

  // Queues a frame. When an older frame of the same scanout is still waiting in the queue, the
  // older one is not uploaded: it is released at once and its damage joins this one's.
  // Returns true in that case (a dropped frame).
  bool push_frame(FrameJob job);
  void push(GlJob job);
  // The VMM went away and guest memory is about to be unmapped: releases the queued frames
  // unread (counted as dropped; returns how many), queues a ResetJob, and waits until the GL
  // thread is done with the batch it is working on, so that no frame is read after this
  // returns. The one wait on the device loop: at a disconnect, at most one batch long.
  uint64_t forget_frames();
  // Finishes every queued job, releases every frame, destroys the context, joins. Idempotent.
  void stop();

  const GlStats& stats() const { return stats_; }

 private:
  void run(const std::string& render_node, std::promise<void>& ready);
  void process(std::deque<GlJob>& batch);
  ScanoutGl& scanout(uint32_t id);
  void snapshot(uint32_t id, ScanoutGl& s, bool at_exit);

  HostServices& host_;
  const EglHeadlessOptions options_;
  snapshots::SnapshotWriter* writer_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<GlJob> queue_;
  bool stopping_ = false;
  bool busy_ = false;  // the GL thread is working on a batch taken from queue_
  std::condition_variable idle_;

  // GL thread only.
  std::unique_ptr<EglSetup> egl_;
  std::unique_ptr<QuadProgram> quad_;
  std::map<uint32_t, std::unique_ptr<ScanoutGl>> scanouts_;
  bool warned_mapping_ = false;

  GlStats stats_;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace vugpu::egl_headless
