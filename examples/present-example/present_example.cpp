// present.example: the smallest useful presenter. It counts the frames vugpu presents and, when
// vugpu stops, writes the last picture of scanout 0 as a PPM file (option `ppm_path`).
// Built out of tree against the installed SDK; see docs/writing-a-presenter.md.
//
// Threading: vugpu calls every Presenter method on its device loop thread, so this presenter
// needs no lock. It copies what it needs inside present() and drops the FrameRelease at once:
// the guest's flush completes as soon as present() returns.
#include <drm_fourcc.h>
#include <vugpu/plugin.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

class ExamplePresenter final : public vugpu::Presenter {
 public:
  ExamplePresenter(vugpu::HostServices& host, std::string ppm_path)
      : host_(host), ppm_path_(std::move(ppm_path)) {}

  void set_scanout(uint32_t scanout_id, const vugpu::DisplayMode& mode) override {
    host_.log().info("scanout {}: {}x{} {}", scanout_id, mode.width, mode.height, mode.enabled ? "on" : "off");
  }

  void present(uint32_t scanout_id, const vugpu::Frame& frame, const vugpu::Rect& /*damage*/,
               vugpu::FrameRelease /*release: dropped, we copy now*/) override {
    ++frames_;
    if (scanout_id != 0 || !frame.pixels) return;  // a dmabuf-only frame has no CPU view
    const bool bgr = frame.fourcc == DRM_FORMAT_XRGB8888 || frame.fourcc == DRM_FORMAT_ARGB8888;
    const bool rgb = frame.fourcc == DRM_FORMAT_XBGR8888 || frame.fourcc == DRM_FORMAT_ABGR8888;
    if (!bgr && !rgb) return;  // other formats: not this example's business
    width_ = frame.view.width;
    height_ = frame.view.height;
    rgb_.resize(size_t{width_} * height_ * 3);
    for (uint32_t y = 0; y < height_; ++y) {
      const uint8_t* src = frame.at(0, y);
      uint8_t* dst = &rgb_[size_t{y} * width_ * 3];
      for (uint32_t x = 0; x < width_; ++x, src += 4, dst += 3) {
        dst[0] = bgr ? src[2] : src[0];  // little-endian XRGB8888 is B, G, R, X in memory
        dst[1] = src[1];
        dst[2] = bgr ? src[0] : src[2];
      }
    }
  }

  void shutdown() override {
    host_.log().info("{} frames presented", frames_);
    if (rgb_.empty() || ppm_path_.empty()) return;
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(ppm_path_.c_str(), "wb"), &std::fclose);
    if (!file) {
      host_.log().error("cannot write {}", ppm_path_);
      return;
    }
    std::fprintf(file.get(), "P6\n%u %u\n255\n", width_, height_);
    std::fwrite(rgb_.data(), 1, rgb_.size(), file.get());
    host_.log().info("wrote {} ({}x{})", ppm_path_, width_, height_);
  }

 private:
  vugpu::HostServices& host_;
  const std::string ppm_path_;
  uint64_t frames_ = 0;
  uint32_t width_ = 0, height_ = 0;
  std::vector<uint8_t> rgb_;  // the last frame of scanout 0
};

const vugpu::OptionSpec kOptions[] = {
    {"ppm_path", vugpu::OptionType::String, "present-example.ppm",
     "PPM file written at exit with the last picture of scanout 0; empty = none"},
};

std::unique_ptr<vugpu::Presenter> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<ExamplePresenter>(host, options.get_string("ppm_path"));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor present_example_descriptor = vugpu::make_presenter_descriptor(
    "present.example", "1.0.0", "Example: counts frames, writes the last one as a PPM at exit", kOptions, create);
VUGPU_EXPORT_PLUGIN(present_example_descriptor)
