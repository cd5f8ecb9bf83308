// Minimal renderer and presenter for the test plugins: they do nothing and say so.
#pragma once
#include <vugpu/plugin.hpp>

namespace vugpu_test {

class NullRenderer final : public vugpu::Renderer {
 public:
  vugpu::Status create_2d(vugpu::Resource&) override { return vugpu::Status::Ok; }
  vugpu::Status transfer_to_host_2d(vugpu::Resource&, const vugpu::Rect&, uint64_t) override { return vugpu::Status::Ok; }
  vugpu::Status frame(vugpu::Resource&, const vugpu::Rect&, vugpu::Frame&) override { return vugpu::Status::NotSupported; }
};

class NullPresenter final : public vugpu::Presenter {
 public:
  void set_scanout(uint32_t, const vugpu::DisplayMode&) override {}
  void present(uint32_t, const vugpu::Frame&, const vugpu::Rect&, vugpu::FrameRelease) override {}
};

inline std::unique_ptr<vugpu::Renderer> make_renderer(vugpu::HostServices&, const vugpu::OptionValues&) {
  return std::make_unique<NullRenderer>();
}
inline std::unique_ptr<vugpu::Presenter> make_presenter(vugpu::HostServices&, const vugpu::OptionValues&) {
  return std::make_unique<NullPresenter>();
}

}  // namespace vugpu_test
