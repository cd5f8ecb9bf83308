#include "device_fuzz.hpp"
#include "fuzz_input.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <vector>
#include "device/device.hpp"
#include "host/host_links.hpp"
#include "host/loop_host_services.hpp"
#include "loop/event_loop.hpp"
#include "pixman_renderer.hpp"
#include "support/guest_ram.hpp"
#include "support/scripted_renderer.hpp"
#include "support/test_presenter.hpp"

namespace vugpu::fuzz {

namespace {

using test::GuestRam;

// What lives as long as the process: loading and setting up once keeps inputs fast.
struct World {
  EventLoop loop;
  DiscardingLog log;
  HostLinks links;
  LoopHostServices host{loop, log, links};
  GuestRam ram{256, 1};  // 1 MiB in two regions
  pixman::PixmanRenderer pixman{host};
};

World& world() {
  static World w;
  return w;
}

// Every type; the 2D flow a guest repeats most (create, attach, scanout, transfer, flush) more
// than once, so random inputs reach presenting as well as the error paths.
constexpr uint32_t kTypes[] = {
    VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D,
    VIRTIO_GPU_CMD_SET_SCANOUT, VIRTIO_GPU_CMD_SET_SCANOUT, VIRTIO_GPU_CMD_RESOURCE_FLUSH,
    VIRTIO_GPU_CMD_RESOURCE_FLUSH, VIRTIO_GPU_CMD_RESOURCE_FLUSH, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D,
    VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING,
    VIRTIO_GPU_CMD_GET_DISPLAY_INFO, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, VIRTIO_GPU_CMD_RESOURCE_UNREF,
    VIRTIO_GPU_CMD_SET_SCANOUT, VIRTIO_GPU_CMD_RESOURCE_FLUSH, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D,
    VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, VIRTIO_GPU_CMD_GET_CAPSET_INFO,
    VIRTIO_GPU_CMD_GET_CAPSET, VIRTIO_GPU_CMD_GET_EDID, VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB,
    VIRTIO_GPU_CMD_CTX_CREATE, VIRTIO_GPU_CMD_CTX_DESTROY, VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE,
    VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE, VIRTIO_GPU_CMD_RESOURCE_CREATE_3D, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D,
    VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D, VIRTIO_GPU_CMD_SUBMIT_3D, VIRTIO_GPU_CMD_UPDATE_CURSOR,
    VIRTIO_GPU_CMD_MOVE_CURSOR, 0x4242,
};

// Values near the interesting edges: small ids and sizes mostly, sometimes anything.
uint32_t small(Input& in, uint32_t mod) {
  const uint8_t pick = in.u8();
  if (pick == 0xff) return in.u32();
  if (pick == 0xfe) return 0xffffffffu - (in.u8() & 0x3f);
  return in.u16() % mod;
}

// Mostly rectangles that fit the small resources the generator makes, sometimes anything.
virtio_gpu_rect rect(Input& in) {
  if (in.u8() % 4 == 0) return {small(in, 300), small(in, 300), small(in, 300), small(in, 300)};
  return {in.u8() % 16u, in.u8() % 16u, 1 + in.u8() % 24u, 1 + in.u8() % 24u};
}

// Mostly sizes up to 64 (64 x 64 is a cursor), sometimes anything.
uint32_t dimension(Input& in) {
  const uint8_t pick = in.u8();
  return pick < 64 ? 64 : pick < 224 ? 1 + in.u8() % 64u : small(in, 300);
}

template <typename T>
void put(std::vector<uint8_t>& out, const T& v) {
  out.resize(sizeof(T));
  std::memcpy(out.data(), &v, sizeof(T));
}

// A command of a known type with plausible fields: reaches deep paths without the fuzzer (or a
// random replay) having to learn the layout.
std::vector<uint8_t> structured(Input& in, bool cursor) {
  const uint32_t type = cursor ? uint32_t{in.u8() & 1 ? VIRTIO_GPU_CMD_MOVE_CURSOR : VIRTIO_GPU_CMD_UPDATE_CURSOR}
                               : kTypes[in.u8() % std::size(kTypes)];
  virtio_gpu_ctrl_hdr hdr{};
  hdr.type = type;
  hdr.flags = in.u8() & 3;
  hdr.fence_id = in.u8();
  hdr.ctx_id = in.u8() % 5;
  hdr.ring_idx = in.u8() % 66;
  std::vector<uint8_t> out;
  auto res_id = [&] { return in.u8() % 8 ? 1 + in.u8() % 2u : small(in, 10); };
  switch (type) {
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D: {
      static constexpr uint32_t kFormats[] = {1, 2, 3, 4, 67, 68, 121, 134};
      const uint8_t pick = in.u8();
      virtio_gpu_resource_create_2d c{hdr, res_id(), pick < 240 ? kFormats[pick % 8] : small(in, 140), dimension(in),
                                      dimension(in)};
      put(out, c);
      break;
    }
    case VIRTIO_GPU_CMD_RESOURCE_UNREF:
    case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING:
      put(out, virtio_gpu_resource_unref{hdr, res_id(), 0});
      break;
    case VIRTIO_GPU_CMD_SET_SCANOUT:
      put(out, virtio_gpu_set_scanout{hdr, rect(in), in.u8() % 4 ? 0u : small(in, 18), res_id()});
      break;
    case VIRTIO_GPU_CMD_RESOURCE_FLUSH: put(out, virtio_gpu_resource_flush{hdr, rect(in), res_id(), 0}); break;
    case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D: {
      const uint64_t offset = in.u8() % 2 ? small(in, 4096) : in.u64();
      put(out, virtio_gpu_transfer_to_host_2d{hdr, rect(in), offset, res_id(), 0});
      break;
    }
    case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: {
      const uint32_t nr = small(in, 70);
      put(out, virtio_gpu_resource_attach_backing{hdr, res_id(), nr});
      const uint32_t present = std::min<uint32_t>(nr, in.u8() % 2 ? nr : in.u8());
      World& w = world();
      const uint64_t span = w.ram.end_gpa() - GuestRam::kBase;
      for (uint32_t i = 0; i < present && i < 300; ++i) {
        virtio_gpu_mem_entry e{};
        e.addr = in.u8() == 0xff ? in.u64() : GuestRam::kBase + in.u32() % (span + 8192) - 4096;
        e.length = in.u8() == 0xff ? in.u32() : in.u16() % 40000;
        const size_t at = out.size();
        out.resize(at + sizeof e);
        std::memcpy(out.data() + at, &e, sizeof e);
      }
      break;
    }
    case VIRTIO_GPU_CMD_GET_CAPSET_INFO: put(out, virtio_gpu_get_capset_info{hdr, small(in, 3), 0}); break;
    case VIRTIO_GPU_CMD_GET_CAPSET: put(out, virtio_gpu_get_capset{hdr, small(in, 4), small(in, 3)}); break;
    case VIRTIO_GPU_CMD_GET_EDID: put(out, virtio_gpu_cmd_get_edid{hdr, small(in, 18), 0}); break;
    case VIRTIO_GPU_CMD_CTX_CREATE: {
      virtio_gpu_ctx_create c{};
      c.hdr = hdr;
      c.nlen = small(in, 80);
      c.context_init = small(in, 4);
      const auto name = in.bytes(in.u8() % 64);
      std::copy(name.begin(), name.end(), c.debug_name);
      put(out, c);
      break;
    }
    case VIRTIO_GPU_CMD_CTX_DESTROY: put(out, virtio_gpu_ctx_destroy{hdr}); break;
    case VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE:
    case VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE: put(out, virtio_gpu_ctx_resource{hdr, res_id(), 0}); break;
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_3D: {
      virtio_gpu_resource_create_3d c{};
      c.hdr = hdr;
      c.resource_id = res_id();
      c.target = small(in, 10);
      c.format = small(in, 200);
      c.width = small(in, 300);
      c.height = small(in, 300);
      put(out, c);
      break;
    }
    case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D:
    case VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D: {
      virtio_gpu_transfer_host_3d c{};
      c.hdr = hdr;
      c.box = {small(in, 64), small(in, 64), 0, small(in, 64), small(in, 64), 1};
      c.offset = in.u32();
      c.resource_id = res_id();
      put(out, c);
      break;
    }
    case VIRTIO_GPU_CMD_SUBMIT_3D: {
      const uint32_t size = small(in, 5000);
      put(out, virtio_gpu_cmd_submit{hdr, size, 0});
      const auto payload = in.bytes(in.u8() % 2 ? size : in.u16() % 5000);
      out.insert(out.end(), payload.begin(), payload.end());
      break;
    }
    case VIRTIO_GPU_CMD_UPDATE_CURSOR:
    case VIRTIO_GPU_CMD_MOVE_CURSOR: {
      virtio_gpu_update_cursor c{};
      c.hdr = hdr;
      c.pos = {in.u8() % 4 ? 0u : small(in, 18), small(in, 2000), small(in, 2000), 0};
      c.resource_id = res_id();
      c.hot_x = small(in, 70);
      c.hot_y = small(in, 70);
      put(out, c);
      break;
    }
    default: put(out, hdr); break;
  }
  if (in.u8() == 0) out.resize(in.u8() % (out.size() + 1));  // sometimes cut short
  return out;
}

struct InFlight {
  QueueId queue;
  std::vector<std::vector<uint8_t>> readable;
  std::vector<uint8_t> response;
  virtio_gpu_ctrl_hdr request_header{};
  bool has_header = false;
};

class Run {
 public:
  explicit Run(Input& in) : in_(in), w_(world()) {
    const uint8_t config = in.u8();
    DeviceSettings settings;
    settings.scanouts.resize(1 + (config >> 4) % 3);
    settings.edid = config & 0x40;
    settings.limits.host_memory_bytes = 4u << 20;
    settings.limits.max_resources = 16;
    settings.limits.max_backing_entries = 64;
    settings.limits.max_dimension = 256;
    settings.limits.max_contexts = 4;
    settings.limits.max_capset_bytes = 4096;
    settings.limits.max_submit_bytes = 4096;
    limits_ = settings.limits;
    scripted_ = std::make_unique<test::ScriptedRenderer>(w_.pixman);
    scripted_->feats = {true, bool(config & 4), 3};
    scripted_->capsets = {{1, 1, 300}, {2, 2, 0}, {3, 1, 5000}};
    scripted_->capset_fill_bytes = 64;
    scripted_->defer_fences = config & 2;
    Renderer& renderer = config & 1 ? static_cast<Renderer&>(*scripted_) : w_.pixman;
    for (int i = 0; i < (config & 8 ? 2 : 1); ++i) presenters_.push_back(std::make_unique<test::TestPresenter>());
    if (config & 0x80) presenters_[0]->display = std::vector<DisplayMode>{{640, 480, true}, {0, 0, false}, {800, 600, true}};
    std::vector<Presenter*> raw;
    for (auto& p : presenters_) raw.push_back(p.get());
    device_ = std::make_unique<Device>(settings, renderer, raw, w_.ram.memory(), w_.host);
    device_->set_completion([this](QueueId q, uint16_t head, uint32_t written) { completed(q, head, written); });
    w_.links.fence_signalled = [this](uint32_t c, uint32_t r, uint64_t id) { device_->fence_signalled(c, r, id); };
  }
  ~Run() {
    w_.links.fence_signalled = nullptr;
    device_.reset();
    for (int i = 0; i < 4; ++i) w_.loop.run_once(0);  // stale releases find no device
  }

