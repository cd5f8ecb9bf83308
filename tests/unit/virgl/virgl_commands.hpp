// A tiny encoder for the virgl command stream (virglrenderer's virgl_protocol.h), enough for
// what Mesa's virgl driver sends to clear a colour buffer: sub-context, surface, framebuffer,
// clear. Each command is a header (command | object type << 8 | length << 16) and `length`
// 32-bit words.
#pragma once
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace vugpu::test {

class VirglCommands {
 public:
  static constexpr uint32_t kCreateObject = 1, kSetFramebufferState = 5, kClear = 7, kSetSubCtx = 28,
                            kCreateSubCtx = 29;
  static constexpr uint32_t kObjectSurface = 8;
  static constexpr uint32_t kClearColor0 = 1u << 2;

  VirglCommands& create_sub_ctx(uint32_t id) { return cmd(kCreateSubCtx, 0, {id}); }
  VirglCommands& set_sub_ctx(uint32_t id) { return cmd(kSetSubCtx, 0, {id}); }
  // A colour surface on level 0, layer 0 of a texture.
  VirglCommands& create_surface(uint32_t handle, uint32_t resource, uint32_t format) {
    return cmd(kCreateObject, kObjectSurface, {handle, resource, format, 0, 0});
  }
  VirglCommands& set_framebuffer(uint32_t colour_surface) { return cmd(kSetFramebufferState, 0, {1, 0, colour_surface}); }
  VirglCommands& clear(float r, float g, float b, float a) {
    return cmd(kClear, 0, {kClearColor0, bits(r), bits(g), bits(b), bits(a), 0, 0, 0});
  }
  // Raw words (for malformed streams).
  VirglCommands& raw(std::initializer_list<uint32_t> words) {
    words_.insert(words_.end(), words);
    return *this;
  }

  std::span<const uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t*>(words_.data()), words_.size() * sizeof(uint32_t)};
  }

 private:
  VirglCommands& cmd(uint32_t command, uint32_t object, std::initializer_list<uint32_t> body) {
    words_.push_back(command | object << 8 | uint32_t(body.size()) << 16);
    words_.insert(words_.end(), body);
    return *this;
  }
  static uint32_t bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
  }
  std::vector<uint32_t> words_;
};

}  // namespace vugpu::test
