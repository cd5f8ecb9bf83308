// renderer.virgl: the vugpu Renderer over virglrenderer (3D for guests with Mesa's virgl
// driver, and the 2D commands a virgl guest still sends, e.g. for its console).
//
// Its methods live in files by concern: virgl_renderer.cpp (start-up, features, threads),
// resources.cpp, contexts.cpp, capsets.cpp, fences.cpp, frame.cpp (scanout readback/export).
//
// Threading: every Renderer method on the device loop thread, which must also be the thread
// that constructs it (virglrenderer's GL contexts are current on that thread). A method called
// from another thread refuses with Status::Unspec and a log line instead of corrupting GL state.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include "fence_timeline.hpp"
#include "vugpu/host.hpp"
#include "vugpu/renderer.hpp"

namespace vugpu::virgl {

class VirglLibrary;
class VirglResourceState;

struct VirglOptions {
  std::string render_node;  // empty: EGL surfaceless
};

class VirglRenderer final : public Renderer {
 public:
  // Throws std::runtime_error (one line, with a hint) when virglrenderer cannot start.
  VirglRenderer(HostServices& host, const VirglOptions& options);
  ~VirglRenderer() override;
  VirglRenderer(const VirglRenderer&) = delete;
  VirglRenderer& operator=(const VirglRenderer&) = delete;

  RendererFeatures features() const override;

  // resources.cpp
  Status create_2d(Resource& res) override;
  Status create_3d(Resource& res) override;
  void destroy(Resource& res) override;
  Status attach_backing(Resource& res) override;
  void detach_backing(Resource& res) override;
  Status transfer_to_host_2d(Resource& res, const Rect& rect, uint64_t offset) override;
  Status transfer_to_host_3d(Resource& res, const Transfer3D& t) override;
  Status transfer_from_host_3d(Resource& res, const Transfer3D& t) override;

  // frame.cpp
  Status frame(Resource& res, const Rect& damage, Frame& out) override;

  // capsets.cpp
  Status capset_info(uint32_t index, CapsetInfo& out) override;
  Status capset(uint32_t id, uint32_t version, std::span<uint8_t> out) override;

  // contexts.cpp
  Status context_create(uint32_t ctx_id, uint32_t context_init, std::string_view name) override;
  void context_destroy(uint32_t ctx_id) override;
  Status context_attach(uint32_t ctx_id, Resource& res) override;
  Status context_detach(uint32_t ctx_id, Resource& res) override;
  Status submit_3d(uint32_t ctx_id, std::span<const uint8_t> commands) override;

  // fences.cpp
  bool create_fence(uint32_t ctx_id, bool on_ring, uint32_t ring_idx, uint64_t fence_id) override;
  void reset() override;

 private:
  bool on_device_thread(const char* what) const;
  VirglResourceState* state_of(Resource& res) const;
  Status transfer_3d(Resource& res, const Transfer3D& t, bool to_host);
  Status create_resource(Resource& res, const Resource3DArgs& args);

  // fences.cpp
  void on_fence_written(uint32_t virgl_fence);  // inside virgl_renderer_poll()
  void retire_fences();                         // poll fd readable
  void wait_for_fence(uint32_t virgl_fence);    // no fence thread: finish synchronously

  HostServices& host_;
  const std::thread::id device_thread_;
  FenceTimeline fences_;
  std::optional<uint32_t> fence_written_;
  std::vector<CapsetInfo> capsets_;
  std::vector<uint32_t> submit_buffer_;
  bool can_export_dmabuf_ = false;
  std::optional<HostServices::WatchId> poll_watch_;
  std::shared_ptr<VirglLibrary> library_;  // resource states watch it (weak_ptr)
};

}  // namespace vugpu::virgl
