#include "virgl_renderer.hpp"

#include "dmabuf_export.hpp"
#include "resource_state.hpp"
#include "virgl_library.hpp"

namespace vugpu::virgl {

VirglRenderer::VirglRenderer(HostServices& host, const VirglOptions& options)
    : host_(host), device_thread_(std::this_thread::get_id()) {
  library_ = std::make_shared<VirglLibrary>(options.render_node, host_.log(),
                                            [this](uint32_t fence) { on_fence_written(fence); });

  for (uint32_t id : {kCapsetVirgl, kCapsetVirgl2}) {
    uint32_t max_version = 0, max_size = 0;
    virgl_renderer_get_cap_set(id, &max_version, &max_size);
    if (max_size > 0) capsets_.push_back(CapsetInfo{id, max_version, max_size});
  }
  can_export_dmabuf_ = can_export_dmabuf(library_->egl());

  if (const int fd = library_->poll_fd(); fd >= 0)
    poll_watch_ = host_.watch_fd(fd, [this] { retire_fences(); });
  host_.log().info("{} capsets, scanouts by {}", capsets_.size(),
                   can_export_dmabuf_ ? "dmabuf export" : "CPU readback of the damaged rectangle");
}

VirglRenderer::~VirglRenderer() {
  if (poll_watch_) host_.unwatch_fd(*poll_watch_);
  library_.reset();  // virgl_renderer_cleanup, while fences_ and host_ are still valid
}

RendererFeatures VirglRenderer::features() const {
  RendererFeatures f;
  f.virgl = true;
  f.context_init = false;  // 0.10.4 has no per-context fence rings for virgl contexts
  f.num_capsets = uint32_t(capsets_.size());
  return f;
}

bool VirglRenderer::on_device_thread(const char* what) const {
  if (std::this_thread::get_id() == device_thread_) return true;
  host_.log().error("{} called off the device loop thread; refused", what);
  return false;
}

VirglResourceState* VirglRenderer::state_of(Resource& res) const {
  return dynamic_cast<VirglResourceState*>(res.renderer_state.get());
}

}  // namespace vugpu::virgl
