// Encodes and writes PNG snapshots on a thread of its own, so the device loop never waits for
// zlib or the disk. The loop thread hands over a copy of the pixels (enqueue); the writer
// thread owns it from then on.
//
// Threading: enqueue(), take_buffer() and finish() from one producer thread at a time (the device
// loop in present.headless, the GL thread in present.egl-headless); the counters from any thread.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>
#include "vugpu/log.hpp"

namespace vugpu::snapshots {

struct SnapshotJob {
  std::filesystem::path file;
  std::vector<uint8_t> pixels;  // rows of width * 4 bytes
  uint32_t width = 0, height = 0, fourcc = 0;
};

class SnapshotWriter {
 public:
  SnapshotWriter(Log& log, size_t max_pending);
  ~SnapshotWriter();  // finish()
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // False (job dropped, counted as skipped) when max_pending jobs are already waiting.
  bool enqueue(SnapshotJob job);
  // Queues whatever the backlog (the last snapshots at shutdown must not be lost).
  void enqueue_even_if_busy(SnapshotJob job);
  // A pixel buffer of `bytes` for the next job: one the writer is done with when there is one
  // (a fresh 4 MiB allocation costs a page fault per page), else a new one.
  std::vector<uint8_t> take_buffer(size_t bytes);
  // Writes everything queued, then stops the thread. Idempotent.
  void finish();

  uint64_t written() const { return written_.load(); }
  uint64_t failed() const { return failed_.load(); }
  uint64_t skipped() const { return skipped_.load(); }

 private:
  void run();

  Log& log_;
  const size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<SnapshotJob> queue_;
  std::vector<std::vector<uint8_t>> spare_buffers_;  // pixels of written jobs, for reuse
  bool stopping_ = false;
  std::atomic<uint64_t> written_{0}, failed_{0}, skipped_{0};
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace vugpu::snapshots
