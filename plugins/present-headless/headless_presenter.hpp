// present.headless: shows nothing, keeps the latest picture of every scanout and writes PNG
// snapshots of it (periodically, on every frame, on demand through a FIFO, at exit). The
// reference presenter without GL: what tests and benchmarks run against.
//
// Threading: every method on the device loop thread (Presenter's rule). PNG encoding runs on
// a writer thread (SnapshotWriter); present() only copies the damaged pixels.
#pragma once
#include <map>
#include <memory>
#include "headless_options.hpp"
#include "vugpu/unique_fd.hpp"
#include "scanout_image.hpp"
#include "snapshot_trigger.hpp"
#include "snapshot_writer.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::headless {

class HeadlessPresenter final : public Presenter {
 public:
  // Throws std::runtime_error when the timer or trigger FIFO cannot be set up.
  HeadlessPresenter(HostServices& host, HeadlessOptions options);
  ~HeadlessPresenter() override;

  void set_scanout(uint32_t scanout_id, const DisplayMode& mode) override;
  void present(uint32_t scanout_id, const Frame& frame, const Rect& damage, FrameRelease release) override;
  void reset() override;
  void shutdown() override;

 private:
  struct Scanout {
    ScanoutImage image;
    bool enabled = false;
    uint64_t frames = 0;       // presented on this scanout
    uint64_t snapshots = 0;    // queued for writing
    bool changed = false;      // since the last snapshot
  };

  void snapshot(uint32_t scanout_id, Scanout& scanout, bool at_exit = false);
  void on_timer();

  HostServices& host_;
  const HeadlessOptions options_;
  std::map<uint32_t, Scanout> scanouts_;
  std::unique_ptr<SnapshotWriter> writer_;  // only when snapshot_path is set
  UniqueFd timer_;
  HostServices::WatchId timer_watch_ = 0;
  std::unique_ptr<SnapshotTrigger> trigger_;
  uint64_t frames_ = 0, bytes_copied_ = 0, unreadable_frames_ = 0;
  bool shut_down_ = false;
};

}  // namespace vugpu::headless
