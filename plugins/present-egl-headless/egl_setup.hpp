// The EGL display and GLES 3 context present.egl-headless composes with, and what they offer.
//
// Default: the surfaceless platform (EGL_MESA_platform_surfaceless: no window system, no render
// node; llvmpipe where there is no GPU). With a render node: that DRM node through GBM.
//
// Threading: construct, use and destroy on the GL thread only; the context is current there
// from construction to destruction.
#pragma once
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <string>
#include "egl_platform_display.hpp"

namespace vugpu::egl_headless {

// Start-up failure; what() is one line ending in a hint.
using EglError = egl::EglError;

// EGL_KHR_fence_sync and EGL_KHR_image_base entry points (looked up once).
struct EglEntryPoints {
  PFNEGLCREATESYNCKHRPROC create_sync = nullptr;
  PFNEGLDESTROYSYNCKHRPROC destroy_sync = nullptr;
  PFNEGLCLIENTWAITSYNCKHRPROC client_wait_sync = nullptr;
  PFNEGLCREATEIMAGEKHRPROC create_image = nullptr;    // null without dma-buf import
  PFNEGLDESTROYIMAGEKHRPROC destroy_image = nullptr;
  void (*image_target_texture)(unsigned target, void* image) = nullptr;  // glEGLImageTargetTexture2DOES
};

class EglSetup {
 public:
  // render_node empty: surfaceless. Throws EglError.
  explicit EglSetup(const std::string& render_node);
  ~EglSetup();
  EglSetup(const EglSetup&) = delete;
  EglSetup& operator=(const EglSetup&) = delete;

  EGLDisplay display() const { return display_.handle(); }
  const EglEntryPoints& egl() const { return entry_; }
  const char* platform_name() const { return display_.platform_name(); }
  // EGL_EXT_image_dma_buf_import (+ GL_OES_EGL_image): dma-buf frames go to the GPU uncopied.
  bool can_import_dmabuf() const { return entry_.create_image != nullptr; }
  bool has_import_modifiers() const { return import_modifiers_; }
  // Why dma-buf import is unavailable ("" when it is available).
  const std::string& import_problem() const { return import_problem_; }
  const std::string& renderer_name() const { return renderer_; }

 private:
  void create_context();
  void find_entry_points();
  void release();

  egl::EglPlatformDisplay display_;  // plugins/egl-common: shared with renderer.virgl
  EGLContext context_ = EGL_NO_CONTEXT;
  EglEntryPoints entry_;
  bool import_modifiers_ = false;
  std::string import_problem_;
  std::string renderer_;
};

}  // namespace vugpu::egl_headless
