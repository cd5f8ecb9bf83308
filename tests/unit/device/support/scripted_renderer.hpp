// A renderer for the device's 3D and fence paths, which the 2D pixman plugin does not have and
// whose real implementation (renderer.virgl) is tested on its own: it forwards every 2D call to
// a real renderer (the pixman plugin) and answers the optional 3D calls as scripted, recording
// what the device passed. Fences can be deferred to test completion order.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include "vugpu/host.hpp"
#include "vugpu/renderer.hpp"

namespace vugpu::test {

class ScriptedRenderer final : public Renderer {
 public:
  explicit ScriptedRenderer(Renderer& base) : base_(base) {}

  // Script.
  RendererFeatures feats{true, false, 0};
  std::vector<CapsetInfo> capsets;
  uint32_t capset_fill_bytes = 0;      // capset() writes this many 0x5c bytes at the start
  bool defer_fences = false;           // create_fence returns true: the test signals later
  std::function<void(const ScriptedRenderer&)> inside_create_fence;  // runs before it returns
  uint64_t host_bytes_3d = 4096;
  std::optional<Status> fail_next;     // next 3D call returns this

  // Records.
  struct FenceCall { uint32_t ctx_id; bool on_ring; uint32_t ring_idx; uint64_t fence_id; };
  std::vector<FenceCall> fences;
  std::vector<std::pair<uint32_t, std::string>> contexts_created;  // id, name
  std::vector<uint32_t> contexts_destroyed;
  std::vector<std::pair<uint32_t, uint32_t>> attached, detached;   // ctx, resource
  std::vector<std::vector<uint8_t>> submits;
  std::vector<Transfer3D> transfers_to_host, transfers_from_host;
  std::vector<Resource3DArgs> created_3d;
  int resets = 0;
  bool capset_buffer_was_zero = false;
  size_t capset_buffer_size = 0;

  RendererFeatures features() const override { return feats; }
  Status create_2d(Resource& res) override { return base_.create_2d(res); }
  void destroy(Resource& res) override { base_.destroy(res); }
  Status attach_backing(Resource& res) override { return base_.attach_backing(res); }
  void detach_backing(Resource& res) override { base_.detach_backing(res); }
  Status transfer_to_host_2d(Resource& res, const Rect& r, uint64_t offset) override {
    return base_.transfer_to_host_2d(res, r, offset);
  }
  Status frame(Resource& res, const Rect& damage, Frame& out) override { return base_.frame(res, damage, out); }

  Status capset_info(uint32_t index, CapsetInfo& out) override;
  Status capset(uint32_t id, uint32_t version, std::span<uint8_t> out) override;
  Status create_3d(Resource& res) override;
  Status context_create(uint32_t ctx_id, uint32_t context_init, std::string_view name) override;
  void context_destroy(uint32_t ctx_id) override { contexts_destroyed.push_back(ctx_id); }
  Status context_attach(uint32_t ctx_id, Resource& res) override;
  Status context_detach(uint32_t ctx_id, Resource& res) override;
  Status transfer_to_host_3d(Resource& res, const Transfer3D& t) override;
  Status transfer_from_host_3d(Resource& res, const Transfer3D& t) override;
  Status submit_3d(uint32_t ctx_id, std::span<const uint8_t> commands) override;
  bool create_fence(uint32_t ctx_id, bool on_ring, uint32_t ring_idx, uint64_t fence_id) override;
  void reset() override { ++resets; }

 private:
  Status scripted() {
    Status s = fail_next.value_or(Status::Ok);
    fail_next.reset();
    return s;
  }
  Renderer& base_;
};

}  // namespace vugpu::test
