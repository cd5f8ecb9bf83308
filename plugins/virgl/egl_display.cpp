#include "egl_display.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <gbm.h>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace vugpu::virgl {

namespace {

bool has_word(const char* list, const char* word) {
  if (!list) return false;
  const std::string_view all(list), w(word);
  for (size_t pos = all.find(w); pos != std::string_view::npos; pos = all.find(w, pos + 1)) {
    const bool starts = pos == 0 || all[pos - 1] == ' ';
    const bool ends = pos + w.size() == all.size() || all[pos + w.size()] == ' ';
    if (starts && ends) return true;
  }
  return false;
}

constexpr unsigned kDrmMajor = 226;  // Linux's DRM character devices

const char* kHint = "hint: vugpu needs Mesa's EGL (libegl-mesa0, libgl1-mesa-dri)";

}  // namespace

const char* egl_error_name(EGLint error) {
  switch (error) {
    case EGL_SUCCESS: return "EGL_SUCCESS";
    case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
    case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
    case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
    case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
    case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
    case EGL_BAD_CONFIG: return "EGL_BAD_CONFIG";
    case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
    case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
    case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
    case EGL_BAD_SURFACE: return "EGL_BAD_SURFACE";
    default: return "EGL error";
  }
}

void EglDisplay::GbmDeleter::operator()(gbm_device* d) const { gbm_device_destroy(d); }

EglDisplay::EglDisplay(const std::string& render_node) : render_node_(render_node) {
  const char* client_ext = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!has_word(client_ext, "EGL_EXT_platform_base"))
    throw EglError(fmt::format("EGL lacks EGL_EXT_platform_base ({})", kHint));

  if (render_node_.empty()) {
    if (!has_word(client_ext, "EGL_MESA_platform_surfaceless"))
      throw EglError(fmt::format(
          "EGL has no surfaceless platform (EGL_MESA_platform_surfaceless) ({}, or set render_node)", kHint));
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  } else {
    node_fd_.reset(::open(render_node_.c_str(), O_RDWR | O_CLOEXEC));
    if (!node_fd_)
      throw EglError(fmt::format(
          "cannot open render node '{}': {} (hint: check the path and the 'render' group, or leave "
          "render_node empty to render with EGL surfaceless)",
          render_node_, std::strerror(errno)));
    // Mesa's GBM would happily fall back to software on any file (even /dev/null): insist on
    // a DRM device, so a wrong path is an error and not a silent llvmpipe.
    struct stat st {};
    if (fstat(node_fd_.get(), &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != kDrmMajor)
      throw EglError(fmt::format("'{}' is not a DRM device (hint: render_node must be a DRM render node such "
                                 "as /dev/dri/renderD128, or empty for EGL surfaceless)", render_node_));
    gbm_.reset(gbm_create_device(node_fd_.get()));
    if (!gbm_)
      throw EglError(fmt::format("'{}' is not a GBM device (hint: render_node must be a DRM render node "
                                 "such as /dev/dri/renderD128)", render_node_));
    if (!has_word(client_ext, "EGL_KHR_platform_gbm") && !has_word(client_ext, "EGL_MESA_platform_gbm"))
      throw EglError(fmt::format("EGL has no GBM platform ({})", kHint));
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, gbm_.get(), nullptr);
  }
  if (display_ == EGL_NO_DISPLAY)
    throw EglError(fmt::format("no EGL display on the {} platform ({})", platform_name(), kHint));

  EGLint major = 0, minor = 0;
  if (!eglInitialize(display_, &major, &minor)) {
    const EGLint err = eglGetError();
    display_ = EGL_NO_DISPLAY;
    throw EglError(fmt::format("eglInitialize failed on the {} platform: {} ({})", platform_name(),
                               egl_error_name(err), kHint));
  }
  if (const char* ext = eglQueryString(display_, EGL_EXTENSIONS)) extensions_ = ext;

  const char* missing = nullptr;
  for (const char* needed : {"EGL_KHR_surfaceless_context", "EGL_KHR_create_context"}) {
    if (!has_extension(needed)) missing = needed;
  }
  if (!has_extension("EGL_KHR_no_config_context") && !has_extension("EGL_MESA_configless_context"))
    missing = "EGL_KHR_no_config_context";
  if (missing) {
    release();  // the destructor does not run for a throwing constructor
    throw EglError(fmt::format("the {} EGL display lacks {} ({})", platform_name(), missing, kHint));
  }
}

EglDisplay::~EglDisplay() { release(); }

void EglDisplay::release() {
  if (display_ == EGL_NO_DISPLAY) return;
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  // A surfaceless display is one per process, shared with any other EGL user in it (the
  // egl-headless presenter): terminating it would pull the rug from under them. The GBM display
  // belongs to our own gbm_device, so it is ours to end.
  if (gbm_) eglTerminate(display_);
  display_ = EGL_NO_DISPLAY;
}

bool EglDisplay::has_extension(const char* name) const { return has_word(extensions_.c_str(), name); }

EGLContext EglDisplay::create_context(int major, int minor, bool shared) const {
  if (!eglBindAPI(EGL_OPENGL_API)) return EGL_NO_CONTEXT;  // per thread, so every time
  const bool core = major > 3 || (major == 3 && minor >= 2);
  const EGLint attribs[] = {
      EGL_CONTEXT_MAJOR_VERSION, major,
      EGL_CONTEXT_MINOR_VERSION, minor,
      EGL_CONTEXT_OPENGL_PROFILE_MASK,
      core ? EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT : EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT,
      EGL_NONE};
  const EGLContext share = shared ? eglGetCurrentContext() : EGL_NO_CONTEXT;
  return eglCreateContext(display_, EGL_NO_CONFIG_KHR, share, attribs);
}

void EglDisplay::destroy_context(EGLContext ctx) const {
  if (ctx == EGL_NO_CONTEXT) return;
  if (eglGetCurrentContext() == ctx) eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(display_, ctx);
}

bool EglDisplay::make_current(EGLContext ctx) const {
  return eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx) == EGL_TRUE;
}

}  // namespace vugpu::virgl
