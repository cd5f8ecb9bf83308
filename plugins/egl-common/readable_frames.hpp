// What present.sdl and present.gtk can read of a frame: its pixels, or, for a frame that only
// has a dma-buf, the view read back through EGL (DmabufReader) where the host can import
// dma-bufs. Where it cannot, such frames are not shown: said once at start-up (with the reason)
// and once when the first one arrives.
//
// Threading: the toolkit thread only (construct, readable(), destroy).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include "dmabuf_reader.hpp"
#include "vugpu/frame.hpp"
#include "vugpu/log.hpp"

namespace vugpu::egl {

class ReadableFrames {
 public:
  // `plugin` names the presenter in the log lines; `count_read_back` is told the bytes the GPU
  // copies into memory for each frame read back (the presenter's copy counter).
  ReadableFrames(Log& log, const char* plugin, std::function<void(uint64_t)> count_read_back);

  // True when dma-buf frames are read back (EGL_EXT_image_dma_buf_import on the surfaceless display).
  bool imports() const { return reader_ != nullptr; }

  // `frame` itself when it has pixels; its read-back when it has only a dma-buf and import
  // works (the read-back is finished and counted: the frame may be released); null otherwise.
  const Frame* readable(uint32_t scanout_id, const Frame& frame);

 private:
  Log& log_;
  const char* plugin_;
  std::function<void(uint64_t)> count_read_back_;
  std::unique_ptr<DmabufReader> reader_;
  std::string problem_;  // why not, when reader_ is null
  std::optional<Frame> last_;  // the last read-back frame (its pixels are reader_'s)
  bool warned_ = false;
};

}  // namespace vugpu::egl
