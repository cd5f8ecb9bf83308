// One scanout's window: its SDL window and renderer, the picture's texture, the cursor, the
// zoom and fullscreen state. Created when the guest enables the scanout; hidden (never
// destroyed) when it is disabled or closed with close = "hide". SDL thread only.
#pragma once
#include <SDL.h>
#include <chrono>
#include <optional>
#include <cstdint>
#include <memory>
#include <string>
#include "cursor_sprite.hpp"
#include "sdl_options.hpp"
#include "texture_upload.hpp"
#include "vugpu/log.hpp"
#include "vugpu/presenter.hpp"

namespace vugpu::sdl {

class SdlWindow {
 public:
  // Throws std::runtime_error with SDL's reason when the window or its renderer cannot be made.
  // The renderer: the one options.renderer names; without one, SDL's choice, unless that is
  // OpenGL on a CPU rasteriser (llvmpipe: no GPU) under X11, then SDL's software renderer (said
  // on `log`).
  SdlWindow(uint32_t scanout_id, const DisplayMode& mode, const SdlOptions& options, Log& log);
  ~SdlWindow();
  SdlWindow(const SdlWindow&) = delete;
  SdlWindow& operator=(const SdlWindow&) = delete;

  uint32_t sdl_id() const { return SDL_GetWindowID(window_); }
  SDL_Renderer* renderer() const { return renderer_; }

  // The guest (re)set the scanout: show the window, at the new size when it changed.
  void set_mode(const DisplayMode& mode);
  void hide();
  ScanoutTexture::Result upload(const Frame& frame, const Rect& damage, uint64_t& bytes);
  void set_cursor(const CursorState& cursor) { cursor_.update(renderer_, cursor); }

  void toggle_fullscreen();
  void set_zoom(uint32_t zoom);  // 0: fit

  // Window size → guest mode. SDL reported a new size (window points): unless it is the size we
  // gave the window ourselves (a mode the guest set, a zoom), and with scale = "fit", the
  // drawable size goes to the guest once `due` passes without another change.
  void size_changed(int width, int height, std::chrono::steady_clock::time_point due);
  const std::optional<std::chrono::steady_clock::time_point>& resize_due() const { return resize_due_; }
  // The mode to ask the guest for, once due (then forgotten); nothing before, or when the
  // window already shows that mode.
  std::optional<DisplayMode> take_due_resize(std::chrono::steady_clock::time_point now);

  // Draws the picture (letterboxed), the cursor, and presents. With `screenshot_file`, the
  // back buffer is saved first (throws std::runtime_error when it cannot be).
  void draw(const std::string& screenshot_file = {});

  bool dirty = false;  // needs a redraw

 private:
  void update_title();
  SDL_Renderer* create_renderer(Log& log);  // throws as the constructor
  static SDL_Renderer* checked(SDL_Renderer* renderer);  // nullptr: throws SDL's reason

  const uint32_t scanout_id_;
  const SdlOptions& options_;
  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  ScanoutTexture picture_;
  CursorSprite cursor_;
  DisplayMode mode_;
  uint32_t zoom_;
  bool fullscreen_ = false;
  int own_width_ = 0, own_height_ = 0;  // the last size we set (a SIZE_CHANGED to it is ours)
  std::optional<std::chrono::steady_clock::time_point> resize_due_;
  DisplayMode asked_;  // the last mode asked of the guest: its SET_SCANOUT to it resizes nothing
  void resize_to(uint32_t width, uint32_t height);  // our own size change
};

}  // namespace vugpu::sdl
