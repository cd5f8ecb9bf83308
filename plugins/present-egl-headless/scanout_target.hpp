// One scanout on the GPU: a content texture holding the guest's picture (updated by damaged
// rectangle only) and an output texture + FBO where content and cursor are composed at the
// output size, then read back for snapshots. Composing redraws only what changed since the last
// time (frame damage, where the cursor was and is): a 64x64 damage costs 64x64 pixels, not a
// whole screen of them. GL thread only.
#pragma once
#include <cstdint>
#include "dmabuf_import.hpp"
#include "quad_program.hpp"
#include "vugpu/frame.hpp"
#include "vugpu/geometry.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::egl_headless {

// The cursor of one scanout as the GL thread keeps it.
struct CursorState {
  bool visible = false;
  int64_t x = 0, y = 0;  // top-left of the image in scanout pixels (position minus hot spot)
  GlTexture texture;     // 64x64, sampled as premultiplied R, G, B, A
};

enum class SourceKind { Cpu, Dmabuf };

class ScanoutTarget {
 public:
  // Makes the content texture fit `frame` (a new one when the view size, format, orientation
  // or kind changed: its old pixels mean nothing then). Returns what must be written: `damage`,
  // or the whole view after such a change.
  Rect prepare(const Frame& frame, const Rect& damage, SourceKind kind);
  // Uploads `rect` (scanout coordinates, inside the view) of a frame whose row 0 of the
  // resource is at `base`; only those rows and columns are read. Returns the bytes uploaded.
  uint64_t upload(const Frame& frame, const uint8_t* base, const Rect& rect);
  // Draws `rect` of an imported dmabuf into the content texture (a GPU copy).
  void draw_import(const Frame& frame, const DmabufImage& image, const Rect& rect, const QuadProgram& quad);

  // Marks `r` (scanout coordinates) to be composed again (the cursor moved over it, ...).
  // prepare() marks what it returns by itself.
  void add_damage(const Rect& r);
  bool needs_compose() const { return !pending_.empty(); }
  // Content, then the cursor on top, into the output (output_width x output_height; 0 x 0 =
  // the view's size: scaled with a linear filter when the sizes differ), where damaged.
  void compose(const QuadProgram& quad, const CursorState& cursor, uint32_t output_width, uint32_t output_height);
  // The part of the scanout a cursor covers (clipped to the view; empty when hidden).
  Rect cursor_rect(const CursorState& cursor) const;
  // The composed picture, rows top first, bytes R, G, B, A: out_width() * out_height() * 4.
  void read_back(uint8_t* out) const;

  bool has_content() const { return static_cast<bool>(content_); }
  bool has_alpha() const;  // the guest's format carries alpha
  uint32_t out_width() const { return output_width_; }
  uint32_t out_height() const { return output_height_; }

 private:
  struct Layout {
    uint32_t width = 0, height = 0, fourcc = 0;
    bool flipped = false;  // content rows are stored bottom-up (the frame's own order)
    SourceKind kind = SourceKind::Cpu;
    friend bool operator==(const Layout&, const Layout&) = default;
  };
  Layout layout_;
  GlTexture content_;
  GlFramebuffer content_fb_;  // made when a dmabuf is drawn into the content
  GlTexture output_;
  GlFramebuffer output_fb_;
  uint32_t output_width_ = 0, output_height_ = 0;
  Rect pending_;  // scanout coordinates, to compose again
};

}  // namespace vugpu::egl_headless
