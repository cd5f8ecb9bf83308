// Screenshots of the windowed presenters: file name patterns and RGB PNG files (libspng).
// Any thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vugpu::window {

// "%s" -> scanout id, "%n" -> number, "%%" -> "%". Throws std::invalid_argument for another "%x".
std::string expand_screenshot_path(const std::string& pattern, uint32_t scanout_id, uint64_t number);
inline void check_screenshot_path(const std::string& pattern) { (void)expand_screenshot_path(pattern, 0, 0); }

// `rgb`: width * height * 3 bytes, rows top-down. Written next to `file` and renamed, so a
// reader never sees half a file. Throws std::runtime_error naming the file and the reason.
void write_rgb_png(const std::string& file, uint32_t width, uint32_t height, const std::vector<uint8_t>& rgb);

}  // namespace vugpu::window
