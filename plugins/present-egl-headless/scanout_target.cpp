#include "scanout_target.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include "vugpu/format.hpp"

namespace vugpu::egl_headless {

namespace {

// Texture components in byte order: an RGBA8 upload puts byte i of a pixel in component i.
constexpr std::array<GLint, 4> kComponentOfByte = {GL_RED, GL_GREEN, GL_BLUE, GL_ALPHA};

void set_swizzle(GLint r, GLint g, GLint b, GLint a) {
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_R, r);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_G, g);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_B, b);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_A, a);
}

void set_filter(GLuint texture, bool linear) {
  glBindTexture(GL_TEXTURE_2D, texture);
  const GLint f = linear ? GL_LINEAR : GL_NEAREST;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, f);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, f);
}

float ndc(double pixel, double size) { return float(pixel / size * 2.0 - 1.0); }

}  // namespace

bool ScanoutTarget::has_alpha() const {
  const auto ch = channel_offsets(layout_.fourcc);
  return ch && ch->a >= 0;
}

Rect ScanoutTarget::prepare(const Frame& frame, const Rect& damage, SourceKind kind) {
  const Layout wanted{frame.view.width, frame.view.height, frame.fourcc,
                      kind == SourceKind::Cpu && !frame.y0_top, kind};
  const Rect whole{0, 0, frame.view.width, frame.view.height};
  if (content_ && wanted == layout_) {
    const Rect r = damage.intersected(whole);
    add_damage(r);
    return r;
  }
  layout_ = wanted;
  content_fb_.reset();
  content_ = make_texture(GLsizei(wanted.width), GLsizei(wanted.height));
  const auto ch = channel_offsets(wanted.fourcc).value_or(ChannelOffsets{0, 1, 2, 3});
  if (kind == SourceKind::Cpu)
    set_swizzle(kComponentOfByte[ch.r], kComponentOfByte[ch.g], kComponentOfByte[ch.b],
                ch.a >= 0 ? kComponentOfByte[ch.a] : GL_ONE);
  else
    set_swizzle(GL_RED, GL_GREEN, GL_BLUE, ch.a >= 0 ? GL_ALPHA : GL_ONE);  // the driver decoded the fourcc
  pending_ = whole;
  return whole;
}

void ScanoutTarget::add_damage(const Rect& r) {
  pending_ = pending_.united(r.intersected({0, 0, layout_.width, layout_.height}));
}

Rect ScanoutTarget::cursor_rect(const CursorState& cursor) const {
  if (!cursor.visible || !cursor.texture) return {};
  const int64_t side = CursorImage::kSize;
  const int64_t x0 = std::clamp<int64_t>(cursor.x, 0, layout_.width), y0 = std::clamp<int64_t>(cursor.y, 0, layout_.height);
  const int64_t x1 = std::clamp<int64_t>(cursor.x + side, 0, layout_.width);
  const int64_t y1 = std::clamp<int64_t>(cursor.y + side, 0, layout_.height);
  return {uint32_t(x0), uint32_t(y0), uint32_t(x1 - x0), uint32_t(y1 - y0)};
}

uint64_t ScanoutTarget::upload(const Frame& frame, const uint8_t* base, const Rect& rect) {
  if (rect.empty()) return 0;
  glBindTexture(GL_TEXTURE_2D, content_.get());
  const auto memory_row = [&](uint64_t scanout_row) {  // of the resource
    const uint64_t resource_row = uint64_t{frame.view.y} + scanout_row;
    return layout_.flipped ? frame.height - 1 - resource_row : resource_row;
  };
  const auto texture_row = [&](uint64_t scanout_row) {
    return layout_.flipped ? layout_.height - 1 - scanout_row : scanout_row;
  };
  const uint64_t column = (uint64_t{frame.view.x} + rect.x) * kBytesPerPixel;
  if (frame.stride % kBytesPerPixel == 0) {
    // One call: rows lie `stride` apart in memory, in the same order as in the texture.
    const uint64_t first = layout_.flipped ? rect.bottom() - 1 : rect.y;  // lowest memory row
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, GLint(frame.stride / kBytesPerPixel));
    glTexSubImage2D(GL_TEXTURE_2D, 0, GLint(rect.x), GLint(texture_row(first)), GLsizei(rect.width),
                    GLsizei(rect.height), GL_RGBA, GL_UNSIGNED_BYTE, base + memory_row(first) * frame.stride + column);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  } else {
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    for (uint64_t y = rect.y; y < rect.bottom(); ++y)
      glTexSubImage2D(GL_TEXTURE_2D, 0, GLint(rect.x), GLint(texture_row(y)), GLsizei(rect.width), 1, GL_RGBA,
                      GL_UNSIGNED_BYTE, base + memory_row(y) * frame.stride + column);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  }
  return uint64_t{rect.width} * rect.height * kBytesPerPixel;
}

