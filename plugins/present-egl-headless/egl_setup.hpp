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
#include <optional>
#include "egl_dmabuf_import.hpp"
#include "egl_platform_display.hpp"

namespace vugpu::egl_headless {

// Start-up failure; what() is one line ending in a hint.
using EglError = egl::EglError;

// EGL_KHR_fence_sync entry points (looked up once).
struct EglEntryPoints {
  PFNEGLCREATESYNCKHRPROC create_sync = nullptr;
  PFNEGLDESTROYSYNCKHRPROC destroy_sync = nullptr;
  PFNEGLCLIENTWAITSYNCKHRPROC client_wait_sync = nullptr;
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
  // EGL_EXT_image_dma_buf_import (+ GL_OES_EGL_image): dma-buf frames go to the GPU uncopied
  // (plugins/egl-common's DmabufImport).
  const egl::DmabufImport& dmabuf_import() const { return *import_; }
  bool can_import_dmabuf() const { return import_ && import_->available(); }
  // Why dma-buf import is unavailable ("" when it is available).
  const std::string& import_problem() const { return import_->problem(); }
  const std::string& renderer_name() const { return renderer_; }

 private:
  void create_context();
  void find_entry_points();
  void release();

  egl::EglPlatformDisplay display_;  // plugins/egl-common: shared with renderer.virgl
  EGLContext context_ = EGL_NO_CONTEXT;
  EglEntryPoints entry_;
  std::optional<egl::DmabufImport> import_;  // once the context is current
  std::string renderer_;
};

}  // namespace vugpu::egl_headless
