#include "egl_headless_options.hpp"

#include <stdexcept>

namespace vugpu::egl_headless {

namespace {
constexpr int64_t kMaxOutputSide = 16384;  // GLES 3 guarantees 2048; llvmpipe and GPUs offer 16384
}  // namespace

EglHeadlessOptions EglHeadlessOptions::from(const OptionValues& values) {
  EglHeadlessOptions o;
  o.snapshots = snapshots::SnapshotOptions::from(values);
  o.render_node = values.get_string("render_node");
  const int64_t w = values.get_int("output_width"), h = values.get_int("output_height");
  if ((w == 0) != (h == 0) || w < 0 || h < 0 || w > kMaxOutputSide || h > kMaxOutputSide)
    throw std::invalid_argument("output_width = " + std::to_string(w) + ", output_height = " + std::to_string(h) +
                                ": set both to 0 (each scanout at its own size) or both to 1.." +
                                std::to_string(kMaxOutputSide));
  o.output_width = uint32_t(w);
  o.output_height = uint32_t(h);
  return o;
}

}  // namespace vugpu::egl_headless