void ScanoutTarget::draw_import(const Frame& frame, const DmabufImage& image, const Rect& rect,
                                const QuadProgram& quad) {
  if (rect.empty()) return;
  if (!content_fb_) content_fb_ = make_framebuffer(content_.get());
  glBindFramebuffer(GL_FRAMEBUFFER, content_fb_.get());
  glViewport(0, 0, GLsizei(layout_.width), GLsizei(layout_.height));
  glDisable(GL_BLEND);
  // Content row 0 (scanout top) is framebuffer row 0, at NDC y = -1.
  const QuadCoords dst{ndc(rect.x, layout_.width), ndc(rect.y, layout_.height), ndc(double(rect.right()), layout_.width),
                       ndc(double(rect.bottom()), layout_.height)};
  const double w = frame.width, h = frame.height;
  const double top = double(frame.view.y) + rect.y, bottom = double(frame.view.y) + double(rect.bottom());
  const float u0 = float((double(frame.view.x) + rect.x) / w), u1 = float((double(frame.view.x) + double(rect.right())) / w);
  const QuadCoords src = frame.y0_top ? QuadCoords{u0, float(top / h), u1, float(bottom / h)}
                                      : QuadCoords{u0, float((h - top) / h), u1, float((h - bottom) / h)};
  quad.draw(image.texture(), dst, src);
}

void ScanoutTarget::compose(const QuadProgram& quad, const CursorState& cursor, uint32_t output_width,
                            uint32_t output_height) {
  if (!content_) return;
  if (output_width == 0 || output_height == 0) {
    output_width = layout_.width;
    output_height = layout_.height;
  }
  if (!output_ || output_width != output_width_ || output_height != output_height_) {
    output_fb_.reset();
    output_ = make_texture(GLsizei(output_width), GLsizei(output_height));
    output_fb_ = make_framebuffer(output_.get());
    output_width_ = output_width;
    output_height_ = output_height;
    pending_ = {0, 0, layout_.width, layout_.height};
  }
  if (pending_.empty()) return;
  const bool scaled = output_width_ != layout_.width || output_height_ != layout_.height;
  // The damage in output pixels. Scaled, the linear filter mixes each source pixel into the
  // output pixels up to one source pixel away: widen by that much, and one more for rounding.
  const double sx = double(output_width_) / layout_.width, sy = double(output_height_) / layout_.height;
  const int64_t margin = scaled ? int64_t(std::ceil(std::max({sx, sy, 1.0}))) + 1 : 0;
  const int64_t x0 = std::max<int64_t>(0, int64_t(std::floor(pending_.x * sx)) - margin);
  const int64_t y0 = std::max<int64_t>(0, int64_t(std::floor(pending_.y * sy)) - margin);
  const int64_t x1 = std::min<int64_t>(output_width_, int64_t(std::ceil(double(pending_.right()) * sx)) + margin);
  const int64_t y1 = std::min<int64_t>(output_height_, int64_t(std::ceil(double(pending_.bottom()) * sy)) + margin);
  pending_ = {};
  glBindFramebuffer(GL_FRAMEBUFFER, output_fb_.get());
  glViewport(0, 0, GLsizei(output_width_), GLsizei(output_height_));
  // Framebuffer row 0 is the scanout's top row, so the scissor takes scanout-like coordinates.
  glEnable(GL_SCISSOR_TEST);
  glScissor(GLint(x0), GLint(y0), GLsizei(x1 - x0), GLsizei(y1 - y0));
  glDisable(GL_BLEND);
  set_filter(content_.get(), scaled);
  // Scanout row 0 goes to framebuffer row 0 (NDC y = -1), so a read-back starts with the top row.
  quad.draw(content_.get(), {-1, -1, 1, 1}, layout_.flipped ? QuadCoords{0, 1, 1, 0} : QuadCoords{0, 0, 1, 1});

  if (cursor.visible && cursor.texture) {
    set_filter(cursor.texture.get(), scaled);
    const double w = layout_.width, h = layout_.height, side = double(CursorImage::kSize);
    const double x = double(cursor.x), y = double(cursor.y);
    glEnable(GL_BLEND);
    // Premultiplied colour over the picture; the picture's own alpha stays what the guest said.
    glBlendFuncSeparate(GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE);
    quad.draw(cursor.texture.get(), {ndc(x, w), ndc(y, h), ndc(x + side, w), ndc(y + side, h)}, {0, 0, 1, 1});
    glDisable(GL_BLEND);
  }
  glDisable(GL_SCISSOR_TEST);
}

void ScanoutTarget::read_back(uint8_t* out) const {
  glBindFramebuffer(GL_FRAMEBUFFER, output_fb_.get());
  glPixelStorei(GL_PACK_ALIGNMENT, 4);
  glReadPixels(0, 0, GLsizei(output_width_), GLsizei(output_height_), GL_RGBA, GL_UNSIGNED_BYTE, out);
}

}  // namespace vugpu::egl_headless
