// Scanout frames of virgl resources. Device loop thread.
//
// Where the EGL display can export a texture as a dmabuf (a real render node), a presenter gets
// the dmabuf and no byte is copied. Otherwise (EGL surfaceless, llvmpipe) only the damaged
// rectangle is read back into a host buffer the resource owns.
//
// Orientation: virglrenderer's transfers hand out rows the way the guest addresses them (it
// flips resources created with VIRGL_RESOURCE_Y_0_TOP and leaves the others, whose first
// texture row already is the guest's row 0), so a readback is always top-down:
// Frame::y0_top = true. A dmabuf shows the texture's own memory, in which Y_0_TOP resources
// (the guest's 2D console) are stored bottom-up: there Frame::y0_top = !Y_0_TOP.
#include <drm_fourcc.h>
#include "dmabuf_export.hpp"
#include "resource_state.hpp"
#include "virgl_api.hpp"
#include "virgl_library.hpp"
#include "virgl_renderer.hpp"
#include "vugpu/format.hpp"

namespace vugpu::virgl {

namespace {

bool fill_from_dmabuf(VirglResourceState& st, const EglDisplay& egl, const virgl_renderer_resource_info& info,
                      Frame& out) {
  if (st.dmabuf_failed) return false;
  if (!st.dmabuf()) {
    virgl_renderer_force_ctx_0();  // a context sharing the texture, and the guest's work flushed
    st.dmabuf() = export_texture(egl, info.tex_id);
    if (!st.dmabuf()) {
      st.dmabuf_failed = true;
      return false;
    }
  } else {
    virgl_renderer_force_ctx_0();  // switching contexts flushes the guest's rendering
  }
  const DmabufExport& d = *st.dmabuf();
  out.pixels = nullptr;
  out.dmabuf_fd = d.fd.get();
  out.dmabuf_offset = d.offset;
  out.stride = d.stride;
  out.fourcc = d.fourcc;
  out.modifier = d.modifier;
  out.y0_top = (info.flags & kResourceY0Top) == 0;
  return true;
}

}  // namespace

Status VirglRenderer::frame(Resource& res, const Rect& damage, Frame& out) {
  if (!on_device_thread("frame")) return Status::Unspec;
  auto* st = state_of(res);
  if (!st) return Status::InvalidResourceId;

  virgl_renderer_resource_info info{};
  if (virgl_renderer_resource_get_info(int(res.id), &info) != 0) return Status::InvalidResourceId;
  if (res.is_3d && res.args3d.target != kPipeTexture2D && res.args3d.target != kPipeTextureRect)
    return Status::InvalidParameter;  // buffers, cubes, arrays, 3D textures are not images
  const auto fourcc = fourcc_from_virtio(info.virgl_format);  // gallium numbers = virtio 2D numbers
  if (!fourcc || info.width == 0 || info.height == 0) return Status::InvalidParameter;

  out.resource_id = res.id;
  out.width = info.width;
  out.height = info.height;
  if (can_export_dmabuf_ && fill_from_dmabuf(*st, library_->egl(), info, out)) return Status::Ok;

  const uint64_t stride = uint64_t{info.width} * kBytesPerPixel;
  if (stride > UINT32_MAX) return Status::InvalidParameter;
  uint8_t* pixels = st->readback_buffer(stride * info.height);
  if (!pixels) return Status::OutOfMemory;

  const Rect area = damage.intersected(Rect{0, 0, info.width, info.height});
  if (!area.empty()) {
    iovec whole{pixels, size_t(stride * info.height)};
    virgl_box box{area.x, area.y, 0, area.width, area.height, 1};
    const uint64_t offset = uint64_t{area.y} * stride + uint64_t{area.x} * kBytesPerPixel;
    const int ret = virgl_renderer_transfer_read_iov(res.id, 0, 0, uint32_t(stride), 0, &box, offset, &whole, 1);
    if (ret != 0) {
      host_.log().debug("readback of resource {} failed: error {}", res.id, ret);
      return status_from_virgl(ret);
    }
    host_.count_copy(uint64_t{area.width} * area.height * kBytesPerPixel);
  }

  out.pixels = pixels;
  out.stride = uint32_t(stride);
  out.fourcc = *fourcc;
  out.modifier = DRM_FORMAT_MOD_LINEAR;
  out.dmabuf_fd = -1;
  out.dmabuf_offset = 0;
  out.y0_top = true;
  return Status::Ok;
}

}  // namespace vugpu::virgl
