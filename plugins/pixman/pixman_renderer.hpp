// The 2D renderer: each resource is a pixman image in host memory (stride = width * 4); a
// TRANSFER_TO_HOST_2D copies the guest's rows into it; frame() hands presenters a CPU view of it.
// No 3D, no fences (every command is complete when it returns).
//
// Threading: device loop thread only (Renderer's rule). Presenters may read an image's pixels
// on their own threads until they release the frame; the core holds back later commands until then.
#pragma once
#include <vugpu/host.hpp>
#include <vugpu/renderer.hpp>

namespace vugpu::pixman {

class PixmanRenderer final : public Renderer {
 public:
  explicit PixmanRenderer(HostServices& host) : host_(host) {}

  Status create_2d(Resource& res) override;
  void destroy(Resource& res) override;
  Status transfer_to_host_2d(Resource& res, const Rect& rect, uint64_t offset) override;
  Status frame(Resource& res, const Rect& damage, Frame& out) override;

 private:
  HostServices& host_;
};

}  // namespace vugpu::pixman
