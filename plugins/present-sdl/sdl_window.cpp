#include "sdl_window.hpp"

#include <SDL_opengl.h>
#include <exception>
#include <stdexcept>
#include <string_view>
#include "fit_geometry.hpp"
#include "screenshot.hpp"

namespace vugpu::sdl {

namespace {

uint32_t window_dimension(uint32_t size, uint32_t zoom) {
  const uint64_t d = uint64_t{size} * (zoom == 0 ? 1 : zoom);
  return uint32_t(std::min<uint64_t>(d, 16384));
}

// SDL's render driver called `name`: its index, or -1 when SDL has none.
int render_driver_index(const std::string& name) {
  for (int i = 0; i < SDL_GetNumRenderDrivers(); ++i) {
    SDL_RendererInfo info;
    if (SDL_GetRenderDriverInfo(i, &info) == 0 && name == info.name) return i;
  }
  return -1;
}

// GL_RENDERER of the current OpenGL (ES) context: SDL's GL renderers make theirs current on this
// thread when they are created. "" when there is none.
std::string current_gl_renderer() {
  if (!SDL_GL_GetCurrentContext()) return {};
  using GetString = const GLubyte*(APIENTRY*)(GLenum);
  const auto get_string = reinterpret_cast<GetString>(SDL_GL_GetProcAddress("glGetString"));
  const GLubyte* name = get_string ? get_string(GL_RENDERER) : nullptr;
  return name ? reinterpret_cast<const char*>(name) : "";
}

// Mesa's CPU rasterisers (zink on lavapipe says "zink (llvmpipe ...)"): OpenGL without a GPU.
// Their name, or nullptr for anything else.
const char* cpu_rasteriser(const std::string& gl_renderer) {
  for (const char* name : {"llvmpipe", "softpipe", "swrast", "Software Rasterizer"})
    if (gl_renderer.find(name) != std::string::npos) return name;
  return nullptr;
}

}  // namespace

SdlWindow::SdlWindow(uint32_t scanout_id, const DisplayMode& mode, const SdlOptions& options, Log& log)
    : scanout_id_(scanout_id), options_(options), mode_(mode), zoom_(options.zoom) {
  Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  if (options_.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  own_width_ = int(window_dimension(mode.width, zoom_));
  own_height_ = int(window_dimension(mode.height, zoom_));
  window_ = SDL_CreateWindow("vugpu", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, own_width_, own_height_, flags);
  if (!window_) throw std::runtime_error(std::string("cannot create a window: ") + SDL_GetError());
  fullscreen_ = options_.fullscreen;
  try {
    renderer_ = create_renderer(log);
  } catch (...) {
    SDL_DestroyWindow(window_);
    throw;
  }
  update_title();
  dirty = true;
}

SDL_Renderer* SdlWindow::create_renderer(Log& log) {
  // present.sdl has a window surface only under SDL's software renderer, and on X11 it must go
  // straight into the window (XShmPutImage). By default SDL shows it through an OpenGL texture:
  // on llvmpipe that is ~7x the CPU per frame (bench/README.md, windows). SDL reads the hint once
  // per video start, at its first window surface: hence before every renderer. Normal priority:
  // $SDL_FRAMEBUFFER_ACCELERATION still wins. A GL renderer never makes a window surface. SDL
  // 2.26's Wayland (and KMSDRM) draw a window surface only through a GL texture: there the hint
  // would leave the software renderer no surface at all, and the switch below would gain nothing.
  const char* video = SDL_GetCurrentVideoDriver();
  const bool x11 = video && std::string_view(video) == "x11";
  if (x11) SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  if (!options_.renderer.empty()) {  // a driver named in the options: obeyed
    const int driver = render_driver_index(options_.renderer);
    if (driver < 0) throw std::runtime_error("renderer = \"" + options_.renderer + "\": SDL has no such render driver");
    return checked(SDL_CreateRenderer(window_, driver, 0));
  }
  SDL_Renderer* renderer = checked(SDL_CreateRenderer(window_, -1, 0));
  // $SDL_RENDER_DRIVER, or the choice below for an earlier window (SDL_Quit forgets it): obeyed.
  if (const char* hint = SDL_GetHint(SDL_HINT_RENDER_DRIVER); hint && *hint) return renderer;
  if (!x11) return renderer;
  SDL_RendererInfo info{};
  if (SDL_GetRendererInfo(renderer, &info) != 0 || !info.name || std::string_view(info.name).rfind("opengl", 0) != 0)
    return renderer;
  // SDL's choice is OpenGL (ES): on a CPU rasteriser, the software renderer drawing straight into
  // the window does the same work without GL's texture upload and llvmpipe's threads (1080p on
  // llvmpipe: ~2 ms CPU per frame instead of ~14). On a GPU, SDL's choice stays.
  const std::string gl_renderer = current_gl_renderer();
  const char* rasteriser = cpu_rasteriser(gl_renderer);
  if (!rasteriser) return renderer;
  SDL_DestroyRenderer(renderer);
  // The next windows take the software renderer straight away, without a GL context first.
  SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
  renderer = checked(SDL_CreateRenderer(window_, render_driver_index("software"), 0));
  log.info("OpenGL is {} (no GPU): drawing with SDL's software renderer (GL_RENDERER \"{}\"; renderer = \"{}\" "
           "draws with OpenGL anyway)",
           rasteriser, gl_renderer, info.name);
  return renderer;
}

SDL_Renderer* SdlWindow::checked(SDL_Renderer* renderer) {
  if (!renderer) throw std::runtime_error(std::string("cannot create a renderer: ") + SDL_GetError());
  return renderer;
}

SdlWindow::~SdlWindow() {
  picture_.reset();
  cursor_.reset();
  SDL_DestroyRenderer(renderer_);
  SDL_DestroyWindow(window_);
}

void SdlWindow::update_title() {
  const std::string title = (options_.vm_name.empty() ? std::string("vugpu") : options_.vm_name) + ": scanout " +
                            std::to_string(scanout_id_) + " (" + std::to_string(mode_.width) + "x" +
                            std::to_string(mode_.height) + ")";
  SDL_SetWindowTitle(window_, title.c_str());
}

void SdlWindow::set_mode(const DisplayMode& mode) {
  const bool resized = mode.width != mode_.width || mode.height != mode_.height;
  mode_ = mode;
  // The guest taking the mode this window asked for: the window has that size already (or its
  // user goes on resizing it); resizing it again would start a loop.
  const bool asked = mode.width == asked_.width && mode.height == asked_.height;
  if (resized && !fullscreen_ && !asked) resize_to(mode.width, mode.height);
  if (resized) asked_ = {};  // taken, or the guest chose otherwise: the wish is spent
  update_title();
  SDL_ShowWindow(window_);
  dirty = true;
}

void SdlWindow::resize_to(uint32_t width, uint32_t height) {
  own_width_ = int(window_dimension(width, zoom_));
  own_height_ = int(window_dimension(height, zoom_));
  SDL_SetWindowSize(window_, own_width_, own_height_);
}

void SdlWindow::size_changed(int width, int height, std::chrono::steady_clock::time_point due) {
  if (width == own_width_ && height == own_height_) return;  // ours: the guest's mode, a zoom
  if (zoom_ != 0) return;  // an integer zoom keeps its scale; only "fit" follows the window
  resize_due_ = due;
}

std::optional<DisplayMode> SdlWindow::take_due_resize(std::chrono::steady_clock::time_point now) {
  if (!resize_due_ || now < *resize_due_) return std::nullopt;
  resize_due_.reset();
  int w = 0, h = 0;
  SDL_GetRendererOutputSize(renderer_, &w, &h);  // HiDPI: the drawable's pixels
  if (w <= 0 || h <= 0 || (uint32_t(w) == mode_.width && uint32_t(h) == mode_.height)) return std::nullopt;
  asked_ = DisplayMode{uint32_t(w), uint32_t(h), true};
  return asked_;
}

void SdlWindow::hide() {
  SDL_HideWindow(window_);
  dirty = false;
}

ScanoutTexture::Result SdlWindow::upload(const Frame& frame, const Rect& damage, uint64_t& bytes) {
  const auto r = picture_.upload(renderer_, frame, damage, bytes);
  if (r == ScanoutTexture::Result::Uploaded) dirty = true;
  return r;
}

void SdlWindow::toggle_fullscreen() {
  fullscreen_ = !fullscreen_;
  SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
  dirty = true;
}

void SdlWindow::set_zoom(uint32_t zoom) {
  zoom_ = zoom;
  if (!fullscreen_ && zoom_ > 0) resize_to(mode_.width, mode_.height);
  dirty = true;
}

void SdlWindow::draw(const std::string& screenshot_file) {
  dirty = false;
  SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
  SDL_RenderClear(renderer_);
  if (picture_.get()) {
    int dw = 0, dh = 0;
    SDL_GetRendererOutputSize(renderer_, &dw, &dh);  // HiDPI: drawable pixels, not window points
    const Placement where = place(picture_.width(), picture_.height(), uint32_t(std::max(dw, 0)),
                                  uint32_t(std::max(dh, 0)), zoom_);
    const bool nearest = options_.filter == Filter::Nearest || (options_.filter == Filter::Auto && where.integer_scale);
    SDL_SetTextureScaleMode(picture_.get(), nearest ? SDL_ScaleModeNearest : SDL_ScaleModeLinear);
    const SDL_Rect dst{where.x, where.y, int(where.width), int(where.height)};
    SDL_RenderCopyEx(renderer_, picture_.get(), nullptr, &dst, 0.0, nullptr,
                     picture_.bottom_up() ? SDL_FLIP_VERTICAL : SDL_FLIP_NONE);
    cursor_.draw(renderer_, where);
  }
  std::exception_ptr screenshot_error;
  if (!screenshot_file.empty()) {
    try {
      write_screenshot(renderer_, screenshot_file);
    } catch (...) {
      screenshot_error = std::current_exception();
    }
  }
  SDL_RenderPresent(renderer_);
  if (screenshot_error) std::rethrow_exception(screenshot_error);
}

}  // namespace vugpu::sdl
