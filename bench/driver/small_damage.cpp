// B2: small damage. 64x64 rectangles at random places on a 1080p scanout, each transferred and
// flushed (fenced) on its own: a blinking cursor in a terminal, a clock, a spinner. What it
// measures is per-command overhead, not bandwidth.
#include <random>
#include <vector>
#include "present_loop.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

void small_damage(Options& o, JsonWriter& w) {
  const auto backends = o.list("backends", "vugpu,qemu-10.0,qemu-7.2");
  const auto [width, height] = o.sizes("size", "1920x1080").front();
  const uint32_t side = o.count("rect", 64);
  PresentPlan plan;
  plan.width = width;
  plan.height = height;
  plan.rounds = o.count("rounds", 5);
  plan.per_round = o.count("updates", 500);
  plan.warmup = o.count("warmup", 10);
  o.reject_unused();

  // The rectangles are drawn up front from a fixed seed: every backend gets the same list.
  const uint64_t total = uint64_t(plan.rounds) * plan.per_round + plan.warmup;
  std::vector<frontend::GpuRect> rects;
  std::mt19937 rng(42);
  std::uniform_int_distribution<uint32_t> x(0, width - side), y(0, height - side);
  for (uint64_t i = 0; i < total; ++i) rects.push_back({x(rng), y(rng), side, side});
  plan.rect = [rects = std::move(rects)](uint64_t n) { return rects[n % rects.size()]; };

  w.begin_object().field("workload", "small-damage");
  w.key("params").begin_object().field("width", uint64_t(width)).field("height", uint64_t(height));
  w.field("rect", uint64_t(side)).field("rounds", uint64_t(plan.rounds));
  w.field("updates_per_round", uint64_t(plan.per_round)).end_object();
  run_present_loop(plan, backends, w);
  w.end_object();
}

}  // namespace vugpu::bench
