// F12: what a window shows (picture, bars, cursor, at the window's drawable size) as a PNG file
// (libspng, RGB). SDL thread only: it reads the renderer's current back buffer, so call it right
// after drawing and before presenting.
#pragma once
#include <SDL.h>
#include <cstdint>
#include <string>

namespace vugpu::sdl {

// "%s" -> scanout id, "%n" -> number, "%%" -> "%". Throws std::invalid_argument for another "%x".
std::string expand_screenshot_path(const std::string& pattern, uint32_t scanout_id, uint64_t number);
void check_screenshot_path(const std::string& pattern);

// Throws std::runtime_error naming the file and the reason.
void write_screenshot(SDL_Renderer* renderer, const std::string& file);

}  // namespace vugpu::sdl
