#include "support/harness.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#ifndef VUGPU_TEST_BUILD_PLUGIN_DIR
#error "VUGPU_TEST_BUILD_PLUGIN_DIR must name the build tree's plugin folder"
#endif

namespace vugpu::test {

PluginLoader test_plugin_loader() {
  return PluginLoader(plugin_search_path(std::getenv("VUGPU_PLUGIN_PATH"), {VUGPU_TEST_BUILD_PLUGIN_DIR}));
}

PluginInstance<Renderer> load_pixman(HostServices& host) {
  return create_renderer(test_plugin_loader().load("renderer.pixman", PluginKind::Renderer), host, OptionValues{});
}

virtio_gpu_ctrl_hdr Submitted::header() const {
  virtio_gpu_ctrl_hdr h;
  std::memset(&h, 0, sizeof h);
  if (written >= sizeof h) std::memcpy(&h, response.data(), sizeof h);
  return h;
}

DeviceHarness::DeviceHarness(HarnessOptions options) : pixman(load_pixman(host)) {
  if (options.scripted) {
    scripted = std::make_unique<ScriptedRenderer>(*pixman);
    if (options.script) options.script(*scripted);
  }
  std::vector<Presenter*> raw;
  for (size_t i = 0; i < options.presenters; ++i) {
    presenters.push_back(std::make_unique<TestPresenter>());
    raw.push_back(presenters.back().get());
  }
  device = std::make_unique<Device>(std::move(options.settings), renderer(), raw, ram.memory(), host);
  device->set_completion([this](QueueId q, uint16_t head, uint32_t written) {
    auto it = sent.find(head);
    if (it == sent.end() || it->second.completed) throw std::logic_error("completion of an unknown or finished chain");
    it->second.completed = true;
    it->second.written = written;
    completions.emplace_back(q, head);
  });
  links.fence_signalled = [this](uint32_t ctx, uint32_t ring, uint64_t id) { device->fence_signalled(ctx, ring, id); };
}

DeviceHarness::~DeviceHarness() {
  device.reset();  // before the renderer, presenters and loop it uses
  links.fence_signalled = nullptr;
}

namespace {

std::vector<size_t> cut(size_t total, const std::vector<size_t>& split, size_t chunk) {
  std::vector<size_t> sizes;
  if (chunk != 0) {
    for (size_t done = 0; done < total; done += chunk) sizes.push_back(std::min(chunk, total - done));
    return sizes;
  }
  size_t done = 0;
  for (size_t s : split) {
    s = std::min(s, total - done);
    sizes.push_back(s);
    done += s;
  }
  sizes.push_back(total - done);
  return sizes;
}

}  // namespace

Submitted& DeviceHarness::submit(QueueId queue, std::vector<uint8_t> request, const SubmitOptions& options) {
  const uint16_t head = next_head_++;
  auto old = sent.find(head);
  if (old != sent.end()) {
    if (!old->second.completed) throw std::logic_error("head reused while in flight");
    sent.erase(old);
  }
  Submitted& s = sent[head];
  s.head = head;
  s.queue = queue;
  CommandChain chain;
  chain.head = head;
  size_t pos = 0;
  for (size_t n : cut(request.size(), options.readable_split, options.readable_chunk)) {
    s.readable.emplace_back(request.begin() + pos, request.begin() + pos + n);
    pos += n;
  }
  for (auto& b : s.readable) chain.readable.push_back({b.data(), b.size()});
  s.response.assign(options.response_capacity, options.fill);
  pos = 0;
  for (size_t n : cut(s.response.size(), options.writable_split, 0)) {
    if (n != 0) chain.writable.push_back({s.response.data() + pos, n});
    pos += n;
  }
  device->submit(queue, std::move(chain));
  return s;
}

uint32_t DeviceHarness::call(std::vector<uint8_t> request) {
  Submitted& s = submit(QueueId::Control, std::move(request));
  if (!s.completed) throw std::runtime_error("command did not complete at once");
  return s.type();
}

uint32_t DeviceHarness::cursor(std::vector<uint8_t> request) {
  Submitted& s = submit(QueueId::Cursor, std::move(request), SubmitOptions{.response_capacity = 0});
  if (!s.completed) throw std::runtime_error("cursor command did not complete at once");
  return 0;
}

Backing DeviceHarness::make_resource(uint32_t id, uint32_t width, uint32_t height, uint32_t format, Layout layout) {
  if (call(create_2d(id, format, width, height)) != VIRTIO_GPU_RESP_OK_NODATA) throw std::runtime_error("create_2d failed");
  const uint64_t bytes = uint64_t{width} * height * 4;
  Backing b = layout == Layout::Pages    ? ram.scattered_pages(bytes)
              : layout == Layout::Chunks ? ram.scattered_chunks(bytes)
                                         : ram.contiguous(GuestRam::kBase, bytes);
  if (call(attach_backing(id, b)) != VIRTIO_GPU_RESP_OK_NODATA) throw std::runtime_error("attach_backing failed");
  return b;
}

bool DeviceHarness::run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) loop.run_once(10);
  return done();
}

void DeviceHarness::drain() {
  for (int i = 0; i < 4; ++i) loop.run_once(0);
}

std::vector<uint8_t> pattern(uint32_t width, uint32_t height, uint32_t seed) {
  std::vector<uint8_t> p(size_t{width} * height * 4);
  uint32_t x = seed * 2654435761u + 12345;
  for (auto& b : p) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return p;
}

}  // namespace vugpu::test
