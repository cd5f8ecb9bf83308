// Writes an image of 32-bit pixels in a 2D DRM fourcc as a PNG file (libspng): RGBA when the
// format has alpha, RGB otherwise. The file appears atomically (written next to it, renamed),
// so a reader never sees half a PNG. Any thread.
#pragma once
#include <cstdint>
#include <filesystem>

namespace vugpu::snapshots {

struct ImageView {
  const uint8_t* pixels = nullptr;
  uint32_t width = 0, height = 0, stride = 0, fourcc = 0;
};

// Throws std::runtime_error with the file name and the reason. Creates missing parent folders.
void write_png(const std::filesystem::path& file, const ImageView& image, int compression_level = 1);

}  // namespace vugpu::snapshots
