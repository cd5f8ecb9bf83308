#include "snapshot_writer.hpp"

#include "png_file.hpp"

namespace vugpu::snapshots {

SnapshotWriter::SnapshotWriter(Log& log, size_t max_pending)
    : log_(log), max_pending_(max_pending), thread_([this] { run(); }) {}

SnapshotWriter::~SnapshotWriter() { finish(); }

bool SnapshotWriter::enqueue(SnapshotJob job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_pending_) {
      ++skipped_;
      return false;
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

std::vector<uint8_t> SnapshotWriter::take_buffer(size_t bytes) {
  std::vector<uint8_t> buffer;
  {
    std::lock_guard lock(mutex_);
    if (!spare_buffers_.empty()) {
      buffer = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
  }
  buffer.resize(bytes);
  return buffer;
}

void SnapshotWriter::enqueue_even_if_busy(SnapshotJob job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void SnapshotWriter::finish() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void SnapshotWriter::run() {
  for (;;) {
    SnapshotJob job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      write_png(job.file, ImageView{job.pixels.data(), job.width, job.height, job.width * 4, job.fourcc});
      ++written_;
      log_.debug("snapshot {} ({}x{})", job.file.string(), job.width, job.height);
    } catch (const std::exception& e) {
      ++failed_;
      log_.error("{}", e.what());
    }
    std::lock_guard lock(mutex_);
    if (spare_buffers_.size() < 2) spare_buffers_.push_back(std::move(job.pixels));
  }
}

}  // namespace vugpu::snapshots
