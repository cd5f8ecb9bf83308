// dma-buf frames for the windowed presenters (present.sdl, present.gtk), which draw from memory:
// the frame's dma-buf imported through EGL (egl_dmabuf_import.hpp) on the EGL surfaceless
// display (the host's GPU driver where there is one) and read back into a buffer of ours, which
// then goes the way of a CPU frame (texture upload, cairo picture). Why a read-back and not the
// toolkit's own GL: GTK 3 draws X11 windows with GLX, which cannot take an EGLImage; SDL's
// renderer is GLX on X11 too unless forced to EGL, and an image bound to its texture would be
// read again at every redraw, after the guest got its buffer back. One GPU -> CPU copy of the
// view per frame is the price: a fallback that shows the guest, not the fast path.
//
// The release: glReadPixels returns once the GPU has finished reading the dma-buf (it waits for
// every command before it), so when read() returns the frame may be released at once: nothing
// reads the guest's buffer afterwards, and no fence is left to wait on.
//
// Threading: its own GL thread (the EGL context lives there only: SDL's GL context stays current
// on the SDL thread, and libglvnd allows one API's context per thread). Construct, read() and
// destroy on one thread of the caller's (the toolkit thread); read() blocks that thread, never
// the device loop, until the copy is done.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include "vugpu/frame.hpp"

namespace vugpu::egl {

class DmabufReader {
 public:
  // Starts the GL thread: the surfaceless display, a GLES 3 context, the import. Throws EglError
  // (egl_platform_display.hpp) with one line naming what is missing, e.g. "the surfaceless EGL
  // display cannot import dma-bufs: EGL_EXT_image_dma_buf_import missing".
  DmabufReader();
  ~DmabufReader();
  DmabufReader(const DmabufReader&) = delete;
  DmabufReader& operator=(const DmabufReader&) = delete;

  // The GL renderer's name (GL_RENDERER), for the log.
  const std::string& renderer() const { return renderer_; }

  // The whole view of `frame` (a dma-buf frame) read back: a Frame whose pixels are this
  // object's buffer (valid until the next read()), DRM_FORMAT_ABGR8888 (R, G, B, A bytes),
  // the frame's orientation, the view at (0, 0). nullopt, and `why`, when the driver refuses
  // the buffer. Returns after the GPU finished reading the dma-buf.
  std::optional<Frame> read(const Frame& frame, std::string& why);

 private:
  struct Gl;  // the GL thread's state (EGL display, context, import, framebuffer)
  void run_on_gl_thread(const std::function<void(Gl&)>& job);  // waits for it
  void gl_thread_main();

  std::string renderer_;
  std::vector<uint8_t> pixels_;  // the read-back view; the caller's thread and, during a job, the GL thread

  std::mutex mutex_;
  std::condition_variable cv_;
  const std::function<void(Gl&)>* job_ = nullptr;  // the one pending job, or null
  bool job_done_ = false, stop_ = false;
  std::string start_error_;
  bool started_ = false;
  std::thread thread_;  // last
};

}  // namespace vugpu::egl
