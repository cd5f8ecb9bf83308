// A Device wired the way the daemon wires it, minus the transport: a real EventLoop with the
// core's LoopHostServices, the real renderer.pixman plugin (loaded with the core's plugin
// loader from the build tree), fake guest RAM in a real GuestMemory, and test presenters. Tests
// submit request bytes as descriptor chains and read back the responses and completions.
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>
#include "device/device.hpp"
#include "host/host_links.hpp"
#include "host/loop_host_services.hpp"
#include "loop/event_loop.hpp"
#include "plugin/loader.hpp"
#include "plugin/plugin_instance.hpp"
#include "support/capturing_log.hpp"
#include "support/commands.hpp"
#include "support/guest_ram.hpp"
#include "support/scripted_renderer.hpp"
#include "support/test_presenter.hpp"

namespace vugpu::test {

// Finds plugins in $VUGPU_PLUGIN_PATH (set by ctest), then this build's plugin folder.
PluginLoader test_plugin_loader();
// The real pixman plugin, found that way.
PluginInstance<Renderer> load_pixman(HostServices& host);

struct SubmitOptions {
  size_t response_capacity = 4096;
  std::vector<size_t> readable_split;   // sizes of the leading readable buffers; the rest follows in one
  size_t readable_chunk = 0;            // nonzero: every readable buffer this size (the last shorter)
  std::vector<size_t> writable_split;   // same for the response room
  uint8_t fill = 0xaa;                  // the response room holds this before the device writes
};

struct Submitted {
  uint16_t head = 0;
  QueueId queue = QueueId::Control;
  std::vector<std::vector<uint8_t>> readable;
  std::vector<uint8_t> response;
  bool completed = false;
  uint32_t written = 0;

  virtio_gpu_ctrl_hdr header() const;  // zero when fewer than 24 bytes were written
  uint32_t type() const { return header().type; }
};

struct HarnessOptions {
  DeviceSettings settings;
  size_t presenters = 1;
  bool scripted = false;  // put a ScriptedRenderer (3D, fences) in front of pixman
  std::function<void(ScriptedRenderer&)> script;  // runs before the device is made (features)
};

class DeviceHarness {
 public:
  explicit DeviceHarness(HarnessOptions options = {});
  ~DeviceHarness();

  Submitted& submit(QueueId queue, std::vector<uint8_t> request, const SubmitOptions& options = {});
  // Submits on the control queue and returns the response type; throws when the command did
  // not complete at once.
  uint32_t call(std::vector<uint8_t> request);
  uint32_t cursor(std::vector<uint8_t> request);  // cursor queue; returns 0 (no response)

  // Creates a 2D resource with a backing of the given kind; throws unless both succeed.
  enum class Layout { Pages, Chunks, Contiguous };
  Backing make_resource(uint32_t id, uint32_t width, uint32_t height, uint32_t format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
                        Layout layout = Layout::Pages);

  // Runs the loop until done() or the timeout; returns done().
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  // Runs the posted work that is ready now.
  void drain();

  Renderer& renderer() { return scripted ? static_cast<Renderer&>(*scripted) : *pixman; }
  TestPresenter& presenter(size_t i = 0) { return *presenters.at(i); }

  EventLoop loop;
  CapturingLog log;
  HostLinks links;
  LoopHostServices host{loop, log, links};
  GuestRam ram;
  PluginInstance<Renderer> pixman;
  std::unique_ptr<ScriptedRenderer> scripted;
  std::vector<std::unique_ptr<TestPresenter>> presenters;
  std::unique_ptr<Device> device;

  std::map<uint16_t, Submitted> sent;
  std::vector<std::pair<QueueId, uint16_t>> completions;  // in completion order

 private:
  uint16_t next_head_ = 0;
};

// Deterministic pixel bytes for a w x h image (4 bytes a pixel), different per seed.
std::vector<uint8_t> pattern(uint32_t width, uint32_t height, uint32_t seed);

}  // namespace vugpu::test
