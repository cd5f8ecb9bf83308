#include "dmabuf_reader.hpp"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES3/gl3.h>
#include <drm_fourcc.h>
#include <fmt/format.h>
#include <cstdint>
#include <memory>
#include "egl_dmabuf_import.hpp"
#include "egl_platform_display.hpp"

namespace vugpu::egl {

namespace {
constexpr const char* kHint = "hint: a GPU's Mesa driver (libegl-mesa0, libgles2, libgl1-mesa-dri) and its render node";
}  // namespace

struct DmabufReader::Gl {
  EglPlatformDisplay display{"", kHint, "read dma-buf frames"};
  EGLContext context = EGL_NO_CONTEXT;
  std::optional<DmabufImport> import;
  GLuint texture = 0, framebuffer = 0;

  Gl() {
    if (!eglBindAPI(EGL_OPENGL_ES_API)) throw EglError(fmt::format("EGL offers no OpenGL ES ({})", kHint));
    const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 0, EGL_NONE};
    context = eglCreateContext(display.handle(), EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
    if (context == EGL_NO_CONTEXT)
      throw EglError(fmt::format("no OpenGL ES 3.0 context on the surfaceless EGL display: {} ({})",
                                 egl_error_name(eglGetError()), kHint));
    if (!eglMakeCurrent(display.handle(), EGL_NO_SURFACE, EGL_NO_SURFACE, context)) {
      eglDestroyContext(display.handle(), context);
      throw EglError(fmt::format("cannot make an OpenGL ES context current without a surface: {} ({})",
                                 egl_error_name(eglGetError()), kHint));
    }
    import.emplace(display);
    if (!import->available()) {
      release();
      throw EglError("the surfaceless EGL display cannot import dma-bufs: " + import->problem());
    }
    glGenTextures(1, &texture);
    glGenFramebuffers(1, &framebuffer);
  }
  ~Gl() { release(); }
  void release() {
    if (texture) glDeleteTextures(1, &texture);
    if (framebuffer) glDeleteFramebuffers(1, &framebuffer);
    texture = framebuffer = 0;
    eglMakeCurrent(display.handle(), EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    if (context != EGL_NO_CONTEXT) eglDestroyContext(display.handle(), context);
    context = EGL_NO_CONTEXT;
    eglReleaseThread();
  }
};

DmabufReader::DmabufReader() {
  thread_ = std::thread([this] { gl_thread_main(); });
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return started_; });
  if (!start_error_.empty()) {
    lock.unlock();
    thread_.join();
    throw EglError(start_error_);
  }
}

DmabufReader::~DmabufReader() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DmabufReader::gl_thread_main() {
  std::unique_ptr<Gl> gl;
  try {
    gl = std::make_unique<Gl>();
    if (const auto* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER))) renderer_ = r;
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    start_error_ = e.what();
    started_ = true;
    cv_.notify_all();
    return;
  }
  std::unique_lock lock(mutex_);
  started_ = true;
  cv_.notify_all();
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || job_; });
    if (stop_) break;
    (*job_)(*gl);  // the caller waits for it: nothing else touches pixels_ meanwhile
    job_ = nullptr;
    job_done_ = true;
    cv_.notify_all();
  }
  lock.unlock();
  gl.reset();  // on its own thread: the context is current here
}

void DmabufReader::run_on_gl_thread(const std::function<void(Gl&)>& job) {
  std::unique_lock lock(mutex_);
  job_ = &job;
  job_done_ = false;
  cv_.notify_all();
  cv_.wait(lock, [this] { return job_done_; });
}

std::optional<Frame> DmabufReader::read(const Frame& frame, std::string& why) {
  const Rect& view = frame.view;
  if (frame.dmabuf_fd < 0 || view.empty() || !view.inside(frame.width, frame.height)) {
    why = "not a dma-buf frame with a view inside it";
    return std::nullopt;
  }
  // GL takes sizes and positions as GLint, our rows' stride is 32-bit: a guest's size beyond is refused.
  if (uint64_t{frame.width} * 4 > uint64_t{INT32_MAX} || frame.height > uint32_t{INT32_MAX}) {
    why = "the frame is too large to read back";
    return std::nullopt;
  }
  pixels_.resize(uint64_t{view.width} * view.height * 4);
  bool ok = false;
  run_on_gl_thread([&](Gl& gl) {
    EGLImageKHR image = gl.import->create_image(frame);
    if (image == EGL_NO_IMAGE_KHR) {
      why = fmt::format("the driver refused the dma-buf ({})", egl_error_name(eglGetError()));
      return;
    }
    glBindTexture(GL_TEXTURE_2D, gl.texture);
    gl.import->bind_texture(image);
    glBindFramebuffer(GL_FRAMEBUFFER, gl.framebuffer);
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, gl.texture, 0);
    if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
      why = "the imported dma-buf cannot be read through a framebuffer";
    } else {
      // Texture row 0 is the buffer's first row in memory: read the view's rows as they lie there.
      const uint32_t first_row = frame.y0_top ? view.y : frame.height - view.y - view.height;
      glPixelStorei(GL_PACK_ALIGNMENT, 4);
      glReadPixels(GLint(view.x), GLint(first_row), GLsizei(view.width), GLsizei(view.height), GL_RGBA,
                   GL_UNSIGNED_BYTE, pixels_.data());  // returns once the GPU finished reading
      ok = glGetError() == GL_NO_ERROR;
      if (!ok) why = "glReadPixels failed";
    }
    glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, 0, 0);
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    glBindTexture(GL_TEXTURE_2D, 0);
    gl.import->destroy_image(image);
  });
  if (!ok) return std::nullopt;
  Frame out;
  out.resource_id = frame.resource_id;
  out.width = view.width;
  out.height = view.height;
  out.stride = view.width * 4;
  out.fourcc = DRM_FORMAT_ABGR8888;  // GL_RGBA bytes: R, G, B, A
  out.modifier = DRM_FORMAT_MOD_LINEAR;
  out.pixels = pixels_.data();
  out.view = {0, 0, view.width, view.height};
  out.y0_top = frame.y0_top;
  return out;
}

}  // namespace vugpu::egl
