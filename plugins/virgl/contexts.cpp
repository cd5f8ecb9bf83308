// 3D contexts and command submission. Device loop thread.
#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include "command_framing.hpp"
#include "resource_state.hpp"
#include "virgl_api.hpp"
#include "virgl_renderer.hpp"

namespace vugpu::virgl {

namespace {
constexpr uint32_t kCapsetIdMask = VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK;
constexpr size_t kMaxNameLength = 64;  // virtio_gpu_ctx_create.debug_name
}  // namespace

Status VirglRenderer::context_create(uint32_t ctx_id, uint32_t context_init, std::string_view name) {
  if (!on_device_thread("context_create")) return Status::Unspec;
  if (ctx_id == 0) return Status::InvalidContextId;
  // The guest's name may be unterminated or padded: keep up to the first NUL, 64 at most,
  // and hand the library a terminated copy.
  const std::string debug_name(name.substr(0, std::min({name.size(), kMaxNameLength, name.find('\0')})));

  const uint32_t capset_id = context_init & kCapsetIdMask;
  if (context_init & ~kCapsetIdMask) return Status::InvalidParameter;
  if (capset_id != 0 && capset_id != kCapsetVirgl && capset_id != kCapsetVirgl2) return Status::InvalidParameter;
  const int ret = capset_id == 0
                      ? virgl_renderer_context_create(ctx_id, uint32_t(debug_name.size()), debug_name.c_str())
                      : virgl_renderer_context_create_with_flags(ctx_id, context_init, uint32_t(debug_name.size()),
                                                                 debug_name.c_str());
  return status_from_virgl(ret);
}

void VirglRenderer::context_destroy(uint32_t ctx_id) {
  if (!on_device_thread("context_destroy")) return;
  virgl_renderer_context_destroy(ctx_id);
}

Status VirglRenderer::context_attach(uint32_t ctx_id, Resource& res) {
  if (!on_device_thread("context_attach")) return Status::Unspec;
  if (!state_of(res)) return Status::InvalidResourceId;
  virgl_renderer_ctx_attach_resource(int(ctx_id), int(res.id));
  return Status::Ok;
}

Status VirglRenderer::context_detach(uint32_t ctx_id, Resource& res) {
  if (!on_device_thread("context_detach")) return Status::Unspec;
  if (!state_of(res)) return Status::InvalidResourceId;
  virgl_renderer_ctx_detach_resource(int(ctx_id), int(res.id));
  return Status::Ok;
}

Status VirglRenderer::submit_3d(uint32_t ctx_id, std::span<const uint8_t> commands) {
  if (!on_device_thread("submit_3d")) return Status::Unspec;
  if (commands.size() % sizeof(uint32_t) != 0) return Status::InvalidParameter;
  const size_t dwords = commands.size() / sizeof(uint32_t);
  if (dwords > size_t(INT32_MAX)) return Status::InvalidParameter;
  // virglrenderer decodes in place, reading some words more than once: it gets a private,
  // aligned copy, never a view of guest RAM the guest could change under it.
  try {
    submit_buffer_.resize(dwords);
  } catch (const std::exception&) {
    return Status::OutOfMemory;
  }
  if (dwords) std::memcpy(submit_buffer_.data(), commands.data(), commands.size());
  if (!well_framed(submit_buffer_)) {
    host_.log().debug("context {} sent a {}-byte buffer that is not a command stream", ctx_id,
                      commands.size());
    return Status::InvalidParameter;
  }
  const int ret = virgl_renderer_submit_cmd(submit_buffer_.data(), int(ctx_id), int(dwords));
  if (ret != 0) host_.log().debug("context {} rejected a {}-byte command buffer: error {}", ctx_id,
                                  commands.size(), ret);
  return status_from_virgl(ret);
}

}  // namespace vugpu::virgl
