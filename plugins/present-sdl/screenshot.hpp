// F12: what a window shows (picture, bars, cursor, at the window's drawable size) as a PNG file.
// SDL thread only: it reads the renderer's current back buffer, so call it right after drawing
// and before presenting.
#pragma once
#include <SDL.h>
#include <string>

namespace vugpu::sdl {

// Throws std::runtime_error naming the file and the reason.
void write_screenshot(SDL_Renderer* renderer, const std::string& file);

}  // namespace vugpu::sdl
