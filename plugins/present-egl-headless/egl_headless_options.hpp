// The options of present.egl-headless (declared in plugin.cpp): the snapshot options it shares
// with present.headless, the EGL platform, and the output size.
#pragma once
#include <cstdint>
#include <string>
#include "snapshot_options.hpp"
#include "vugpu/options.hpp"

namespace vugpu::egl_headless {

struct EglHeadlessOptions {
  snapshots::SnapshotOptions snapshots;
  // Empty: EGL's surfaceless platform. Else a DRM render node (/dev/dri/renderD128), via GBM.
  std::string render_node;
  // 0 x 0: every scanout is composed at its own size. Else at this size (scaled, linear filter).
  uint32_t output_width = 0, output_height = 0;

  bool scaled() const { return output_width != 0; }
  // Throws std::invalid_argument for values out of their domain.
  static EglHeadlessOptions from(const OptionValues& values);
};

}  // namespace vugpu::egl_headless
