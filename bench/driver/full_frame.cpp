// B1: full-frame updates. Every frame is TRANSFER_TO_HOST_2D + fenced RESOURCE_FLUSH of the
// whole scanout, until the fence is back and the VMM holds the UPDATE. What a guest console or
// a software-rendered desktop does at every repaint.
#include "present_loop.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

void full_frame(Options& o, JsonWriter& w) {
  const auto backends = o.list("backends", "vugpu,qemu-10.0,qemu-7.2");
  const auto [width, height] = o.sizes("size", "1920x1080").front();
  PresentPlan plan;
  plan.width = width;
  plan.height = height;
  plan.rounds = o.count("rounds", 5);
  plan.per_round = o.count("frames", 20);
  plan.warmup = o.count("warmup", 2);
  // Diagnosis only (bench/run never sets it): another virtio-gpu format, e.g. 2
  // (X8R8G8B8_UNORM), which vugpu's vhost-user presenter converts in bands.
  plan.format = o.count("format", VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM);
  o.reject_unused();
  plan.rect = [=](uint64_t) { return frontend::GpuRect{0, 0, width, height}; };

  w.begin_object().field("workload", "full-frame");
  w.key("params").begin_object().field("width", uint64_t(width)).field("height", uint64_t(height));
  w.field("rounds", uint64_t(plan.rounds)).field("frames_per_round", uint64_t(plan.per_round)).end_object();
  run_present_loop(plan, backends, w);
  w.end_object();
}

}  // namespace vugpu::bench
