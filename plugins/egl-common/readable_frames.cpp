#include "readable_frames.hpp"

#include <exception>
#include <utility>

namespace vugpu::egl {

ReadableFrames::ReadableFrames(Log& log, const char* plugin, std::function<void(uint64_t)> count_read_back)
    : log_(log), plugin_(plugin), count_read_back_(std::move(count_read_back)) {
  try {
    reader_ = std::make_unique<DmabufReader>();
    log_.info("dma-buf frames: imported through EGL ({}) and read back", reader_->renderer());
  } catch (const std::exception& e) {
    problem_ = e.what();
    log_.info("dma-buf frames will not be shown, CPU frames only: {}", problem_);
  }
}

const Frame* ReadableFrames::readable(uint32_t scanout_id, const Frame& frame) {
  if (frame.pixels) return &frame;
  if (frame.dmabuf_fd < 0) return nullptr;
  if (reader_) {
    std::string why;
    last_ = reader_->read(frame, why);
    if (last_) {
      count_read_back_(uint64_t{last_->width} * last_->height * 4);
      return &*last_;
    }
    if (!warned_) log_.warn("scanout {}: dma-buf of resource {} not shown: {}", scanout_id, frame.resource_id, why);
  } else if (!warned_) {
    log_.warn("scanout {}: frame of resource {} exists only as a dma-buf; {} shows CPU frames only here (no EGL "
              "dma-buf import: {}): not shown",
              scanout_id, frame.resource_id, plugin_, problem_);
  }
  warned_ = true;
  return nullptr;
}

}  // namespace vugpu::egl
