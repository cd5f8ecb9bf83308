// Test harness for renderer.virgl: the real plugin .so (Boost.DLL), a HostServices over a real
// vugpu::EventLoop, and helpers to make resources with guest-like backing.
#pragma once
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <gtest/gtest.h>
#include <sys/uio.h>
#include <boost/dll/shared_library.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>
#include "loop/event_loop.hpp"
#include "vugpu/format.hpp"
#include "vugpu/plugin.hpp"

extern "C" {
#include <virgl/virglrenderer.h>
}

namespace vugpu::test {

class CapturingLog final : public Log {
 public:
  void write(LogLevel level, std::string_view message) override {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(level, std::string(message));
    if (level >= LogLevel::Info) fprintf(stderr, "[log] %.*s\n", int(message.size()), message.data());
  }
  bool enabled(LogLevel) const override { return true; }
  bool contains(std::string_view text, LogLevel at_least = LogLevel::Trace) const {
    std::lock_guard lock(mutex_);
    for (auto& [level, line] : lines_)
      if (level >= at_least && line.find(text) != std::string::npos) return true;
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

struct SignalledFence {
  uint32_t ctx_id, ring_idx;
  uint64_t fence_id;
};

class TestHost final : public HostServices {
 public:
  explicit TestHost(EventLoop& loop) : loop_(loop) {}
  Log& log() override { return log_; }
  void post(std::function<void()> fn) override { loop_.post(std::move(fn)); }
  WatchId watch_fd(int fd, std::function<void()> on_readable) override {
    ++live_watches;
    return loop_.watch(fd, std::move(on_readable));
  }
  void unwatch_fd(WatchId id) override {
    --live_watches;
    loop_.unwatch(id);
  }
  VmmDisplay* vmm_display() override { return nullptr; }
  void fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id) override {
    fences.push_back({ctx_id, ring_idx, fence_id});
  }
  void count_copy(uint64_t bytes) override { copied += bytes; }

  CapturingLog log_;
  std::vector<SignalledFence> fences;
  uint64_t copied = 0;
  int live_watches = 0;

 private:
  EventLoop& loop_;
};

// Why EGL surfaceless cannot work here, or "" when it can (the only reason to skip).
inline std::string egl_surfaceless_problem() {
  const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  if (!client || !std::strstr(client, "EGL_MESA_platform_surfaceless"))
    return "EGL has no EGL_MESA_platform_surfaceless";
  EGLDisplay d = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  EGLint major, minor;
  if (d == EGL_NO_DISPLAY || !eglInitialize(d, &major, &minor)) return "eglInitialize fails on the surfaceless platform";
  return "";
}

inline OptionValues virgl_options(std::string render_node = "") {
  OptionValues o;
  o.set("render_node", std::move(render_node));
  return o;
}

// The plugin as the loader would see it: dlopen'ed with Boost.DLL, the descriptor read by alias.
class LoadedPlugin {
 public:
  LoadedPlugin() : library_(std::filesystem::path(VUGPU_TEST_VIRGL_PLUGIN)) {
    descriptor_ = &library_.get_alias<const PluginDescriptor>(kDescriptorSymbol);
  }
  const PluginDescriptor& descriptor() const { return *descriptor_; }

 private:
  boost::dll::shared_library library_;
  const PluginDescriptor* descriptor_ = nullptr;
};

// Guest RAM stand-in: a resource's backing in several iovec pieces, as scattered guest pages are.
// Once attached, its storage must stay where it is: change it with overwrite(), never by
// assigning a new vector.
struct GuestBacking {
  std::vector<uint8_t> bytes;
  void overwrite(const std::vector<uint8_t>& with) {
    ASSERT_EQ(with.size(), bytes.size());
    std::copy(with.begin(), with.end(), bytes.begin());
  }
  std::vector<iovec> pieces(size_t piece = 4096) {
    std::vector<iovec> v;
    for (size_t off = 0; off < bytes.size(); off += piece)
      v.push_back(iovec{bytes.data() + off, std::min(piece, bytes.size() - off)});
    return v;
  }
};

// Gallium numbers used by the tests.
constexpr uint32_t kTexture2D = 2, kBuffer = 0;
constexpr uint32_t kFormatB8G8R8X8 = 2, kFormatB8G8R8A8 = 1, kFormatR8G8B8A8 = 67;
constexpr uint32_t kBindRenderTarget = 1u << 1, kBindSamplerView = 1u << 3, kBindVertexBuffer = 1u << 4;

class VirglTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto problem = egl_surfaceless_problem(); !problem.empty()) {
      GTEST_SKIP() << "renderer.virgl needs EGL surfaceless here: " << problem;
    }
    plugin_ = std::make_unique<LoadedPlugin>();
    renderer_ = plugin_->descriptor().create_renderer(host_, virgl_options());
    ASSERT_TRUE(renderer_);
  }
  void TearDown() override {
    resources_.clear();  // the core drops resources before the renderer
    renderer_.reset();
    plugin_.reset();     // the library outlives every object it made
  }

  Resource& new_resource(uint32_t id) {
    resources_.push_back(std::make_unique<Resource>());
    resources_.back()->id = id;
    return *resources_.back();
  }
  Resource& make_2d(uint32_t id, uint32_t w, uint32_t h, uint32_t format = kFormatB8G8R8X8) {
    Resource& r = new_resource(id);
    r.virtio_format = format;
    r.fourcc = *fourcc_from_virtio(format);
    r.width = w;
    r.height = h;
    EXPECT_EQ(renderer_->create_2d(r), Status::Ok);
    return r;
  }
  Resource& make_3d(uint32_t id, uint32_t target, uint32_t format, uint32_t bind, uint32_t w, uint32_t h) {
    Resource& r = new_resource(id);
    r.is_3d = true;
    r.virtio_format = format;
    r.width = w;
    r.height = h;
    r.args3d = Resource3DArgs{target, format, bind, w, h, 1, 1, 0, 0, 0};
    EXPECT_EQ(renderer_->create_3d(r), Status::Ok);
    return r;
  }
  void attach(Resource& r, GuestBacking& b) {
    r.backing = b.pieces();
    r.backing_size = b.bytes.size();
    ASSERT_EQ(renderer_->attach_backing(r), Status::Ok);
  }
  // Runs the device loop until pred() or the deadline; returns pred().
  template <typename Pred> bool run_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < deadline) loop_.run_once(100);
    return pred();
  }

  EventLoop loop_;
  TestHost host_{loop_};
  std::unique_ptr<LoadedPlugin> plugin_;
  std::unique_ptr<Renderer> renderer_;
  std::vector<std::unique_ptr<Resource>> resources_;
};

// A recognisable pattern: byte i of row y is (y * 7 + i) & 0xff.
inline std::vector<uint8_t> pattern(uint32_t width, uint32_t height, uint8_t salt = 0) {
  std::vector<uint8_t> v(size_t(width) * height * 4);
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t i = 0; i < width * 4; ++i) v[size_t(y) * width * 4 + i] = uint8_t(y * 7 + i + salt);
  return v;
}

}  // namespace vugpu::test
