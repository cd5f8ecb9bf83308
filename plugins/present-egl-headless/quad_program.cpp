#include "quad_program.hpp"

#include <stdexcept>
#include <string>

namespace vugpu::egl_headless {

namespace {

// Four vertices of a triangle strip from gl_VertexID: no vertex buffer needed.
constexpr const char* kVertexShader = R"(#version 300 es
uniform vec4 u_dst;
uniform vec4 u_src;
out vec2 v_texcoord;
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
  gl_Position = vec4(mix(u_dst.xy, u_dst.zw, corner), 0.0, 1.0);
  v_texcoord = mix(u_src.xy, u_src.zw, corner);
}
)";

constexpr const char* kFragmentShader = R"(#version 300 es
precision highp float;
uniform sampler2D u_texture;
in vec2 v_texcoord;
out vec4 colour;
void main() { colour = texture(u_texture, v_texcoord); }
)";

GLuint compile(GLenum type, const char* source) {
  const GLuint shader = glCreateShader(type);
  glShaderSource(shader, 1, &source, nullptr);
  glCompileShader(shader);
  GLint ok = GL_FALSE;
  glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
  if (ok) return shader;
  char log[512] = {};
  glGetShaderInfoLog(shader, sizeof log, nullptr, log);
  glDeleteShader(shader);
  throw std::runtime_error(std::string("GLES shader does not compile: ") + log);
}

}  // namespace

void delete_texture(GLuint name) { glDeleteTextures(1, &name); }
void delete_framebuffer(GLuint name) { glDeleteFramebuffers(1, &name); }
void delete_program(GLuint name) { glDeleteProgram(name); }
void delete_vertex_array(GLuint name) { glDeleteVertexArrays(1, &name); }

GlTexture make_texture(GLsizei width, GLsizei height) {
  GLuint name = 0;
  glGenTextures(1, &name);
  GlTexture texture(name);
  glBindTexture(GL_TEXTURE_2D, name);
  glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, width, height);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  return texture;
}

GlFramebuffer make_framebuffer(GLuint texture) {
  GLuint name = 0;
  glGenFramebuffers(1, &name);
  GlFramebuffer fb(name);
  glBindFramebuffer(GL_FRAMEBUFFER, name);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
  if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
    throw std::runtime_error("GLES: an RGBA8 texture cannot be drawn into (incomplete framebuffer)");
  return fb;
}

QuadProgram::QuadProgram() {
  const GLuint vs = compile(GL_VERTEX_SHADER, kVertexShader);
  GLuint fs = 0;
  try {
    fs = compile(GL_FRAGMENT_SHADER, kFragmentShader);
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  program_ = GlName<delete_program>(glCreateProgram());
  glAttachShader(program_.get(), vs);
  glAttachShader(program_.get(), fs);
  glLinkProgram(program_.get());
  glDeleteShader(vs);  // flagged: freed with the program
  glDeleteShader(fs);
  GLint ok = GL_FALSE;
  glGetProgramiv(program_.get(), GL_LINK_STATUS, &ok);
  if (!ok) throw std::runtime_error("GLES shader program does not link");
  u_dst_ = glGetUniformLocation(program_.get(), "u_dst");
  u_src_ = glGetUniformLocation(program_.get(), "u_src");
  u_texture_ = glGetUniformLocation(program_.get(), "u_texture");
  GLuint vao = 0;
  glGenVertexArrays(1, &vao);
  vao_ = GlName<delete_vertex_array>(vao);
}

void QuadProgram::draw(GLuint texture, const QuadCoords& dst, const QuadCoords& src) const {
  glUseProgram(program_.get());
  glBindVertexArray(vao_.get());
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, texture);
  glUniform1i(u_texture_, 0);
  glUniform4f(u_dst_, dst.x0, dst.y0, dst.x1, dst.y1);
  glUniform4f(u_src_, src.x0, src.y0, src.x1, src.y1);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
}

}  // namespace vugpu::egl_headless
