#include "support/scripted_renderer.hpp"

#include <algorithm>

namespace vugpu::test {

Status ScriptedRenderer::capset_info(uint32_t index, CapsetInfo& out) {
  if (index >= capsets.size()) return Status::InvalidParameter;
  out = capsets[index];
  return Status::Ok;
}

Status ScriptedRenderer::capset(uint32_t, uint32_t, std::span<uint8_t> out) {
  capset_buffer_size = out.size();
  capset_buffer_was_zero = std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; });
  std::fill_n(out.begin(), std::min<size_t>(capset_fill_bytes, out.size()), 0x5c);
  return scripted();
}

Status ScriptedRenderer::create_3d(Resource& res) {
  if (Status s = scripted(); s != Status::Ok) return s;
  created_3d.push_back(res.args3d);
  res.host_bytes = host_bytes_3d;
  return Status::Ok;
}

Status ScriptedRenderer::context_create(uint32_t ctx_id, uint32_t, std::string_view name) {
  if (Status s = scripted(); s != Status::Ok) return s;
  contexts_created.emplace_back(ctx_id, std::string(name));
  return Status::Ok;
}

Status ScriptedRenderer::context_attach(uint32_t ctx_id, Resource& res) {
  attached.emplace_back(ctx_id, res.id);
  return scripted();
}

Status ScriptedRenderer::context_detach(uint32_t ctx_id, Resource& res) {
  detached.emplace_back(ctx_id, res.id);
  return scripted();
}

Status ScriptedRenderer::transfer_to_host_3d(Resource&, const Transfer3D& t) {
  transfers_to_host.push_back(t);
  return scripted();
}

Status ScriptedRenderer::transfer_from_host_3d(Resource&, const Transfer3D& t) {
  transfers_from_host.push_back(t);
  return scripted();
}

Status ScriptedRenderer::submit_3d(uint32_t, std::span<const uint8_t> commands) {
  submits.emplace_back(commands.begin(), commands.end());
  return scripted();
}

bool ScriptedRenderer::create_fence(uint32_t ctx_id, bool on_ring, uint32_t ring_idx, uint64_t fence_id) {
  fences.push_back({ctx_id, on_ring, ring_idx, fence_id});
  if (inside_create_fence) inside_create_fence(*this);
  return defer_fences;
}

}  // namespace vugpu::test
