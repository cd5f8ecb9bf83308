#include "sdl_window.hpp"

#include <exception>
#include <stdexcept>
#include "fit_geometry.hpp"
#include "screenshot.hpp"

namespace vugpu::sdl {

namespace {

uint32_t window_dimension(uint32_t size, uint32_t zoom) {
  const uint64_t d = uint64_t{size} * (zoom == 0 ? 1 : zoom);
  return uint32_t(std::min<uint64_t>(d, 16384));
}

}  // namespace

SdlWindow::SdlWindow(uint32_t scanout_id, const DisplayMode& mode, const SdlOptions& options)
    : scanout_id_(scanout_id), options_(options), mode_(mode), zoom_(options.zoom) {
  Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  if (options_.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  own_width_ = int(window_dimension(mode.width, zoom_));
  own_height_ = int(window_dimension(mode.height, zoom_));
  window_ = SDL_CreateWindow("vugpu", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, own_width_, own_height_, flags);
  if (!window_) throw std::runtime_error(std::string("cannot create a window: ") + SDL_GetError());
  fullscreen_ = options_.fullscreen;
  const int driver = [&] {
    if (options_.renderer.empty()) return -1;
    for (int i = 0; i < SDL_GetNumRenderDrivers(); ++i) {
      SDL_RendererInfo info;
      if (SDL_GetRenderDriverInfo(i, &info) == 0 && options_.renderer == info.name) return i;
    }
    return -2;
  }();
  if (driver == -2) {
    SDL_DestroyWindow(window_);
    throw std::runtime_error("renderer = \"" + options_.renderer + "\": SDL has no such render driver");
  }
  renderer_ = SDL_CreateRenderer(window_, driver, 0);
  if (!renderer_) {
    const std::string why = SDL_GetError();
    SDL_DestroyWindow(window_);
    throw std::runtime_error("cannot create a renderer: " + why);
  }
  update_title();
  dirty = true;
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
