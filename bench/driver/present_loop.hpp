// B1 and B2 are the same loop with different rectangles: show a framebuffer, then for every
// present let the guest draw into the rectangle and present it (present.hpp). This runs that
// loop for every backend in turns and writes rate, latency and cost per present.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include "framebuffer.hpp"
#include "json_writer.hpp"

namespace vugpu::bench {

struct PresentPlan {
  uint32_t width = 1920, height = 1080;  // framebuffer = scanout = VMM output
  unsigned rounds = 5, per_round = 20, warmup = 2;
  uint32_t format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;  // what Linux uses for XRGB8888
  // The rectangle of the n-th present; the same sequence for every backend.
  std::function<frontend::GpuRect(uint64_t n)> rect;
};

void run_present_loop(const PresentPlan& plan, const std::vector<std::string>& backends, JsonWriter& w);

}  // namespace vugpu::bench