  RunSummary go() {
    for (int ops = 0; !in_.empty() && ops < 2000 && error_.empty(); ++ops) step();
    if (error_.empty()) finish();
    RunSummary s;
    s.broken = error_;
    const DeviceStats st = device_->stats();
    s.commands = st.commands;
    s.errors = st.errors;
    s.frames_presented = st.frames_presented;
    for (auto& p : presenters_)
      for (auto& c : p->cursor) s.cursor_updates += !c.move && c.visible;
    return s;
  }

 private:
  void step() {
    switch (in_.u8() % 10) {
      case 0: submit(QueueId::Control, in_.bytes(in_.u16() % 600)); break;
      case 1: case 2: case 3: case 4: case 5: submit(QueueId::Control, structured(in_, false)); break;
      case 6: submit(QueueId::Cursor, in_.u8() % 4 ? structured(in_, true) : in_.bytes(in_.u8())); break;
      case 7:
        for (auto& p : presenters_) p->hold_releases = in_.u8() & 1;  // one byte a presenter
        if (in_.u8() & 1)
          for (auto& p : presenters_) p->held.clear();
        break;
      case 8: {
        const uint32_t ctx = in_.u8() % 5, ring = in_.u8() % 66;
        const uint64_t id = in_.u8();
        device_->fence_signalled(ctx, ring, id == 0xff ? UINT64_MAX : id);
        break;
      }
      case 9: w_.loop.run_once(0); break;
    }
  }

