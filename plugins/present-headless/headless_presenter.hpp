// present.headless: shows nothing, keeps the latest picture of every scanout and writes PNG
// snapshots of it (periodically, on every frame, on demand through a FIFO, at exit). The
// reference presenter without GL: what tests and benchmarks run against.
//
// Threading: every method on the device loop thread (Presenter's rule). PNG encoding runs on
// a writer thread (snapshots::SnapshotWriter); present() only copies the damaged pixels, and
// copies nothing when the options can never write a snapshot (no snapshot_path, or no periodic,
// exit or FIFO snapshot): then it counts the frame and releases it at once.
#pragma once
#include <map>
#include <memory>
#include "scanout_image.hpp"
#include "snapshot_options.hpp"
#include "snapshot_timer.hpp"
#include "snapshot_trigger.hpp"
#include "snapshot_writer.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::headless {

class HeadlessPresenter final : public Presenter {
 public:
  // Throws std::runtime_error when the timer or trigger FIFO cannot be set up.
  HeadlessPresenter(HostServices& host, snapshots::SnapshotOptions options);
  ~HeadlessPresenter() override;

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override;
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void reset() override;
  void shutdown() override;
  // frames (presented to it), snapshots_written, snapshots_failed, snapshots_skipped (the
  // writer was busy). Device loop; the writer's counters are atomics.
  StatCounters stats() const override;

 private:
  struct Scanout {
    ScanoutImage image;
    bool enabled = false;
    uint64_t frames = 0;       // presented on this scanout
    uint64_t snapshots = 0;    // queued for writing
    bool changed = false;      // since the last snapshot
  };

  void snapshot(uint32_t scanout_id, Scanout& scanout, bool at_exit = false);

  HostServices& host_;
  const snapshots::SnapshotOptions options_;
  std::map<uint32_t, Scanout> scanouts_;
  std::unique_ptr<snapshots::SnapshotWriter> writer_;  // only when a snapshot can ever be written
  std::unique_ptr<snapshots::SnapshotTimer> timer_;
  std::unique_ptr<snapshots::SnapshotTrigger> trigger_;
  uint64_t frames_ = 0, bytes_copied_ = 0, unreadable_frames_ = 0;
  bool shut_down_ = false;
};

}  // namespace vugpu::headless
