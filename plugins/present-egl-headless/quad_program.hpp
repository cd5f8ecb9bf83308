// The one shader program present.egl-headless draws with: a textured rectangle, placed in
// normalised device coordinates and sampling a sub-rectangle of a texture. Channel order and
// alpha are set on each texture with GL_TEXTURE_SWIZZLE_*, so one program serves all formats.
// GL thread only; needs the context current.
#pragma once
#include <GLES3/gl3.h>
#include <utility>

namespace vugpu::egl_headless {

// An owned GL object name; `Delete` frees one (glDeleteTextures etc. wrapped).
template <void (*Delete)(GLuint)>
class GlName {
 public:
  GlName() = default;
  explicit GlName(GLuint name) : name_(name) {}
  GlName(GlName&& o) noexcept : name_(std::exchange(o.name_, 0)) {}
  GlName& operator=(GlName&& o) noexcept {
    if (this != &o) {
      reset();
      name_ = std::exchange(o.name_, 0);
    }
    return *this;
  }
  ~GlName() { reset(); }
  GLuint get() const { return name_; }
  explicit operator bool() const { return name_ != 0; }
  void reset() {
    if (name_) Delete(name_);
    name_ = 0;
  }

 private:
  GLuint name_ = 0;
};

void delete_texture(GLuint name);
void delete_framebuffer(GLuint name);
void delete_program(GLuint name);
void delete_vertex_array(GLuint name);
using GlTexture = GlName<delete_texture>;
using GlFramebuffer = GlName<delete_framebuffer>;

GlTexture make_texture(GLsizei width, GLsizei height);  // immutable RGBA8, nearest, clamped
// A framebuffer drawing into `texture` (level 0).
GlFramebuffer make_framebuffer(GLuint texture);

struct QuadCoords {
  float x0, y0, x1, y1;
};

class QuadProgram {
 public:
  QuadProgram();  // throws std::runtime_error when the shaders do not build

  // Draws `texture` sampled over `src` (texture coordinates 0..1, may be reversed to flip)
  // into `dst` (normalised device coordinates) of the bound framebuffer.
  void draw(GLuint texture, const QuadCoords& dst, const QuadCoords& src) const;

 private:
  GlName<delete_program> program_;
  GlName<delete_vertex_array> vao_;
  GLint u_dst_ = -1, u_src_ = -1, u_texture_ = -1;
};

}  // namespace vugpu::egl_headless
