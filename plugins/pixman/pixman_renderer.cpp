#include "pixman_renderer.hpp"

#include <pixman.h>
#include <drm_fourcc.h>
#include <sys/mman.h>
#include <memory>
#include <optional>
#include <vugpu/format.hpp>
#include "scattered_rows.hpp"

namespace vugpu::pixman {

namespace {

// pixman, like DRM, names a 32-bit word from its most significant byte: the same letters.
std::optional<pixman_format_code_t> pixman_format(uint32_t fourcc) {
  switch (fourcc) {
    case DRM_FORMAT_ARGB8888: return PIXMAN_a8r8g8b8;
    case DRM_FORMAT_XRGB8888: return PIXMAN_x8r8g8b8;
    case DRM_FORMAT_BGRA8888: return PIXMAN_b8g8r8a8;
    case DRM_FORMAT_BGRX8888: return PIXMAN_b8g8r8x8;
    case DRM_FORMAT_ABGR8888: return PIXMAN_a8b8g8r8;
    case DRM_FORMAT_XBGR8888: return PIXMAN_x8b8g8r8;
    case DRM_FORMAT_RGBA8888: return PIXMAN_r8g8b8a8;
    case DRM_FORMAT_RGBX8888: return PIXMAN_r8g8b8x8;
    default: return std::nullopt;
  }
}

struct ImageUnref {
  void operator()(pixman_image_t* image) const { pixman_image_unref(image); }
};
using ImagePtr = std::unique_ptr<pixman_image_t, ImageUnref>;

// Pixels of a large image: an anonymous mapping in transparent huge pages where the kernel
// allows (THP "madvise" mode, Debian's default). A full-frame transfer then writes through 2 MiB
// pages instead of 4 KiB ones (fewer TLB misses for the copy and the socket's reads of it).
// Zeroed by the kernel, like pixman's own allocation.
class HugeBits {
 public:
  static constexpr uint64_t kHuge = 2ull << 20;
  explicit HugeBits(uint64_t bytes) : size_((bytes + kHuge - 1) & ~(kHuge - 1)) {
    void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return;
    data_ = p;
    ::madvise(data_, size_, MADV_HUGEPAGE);  // a hint: without THP the pages stay 4 KiB
  }
  ~HugeBits() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  HugeBits(const HugeBits&) = delete;
  HugeBits& operator=(const HugeBits&) = delete;
  uint32_t* data() const { return static_cast<uint32_t*>(data_); }

 private:
  uint64_t size_;
  void* data_ = nullptr;
};

// What this renderer hangs on a resource. Members go in reverse order: the image before its bits.
struct PixmanState final : ResourceState {
  PixmanState(std::unique_ptr<HugeBits> b, ImagePtr i) : bits(std::move(b)), image(std::move(i)) {}
  std::unique_ptr<HugeBits> bits;  // null: pixman owns the pixels
  ImagePtr image;
  uint8_t* pixels() const { return reinterpret_cast<uint8_t*>(pixman_image_get_data(image.get())); }
  uint32_t stride() const { return static_cast<uint32_t>(pixman_image_get_stride(image.get())); }
};

PixmanState* state_of(Resource& res) { return dynamic_cast<PixmanState*>(res.renderer_state.get()); }

}  // namespace

Status PixmanRenderer::create_2d(Resource& res) {
  const std::optional<pixman_format_code_t> format = pixman_format(res.fourcc);
  if (!format || res.width == 0 || res.height == 0 || res.width > INT32_MAX / kBytesPerPixel || res.height > INT32_MAX)
    return Status::InvalidParameter;
  // Stride width * 4 either way. Small images: pixman allocates the pixels itself, zeroed.
  const uint64_t stride = uint64_t{res.width} * kBytesPerPixel;
  std::unique_ptr<HugeBits> bits;
  if (stride * res.height >= HugeBits::kHuge) {
    bits = std::make_unique<HugeBits>(stride * res.height);
    if (bits->data() == nullptr) return Status::OutOfMemory;
  }
  ImagePtr image(pixman_image_create_bits(*format, static_cast<int>(res.width), static_cast<int>(res.height),
                                          bits ? bits->data() : nullptr, bits ? static_cast<int>(stride) : 0));
  if (!image) return Status::OutOfMemory;
  auto state = std::make_unique<PixmanState>(std::move(bits), std::move(image));
  res.host_bytes = uint64_t{state->stride()} * res.height;
  res.renderer_state = std::move(state);
  return Status::Ok;
}

void PixmanRenderer::destroy(Resource& res) { res.renderer_state.reset(); }

Status PixmanRenderer::transfer_to_host_2d(Resource& res, const Rect& rect, uint64_t offset) {
  PixmanState* state = state_of(res);
  if (state == nullptr) return Status::Unspec;
  if (!rect.inside(res.width, res.height)) return Status::InvalidParameter;  // the core checked; stay safe
  if (rect.empty()) return Status::Ok;
  const uint64_t src_stride = uint64_t{res.width} * kBytesPerPixel;
  const size_t row_bytes = size_t{rect.width} * kBytesPerPixel;
  uint8_t* dst = state->pixels() + uint64_t{rect.y} * state->stride() + uint64_t{rect.x} * kBytesPerPixel;
  ScatteredRows rows(res.backing);
  if (!rows.copy(offset, src_stride, row_bytes, rect.height, dst, state->stride())) return Status::InvalidParameter;
  host_.count_copy(uint64_t{row_bytes} * rect.height);
  return Status::Ok;
}

Status PixmanRenderer::frame(Resource& res, const Rect&, Frame& out) {
  PixmanState* state = state_of(res);
  if (state == nullptr) return Status::Unspec;
  out.resource_id = res.id;
  out.width = res.width;
  out.height = res.height;
  out.stride = state->stride();
  out.fourcc = res.fourcc;
  out.modifier = DRM_FORMAT_MOD_LINEAR;
  out.pixels = state->pixels();
  out.dmabuf_fd = -1;
  out.y0_top = true;
  return Status::Ok;
}

}  // namespace vugpu::pixman
