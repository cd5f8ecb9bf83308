// A virgl command stream is a sequence of commands, each a header word (command | object type
// << 8 | length << 16) and `length` words. virglrenderer 0.10.4 notices a command that runs
// past the end of the buffer, but only logs it and reports success; checking the framing
// first lets the guest see INVALID_PARAMETER for a buffer that is not a command stream.
#pragma once
#include <cstdint>
#include <span>

namespace vugpu::virgl {

constexpr bool well_framed(std::span<const uint32_t> words) {
  size_t at = 0;
  while (at < words.size()) {
    const size_t length = words[at] >> 16;
    if (length > words.size() - at - 1) return false;
    at += 1 + length;
  }
  return true;
}

}  // namespace vugpu::virgl
