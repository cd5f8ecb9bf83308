#include "fit_geometry.hpp"

namespace vugpu::window {

Placement place(uint32_t pw, uint32_t ph, uint32_t dw, uint32_t dh, uint32_t zoom) {
  Placement p;
  if (pw == 0 || ph == 0 || dw == 0 || dh == 0) return p;
  if (zoom == 0) {
    // Fit: the smaller of the two ratios, compared exactly in 64-bit integers (dw/pw < dh/ph
    // <=> dw*ph < dh*pw) so that a window of exactly N times the picture gives N, not N-epsilon.
    if (uint64_t{dw} * ph <= uint64_t{dh} * pw) {
      p.width = dw;
      p.height = uint32_t((uint64_t{ph} * dw + pw / 2) / pw);
    } else {
      p.height = dh;
      p.width = uint32_t((uint64_t{pw} * dh + ph / 2) / ph);
    }
    if (p.width == 0) p.width = 1;
    if (p.height == 0) p.height = 1;
  } else {
    p.width = uint32_t(uint64_t{pw} * zoom);
    p.height = uint32_t(uint64_t{ph} * zoom);
  }
  p.x = int32_t((int64_t{dw} - p.width) / 2);
  p.y = int32_t((int64_t{dh} - p.height) / 2);
  p.integer_scale = p.width % pw == 0 && p.height % ph == 0 && p.width / pw == p.height / ph;
  p.scale = double(p.width) / pw;
  return p;
}

}  // namespace vugpu::window
