#include "egl_platform_display.hpp"

#include <fcntl.h>
#include <gbm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace vugpu::egl {

namespace {

constexpr unsigned kDrmMajor = 226;  // Linux's DRM character devices

}  // namespace

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

void EglPlatformDisplay::GbmDeleter::operator()(gbm_device* d) const { gbm_device_destroy(d); }

EglPlatformDisplay::EglPlatformDisplay(const std::string& render_node, std::string hint, const char* use,
                                       std::initializer_list<const char*> also_needed)
    : render_node_(render_node), hint_(std::move(hint)) {
  const char* client_ext = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!has_word(client_ext, "EGL_EXT_platform_base"))
    throw EglError(fmt::format("EGL lacks EGL_EXT_platform_base ({})", hint_));
  if (render_node_.empty()) {
    if (!has_word(client_ext, "EGL_MESA_platform_surfaceless"))
      throw EglError(fmt::format(
          "EGL has no surfaceless platform (EGL_MESA_platform_surfaceless) ({}, or set render_node)", hint_));
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  } else {
    node_fd_.reset(::open(render_node_.c_str(), O_RDWR | O_CLOEXEC));
    if (!node_fd_)
      throw EglError(fmt::format("cannot open render node '{}': {} (hint: check the path and the 'render' group, or "
                                 "leave render_node empty to {} with EGL surfaceless)",
                                 render_node_, std::strerror(errno), use));
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
      throw EglError(fmt::format("EGL has no GBM platform ({})", hint_));
    display_ = eglGetPlatformDisplay(EGL_PLATFORM_GBM_KHR, gbm_.get(), nullptr);
  }
  if (display_ == EGL_NO_DISPLAY)
    throw EglError(fmt::format("no EGL display on the {} platform ({})", platform_name(), hint_));
  EGLint major_version = 0, minor_version = 0;
  if (!eglInitialize(display_, &major_version, &minor_version)) {
    const EGLint err = eglGetError();
    display_ = EGL_NO_DISPLAY;
    throw EglError(fmt::format("eglInitialize failed on the {} platform: {} ({})", platform_name(),
                               egl_error_name(err), hint_));
  }
  if (const char* ext = eglQueryString(display_, EGL_EXTENSIONS)) extensions_ = ext;
  const char* missing = nullptr;
  for (const char* needed : {"EGL_KHR_surfaceless_context", "EGL_KHR_create_context"})
    if (!missing && !has_extension(needed)) missing = needed;
  for (const char* needed : also_needed)
    if (!missing && !has_extension(needed)) missing = needed;
  if (!missing && !has_extension("EGL_KHR_no_config_context") && !has_extension("EGL_MESA_configless_context"))
    missing = "EGL_KHR_no_config_context";
  if (missing) {
    terminate();  // the destructor does not run for a throwing constructor
    throw EglError(fmt::format("the {} EGL display lacks {} ({})", platform_name(), missing, hint_));
  }
}

void EglPlatformDisplay::terminate() {
  if (display_ == EGL_NO_DISPLAY) return;
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  if (gbm_) eglTerminate(display_);
  display_ = EGL_NO_DISPLAY;
}

}  // namespace vugpu::egl