  void submit(QueueId q, std::vector<uint8_t> request) {
    uint16_t head = next_head_++;
    if (flight_.count(head) != 0) return;  // 65536 in flight: the transport would not have more
    InFlight& f = flight_[head];
    f.queue = q;
    if (request.size() >= sizeof(virtio_gpu_ctrl_hdr)) {
      std::memcpy(&f.request_header, request.data(), sizeof f.request_header);
      f.has_header = true;
    }
    const size_t chunk = in_.u8() % 8;
    CommandChain chain;
    chain.head = head;
    for (size_t pos = 0; pos < request.size();) {
      const size_t n = chunk == 0 ? request.size() - pos : std::min(chunk * 13, request.size() - pos);
      f.readable.emplace_back(request.begin() + pos, request.begin() + pos + n);
      pos += n;
    }
    for (auto& b : f.readable) chain.readable.push_back({b.data(), b.size()});
    const size_t room = size_t{in_.u8()} * 16;
    f.response.assign(room + (in_.u8() & 1 ? 4096 : 0), 0xaa);
    if (!f.response.empty()) chain.writable.push_back({f.response.data(), f.response.size()});
    order_[size_t(q)].push_back(head);
    if (w_.log.verbose)
      std::fprintf(stderr, "submit %s head %u: %zu bytes, type %#x, room %zu\n", q == QueueId::Control ? "control" : "cursor",
                   head, request.size(), f.has_header ? f.request_header.type : 0, f.response.size());
    device_->submit(q, std::move(chain));
  }

