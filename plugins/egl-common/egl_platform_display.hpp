// An EGL display without a window system, as renderer.virgl and present.egl-headless open it.
//
// Default: the surfaceless platform (EGL_MESA_platform_surfaceless: no window system, no render
// node; llvmpipe where there is no GPU). With a render node path: that DRM node through GBM.
// Checked for EGL_KHR_surfaceless_context, EGL_KHR_create_context and configless contexts
// (EGL_KHR_no_config_context or EGL_MESA_configless_context): the caller makes its own contexts.
//
// Threading: construct, terminate and destroy on one thread (the owner's); handle(),
// has_extension() and platform_name() from any thread (EGL is thread-safe, the rest is const).
#pragma once
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include "vugpu/unique_fd.hpp"

struct gbm_device;

namespace vugpu::egl {

// No usable display (or context); what() is one line ending in a hint.
struct EglError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `word` is one of the space-separated names in `list` (an EGL extension string; null: none).
bool has_word(const char* list, std::string_view word);

// "EGL_BAD_ALLOC" etc. for messages.
const char* egl_error_name(EGLint error);

class EglPlatformDisplay {
 public:
  // render_node empty: surfaceless. `hint`: "hint: ..." closing every message about EGL itself;
  // `use`: what the plugin does with EGL surfaceless ("render", "compose"), in the hint of a
  // render node that cannot be opened. `also_needed`: display extensions the plugin cannot do
  // without. Throws EglError naming the first thing missing.
  EglPlatformDisplay(const std::string& render_node, std::string hint, const char* use,
                     std::initializer_list<const char*> also_needed = {});
  ~EglPlatformDisplay() { terminate(); }
  EglPlatformDisplay(const EglPlatformDisplay&) = delete;
  EglPlatformDisplay& operator=(const EglPlatformDisplay&) = delete;

  EGLDisplay handle() const { return display_; }
  const char* platform_name() const { return render_node_.empty() ? "surfaceless" : "gbm"; }
  bool has_extension(const char* name) const { return has_word(extensions_.c_str(), name); }
  const std::string& hint() const { return hint_; }

  // Releases this thread's current context; ends a GBM display (the surfaceless display is one
  // per process, shared with any other EGL user in it: terminating it would pull the rug from
  // under them). Idempotent; handle() is EGL_NO_DISPLAY afterwards.
  void terminate();

 private:
  struct GbmDeleter {
    void operator()(gbm_device* d) const;
  };

  std::string render_node_;
  std::string hint_;
  UniqueFd node_fd_;
  std::unique_ptr<gbm_device, GbmDeleter> gbm_;  // destroyed after the display is terminated
  EGLDisplay display_ = EGL_NO_DISPLAY;
  std::string extensions_;
};

}  // namespace vugpu::egl
