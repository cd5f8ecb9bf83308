#include "egl_setup.hpp"

#include <GLES3/gl3.h>
#include <fcntl.h>
#include <gbm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <string_view>

namespace vugpu::egl_headless {

namespace {

bool has_word(const char* list, std::string_view w) {
  if (!list) return false;
  const std::string_view all(list);
  for (size_t pos = all.find(w); pos != std::string_view::npos; pos = all.find(w, pos + 1)) {
    const bool starts = pos == 0 || all[pos - 1] == ' ';
    const bool ends = pos + w.size() == all.size() || all[pos + w.size()] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

bool gl_has_extension(std::string_view name) {
  GLint count = 0;
  glGetIntegerv(GL_NUM_EXTENSIONS, &count);
  for (GLint i = 0; i < count; ++i)
    if (const auto* e = reinterpret_cast<const char*>(glGetStringi(GL_EXTENSIONS, GLuint(i))); e && name == e)
      return true;
  return false;
}

const char* egl_error_name(EGLint error) {
  switch (error) {
    case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
    case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
    case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
    case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
    default: return "EGL error";
  }
}

constexpr unsigned kDrmMajor = 226;  // Linux's DRM character devices
constexpr const char* kHint = "hint: install Mesa's EGL and GLES drivers (libegl-mesa0, libgles2, libgl1-mesa-dri)";

}  // namespace

void EglSetup::GbmDeleter::operator()(gbm_device* d) const { gbm_device_destroy(d); }

EglSetup::EglSetup(const std::string& render_node) : render_node_(render_node) {
  try {
    open_display();
    create_context();
    find_entry_points();
  } catch (...) {
    release();  // the destructor does not run for a throwing constructor
    throw;
  }
}

EglSetup::~EglSetup() { release(); }

void EglSetup::open_display() {
  const char* client_ext = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!has_word(client_ext, "EGL_EXT_platform_base"))
    throw EglError(fmt::format("EGL lacks EGL_EXT_platform_base ({})", kHint));
  if (render_node_.empty()) {
    if (!has_word(client_ext, "EGL_MESA_platform_surfaceless"))
      throw EglError(fmt::format("EGL has no surfaceless platform (EGL_MESA_platform_surfaceless) ({}, or set render_node)",
                                 kHint));
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  } else {
    node_fd_.reset(::open(render_node_.c_str(), O_RDWR | O_CLOEXEC));
    if (!node_fd_)
      throw EglError(fmt::format("cannot open render node '{}': {} (hint: check the path and the 'render' group, or "
                                 "leave render_node empty to compose with EGL surfaceless)",
                                 render_node_, std::strerror(errno)));
    // Mesa's GBM falls back to software on any file (even /dev/null): insist on a DRM device,
    // so a wrong path is an error and not a silent llvmpipe.
    struct stat st {};
    if (::fstat(node_fd_.get(), &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != kDrmMajor)
      throw EglError(fmt::format("'{}' is not a DRM device (hint: render_node must be a DRM render node such as "
                                 "/dev/dri/renderD128, or empty for EGL surfaceless)",
                                 render_node_));
    gbm_.reset(gbm_create_device(node_fd_.get()));
    if (!gbm_)
      throw EglError(fmt::format("'{}' is not a GBM device (hint: render_node must be a DRM render node such as "
                                 "/dev/dri/renderD128)",
                                 render_node_));
    if (!has_word(client_ext, "EGL_KHR_platform_gbm") && !has_word(client_ext, "EGL_MESA_platform_gbm"))
      throw EglError(fmt::format("EGL has no GBM platform ({})", kHint));
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, gbm_.get(), nullptr);
  }
  if (display_ == EGL_NO_DISPLAY)
    throw EglError(fmt::format("no EGL display on the {} platform ({})", platform_name(), kHint));
  EGLint major_version = 0, minor_version = 0;
  if (!eglInitialize(display_, &major_version, &minor_version)) {
    const EGLint err = eglGetError();
    display_ = EGL_NO_DISPLAY;
    throw EglError(fmt::format("eglInitialize failed on the {} platform: {} ({})", platform_name(),
                               egl_error_name(err), kHint));
  }
  if (const char* ext = eglQueryString(display_, EGL_EXTENSIONS)) extensions_ = ext;
  for (const char* needed : {"EGL_KHR_surfaceless_context", "EGL_KHR_create_context", "EGL_KHR_fence_sync"})
    if (!has_word(extensions_.c_str(), needed))
      throw EglError(fmt::format("the {} EGL display lacks {} ({})", platform_name(), needed, kHint));
  if (!has_word(extensions_.c_str(), "EGL_KHR_no_config_context") &&
      !has_word(extensions_.c_str(), "EGL_MESA_configless_context"))
    throw EglError(fmt::format("the {} EGL display lacks EGL_KHR_no_config_context ({})", platform_name(), kHint));
}

void EglSetup::create_context() {
  if (!eglBindAPI(EGL_OPENGL_ES_API))
    throw EglError(fmt::format("EGL on the {} platform offers no OpenGL ES ({})", platform_name(), kHint));
  const EGLint attribs[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 0, EGL_NONE};
  context_ = eglCreateContext(display_, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attribs);
  if (context_ == EGL_NO_CONTEXT)
    throw EglError(fmt::format("no OpenGL ES 3.0 context on the {} EGL display: {} ({})", platform_name(),
                               egl_error_name(eglGetError()), kHint));
  if (!eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_))
    throw EglError(fmt::format("cannot make the OpenGL ES 3.0 context current without a surface: {} ({})",
                               egl_error_name(eglGetError()), kHint));
  if (const auto* r = reinterpret_cast<const char*>(glGetString(GL_RENDERER))) renderer_ = r;
}

void EglSetup::find_entry_points() {
  entry_.create_sync = reinterpret_cast<PFNEGLCREATESYNCKHRPROC>(eglGetProcAddress("eglCreateSyncKHR"));
  entry_.destroy_sync = reinterpret_cast<PFNEGLDESTROYSYNCKHRPROC>(eglGetProcAddress("eglDestroySyncKHR"));
  entry_.client_wait_sync = reinterpret_cast<PFNEGLCLIENTWAITSYNCKHRPROC>(eglGetProcAddress("eglClientWaitSyncKHR"));
  if (!entry_.create_sync || !entry_.destroy_sync || !entry_.client_wait_sync)
    throw EglError(fmt::format("EGL_KHR_fence_sync is advertised but its functions are missing ({})", kHint));

  // dma-buf import is optional: CPU frames work without it.
  if (!has_word(extensions_.c_str(), "EGL_EXT_image_dma_buf_import")) {
    import_problem_ = "EGL_EXT_image_dma_buf_import missing";
    return;
  }
  if (!gl_has_extension("GL_OES_EGL_image")) {
    import_problem_ = "GL_OES_EGL_image missing";
    return;
  }
  entry_.create_image = reinterpret_cast<PFNEGLCREATEIMAGEKHRPROC>(eglGetProcAddress("eglCreateImageKHR"));
  entry_.destroy_image = reinterpret_cast<PFNEGLDESTROYIMAGEKHRPROC>(eglGetProcAddress("eglDestroyImageKHR"));
  entry_.image_target_texture =
      reinterpret_cast<void (*)(unsigned, void*)>(eglGetProcAddress("glEGLImageTargetTexture2DOES"));
  if (!entry_.create_image || !entry_.destroy_image || !entry_.image_target_texture) {
    entry_.create_image = nullptr;
    import_problem_ = "EGL image functions missing";
    return;
  }
  import_modifiers_ = has_word(extensions_.c_str(), "EGL_EXT_image_dma_buf_import_modifiers");
}

void EglSetup::release() {
  if (display_ == EGL_NO_DISPLAY) return;
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (context_ != EGL_NO_CONTEXT) eglDestroyContext(display_, context_);
  context_ = EGL_NO_CONTEXT;
  // The surfaceless display is one per process, shared with renderer.virgl when both are
  // loaded: terminating it would pull the rug from under virgl. The GBM display belongs to our
  // own gbm_device, so it is ours to end.
  if (gbm_) eglTerminate(display_);
  display_ = EGL_NO_DISPLAY;
  eglReleaseThread();
}

}  // namespace vugpu::egl_headless