  void completed(QueueId q, uint16_t head, uint32_t written) {
    auto& order = order_[size_t(q)];
    auto it = flight_.find(head);
    if (it == flight_.end() || it->second.queue != q) return fail("completion of head {} that is not in flight", head);
    if (order.empty() || order.front() != head) return fail("head {} completed out of submission order", head);
    order.pop_front();
    const InFlight& f = it->second;
    if (written > f.response.size()) return fail("{} bytes written into {} bytes of room", written, f.response.size());
    if (q == QueueId::Control && written >= sizeof(virtio_gpu_ctrl_hdr)) {
      virtio_gpu_ctrl_hdr h;
      std::memcpy(&h, f.response.data(), sizeof h);
      if (!is_response_type(h.type)) return fail("response type {:#x}", h.type);
      if (f.has_header && (f.request_header.flags & VIRTIO_GPU_FLAG_FENCE) &&
          (!(h.flags & VIRTIO_GPU_FLAG_FENCE) || h.fence_id != f.request_header.fence_id))
        return fail("fence {} not echoed", f.request_header.fence_id);
    }
    flight_.erase(it);
  }

  void finish() {
    for (auto& p : presenters_) {
      p->hold_releases = false;
      p->held.clear();
    }
    for (int round = 0; round < 3 && !flight_.empty(); ++round) {
      // Every timeline the renderer was asked to fence on: what a renderer eventually signals.
      device_->fence_signalled(0, 0, UINT64_MAX);
      for (const auto& f : scripted_->fences)
        if (f.on_ring) device_->fence_signalled(f.ctx_id, f.ring_idx, UINT64_MAX);
      for (int i = 0; i < 4; ++i) w_.loop.run_once(0);
    }
    if (!flight_.empty()) return fail("{} commands never completed", flight_.size());
    if (device_->stats().host_bytes > limits_.host_memory_bytes)
      return fail("{} host bytes in use, limit {}", device_->stats().host_bytes, limits_.host_memory_bytes);
  }

  template <typename... Args>
  void fail(fmt::format_string<Args...> f, Args&&... args) {
    if (error_.empty()) error_ = fmt::format(f, std::forward<Args>(args)...);
  }

  Input& in_;
  World& w_;
  Limits limits_;
  std::unique_ptr<test::ScriptedRenderer> scripted_;
  std::vector<std::unique_ptr<test::TestPresenter>> presenters_;
  std::unique_ptr<Device> device_;
  std::map<uint16_t, InFlight> flight_;
  std::array<std::deque<uint16_t>, 2> order_;
  uint16_t next_head_ = 0;
  std::string error_;
};

}  // namespace

RunSummary run_device_input_summary(std::span<const uint8_t> input) {
  Input in(input);
  Run run(in);
  return run.go();
}

}  // namespace vugpu::fuzz
