#include "blob_fuzz.hpp"
#include "fuzz_input.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <vector>
#include "device/device.hpp"
#include "guest_blob_provider.hpp"
#include "host/host_links.hpp"
#include "host/loop_host_services.hpp"
#include "loop/event_loop.hpp"
#include "memory/guest_memory.hpp"
#include "pixman_renderer.hpp"
#include "support/test_presenter.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::fuzz {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBase = 0x100000;    // gpa of the first region
constexpr uint64_t kFilePages = 512;    // the memfd every region maps a slice of
constexpr uint32_t kMaxDimension = 256;

// What lives as long as the process: two guest memory files (sealed against shrinking as
// QEMU's memfd backend seals, and not: then blob.guest may not map it), the renderer and one
// provider per view kind (udmabuf's device is missing on most machines: then that one refuses).
struct World {
  World() {
    for (int sealed = 0; sealed < 2; ++sealed) {
      UniqueFd& fd = memfd[sealed];
      fd = UniqueFd(::memfd_create("blob-fuzz-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING));
      if (!fd || ::ftruncate(fd.get(), kFilePages * kPage) != 0) std::abort();
      if (sealed && ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) std::abort();
    }
    using View = blob_guest::BlobOptions::View;
    const View kinds[] = {View::Auto, View::Map, View::Gather, View::Udmabuf};
    for (size_t i = 0; i < providers.size(); ++i) {
      blob_guest::BlobOptions o;
      o.view = kinds[i];
      providers[i] = std::make_unique<blob_guest::GuestBlobProvider>(host, o);
    }
  }
  EventLoop loop;
  DiscardingLog log;
  HostLinks links;
  LoopHostServices host{loop, log, links};
  pixman::PixmanRenderer pixman{host};
  std::array<UniqueFd, 2> memfd;  // [1]: sealed
  std::array<std::unique_ptr<blob_guest::GuestBlobProvider>, 4> providers;
};

World& world() {
  static World w;
  return w;
}

// One region of the table: where it is in the guest and in the file.
struct RegionPlan {
  uint64_t gpa = 0, pages = 0, file_page = 0;
  bool with_file = true;
  bool plugged = false;
};

template <typename T>
void append(std::vector<uint8_t>& out, const T& v) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &v, sizeof(T));
}

void append_bytes(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) {
  const size_t at = out.size();
  out.resize(at + more.size());
  if (!more.empty()) std::memcpy(out.data() + at, more.data(), more.size());
}

constexpr uint32_t kFormats[] = {
    VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM,
    VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM,
    VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM};

struct InFlight {
  QueueId queue;
  std::vector<uint8_t> request;
  std::vector<std::vector<uint8_t>> readable;
  std::vector<uint8_t> response;
};

class Run {
 public:
  explicit Run(Input& in) : in_(in), w_(world()) {
    const uint8_t config = in.u8();
    DeviceSettings settings;
    settings.scanouts.resize(1 + (config >> 4) % 4);
    settings.limits.host_memory_bytes = 4u << 20;
    settings.limits.max_resources = 16;
    settings.limits.max_backing_entries = 64;
    settings.limits.max_dimension = kMaxDimension;
    limits_ = settings.limits;
    for (int i = 0; i < (config & 4 ? 2 : 1); ++i) presenters_.push_back(std::make_unique<test::TestPresenter>());
    for (auto& p : presenters_) p->hold_releases = config & 8;
    memfd_ = w_.memfd[config & 0x40 ? 0 : 1].get();
    plan_memory();
    std::vector<Presenter*> raw;
    for (auto& p : presenters_) raw.push_back(p.get());
    device_ = std::make_unique<Device>(settings, w_.pixman, raw, memory_, w_.host, w_.providers[config & 3].get());
    device_->set_completion([this](QueueId q, uint16_t head, uint32_t written) { completed(q, head, written); });
    w_.links.fence_signalled = [this](uint32_t c, uint32_t r, uint64_t id) { device_->fence_signalled(c, r, id); };
  }
  ~Run() {
    w_.links.fence_signalled = nullptr;
    for (auto& p : presenters_) p->held.clear();
    device_.reset();
    for (int i = 0; i < 4; ++i) w_.loop.run_once(0);  // stale releases find no device
  }

  BlobRunSummary go() {
    for (int ops = 0; !in_.empty() && ops < 1000 && error_.empty(); ++ops) step();
    if (error_.empty()) finish();
    BlobRunSummary s;
    s.broken = error_;
    const DeviceStats st = device_->stats();
    s.commands = st.commands;
    s.errors = st.errors;
    s.blobs_created = st.blob_resources_created;
    s.blob_scanouts_set = st.blob_scanouts_set;
    s.blob_frames_presented = st.blob_frames_presented;
    for (auto& p : presenters_)
      for (auto& c : p->cursor) s.cursor_images += !c.argb.empty();
    return s;
  }

 private:
  // 1-3 regions, back to back in the file; in the guest adjacent or one page apart.
  void plan_memory() {
    const uint8_t table = in_.u8();
    uint64_t gpa = kBase, file_page = 0;
    for (int i = 0; i < 1 + table % 3; ++i) {
      const uint8_t r = in_.u8();
      RegionPlan p;
      p.pages = std::min<uint64_t>(1 + (r & 0x3f) * 2, kFilePages - file_page);
      if (p.pages == 0) break;
      if (i > 0 && (r & 0x40)) gpa += kPage;  // a hole (like RAM split by a PCI hole)
      p.gpa = gpa;
      p.file_page = file_page;
      p.with_file = !(r & 0x80);
      gpa += p.pages * kPage;
      file_page += p.pages;
      regions_.push_back(p);
      plug(regions_.size() - 1);
    }
  }

  void plug(size_t i) {
    RegionPlan& p = regions_[i];
    if (p.plugged) return;
    auto region = MemoryRegion::map(memfd_, p.gpa, p.pages * kPage, 0x7f0000000000 + p.file_page * kPage,
                                    p.file_page * kPage);
    if (!region) return;  // no guard slot: the table stays as it is
    if (p.with_file) region->keep_file(memfd_, p.file_page * kPage);
    memory_.add(std::move(region));
    p.plugged = true;
  }

  void unplug(size_t i) {
    RegionPlan& p = regions_[i];
    if (!p.plugged) return;
    // The transport keeps a replaced region mapped until the device is reset (2D backings may
    // still point into it); so does this harness.
    for (const auto& r : memory_.regions())
      if (r->gpa() == p.gpa) retired_.push_back(r);
    memory_.remove(p.gpa, p.pages * kPage);
    p.plugged = false;
  }

  uint64_t end_gpa() const { return regions_.empty() ? kBase : regions_.back().gpa + regions_.back().pages * kPage; }

  uint32_t small(uint32_t mod) {
    const uint8_t pick = in_.u8();
    if (pick == 0xff) return in_.u32();
    if (pick == 0xfe) return 0xffffffffu - (in_.u8() & 0x3f);
    return in_.u16() % mod;
  }
  uint32_t res_id() { return in_.u8() % 8 ? 1 + in_.u8() % 4u : small(10); }
  uint32_t dimension() {
    const uint8_t pick = in_.u8();
    return pick < 64 ? 64 : pick < 224 ? 1 + in_.u8() % 64u : small(400);
  }
  virtio_gpu_rect rect(uint32_t w, uint32_t h) {
    const uint8_t pick = in_.u8();
    if (pick < 128) return {0, 0, w, h};
    if (pick < 224) {
      const uint32_t x = w ? in_.u8() % w : 0, y = h ? in_.u8() % h : 0;
      return {x, y, 1 + in_.u8() % std::max(1u, w - x), 1 + in_.u8() % std::max(1u, h - y)};
    }
    return {small(300), small(300), small(300), small(300)};
  }
  virtio_gpu_ctrl_hdr header(uint32_t type) {
    virtio_gpu_ctrl_hdr hdr{};
    hdr.type = type;
    if (in_.u8() & 1) {
      hdr.flags = VIRTIO_GPU_FLAG_FENCE;
      hdr.fence_id = in_.u8();
    }
    return hdr;
  }

  // Mem entries: mostly whole pages inside a region (sometimes running past it), sometimes
  // unaligned, near the table or anywhere.
  virtio_gpu_mem_entry entry() {
    virtio_gpu_mem_entry e{};
    const uint8_t mode = in_.u8();
    if (mode < 200 && !regions_.empty()) {
      const RegionPlan& r = regions_[in_.u8() % regions_.size()];
      e.addr = r.gpa + (in_.u8() % r.pages) * kPage;
      e.length = static_cast<uint32_t>((1 + in_.u8() % 8) * kPage);
    } else if (mode < 230) {
      e.addr = kBase + in_.u32() % (end_gpa() - kBase + 1);
      e.length = in_.u16();
    } else if (mode < 250) {
      e.addr = kBase - kPage + in_.u32() % (end_gpa() - kBase + 3 * kPage);
      e.length = in_.u32() % (64 * kPage);
    } else {
      e.addr = in_.u64();
      e.length = in_.u32();
    }
    return e;
  }
  // nr_entries, then the entries (their count may differ from what is announced).
  void entries(std::vector<uint8_t>& out, uint64_t& total, uint32_t& announced) {
    const uint8_t pick = in_.u8();
    const uint32_t count = pick < 240 ? pick % 5 : pick % 70;
    total = 0;
    std::vector<virtio_gpu_mem_entry> list;
    for (uint32_t i = 0; i < count; ++i) {
      list.push_back(entry());
      total += list.back().length;
    }
    const uint8_t lie = in_.u8();
    announced = lie < 240 ? count : lie == 255 ? in_.u32() : count + (lie & 7) - 3;
    for (const auto& e : list) append(out, e);
  }

  std::vector<uint8_t> create_blob() {
    virtio_gpu_resource_create_blob c{};
    c.hdr = header(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB);
    c.resource_id = res_id();
    const uint8_t mem = in_.u8();
    c.blob_mem = mem < 240 ? VIRTIO_GPU_BLOB_MEM_GUEST : mem % 5;
    const uint8_t flags = in_.u8();
    c.blob_flags = flags < 240 ? flags % 4 : in_.u32();
    std::vector<uint8_t> list;
    uint64_t total = 0;
    entries(list, total, c.nr_entries);
    const uint8_t size = in_.u8();
    c.size = size < 200 ? total : size < 240 ? total + (size & 15) - 8 : in_.u64();
    std::vector<uint8_t> out;
    append(out, c);
    append_bytes(out, list);
    return out;
  }

  std::vector<uint8_t> attach_backing() {
    virtio_gpu_resource_attach_backing c{};
    c.hdr = header(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING);
    c.resource_id = res_id();
    std::vector<uint8_t> list;
    uint64_t total = 0;
    entries(list, total, c.nr_entries);
    std::vector<uint8_t> out;
    append(out, c);
    append_bytes(out, list);
    return out;
  }

  std::vector<uint8_t> set_scanout_blob() {
    virtio_gpu_set_scanout_blob c{};
    c.hdr = header(VIRTIO_GPU_CMD_SET_SCANOUT_BLOB);
    c.scanout_id = in_.u8() % 4 ? in_.u8() % 4u : small(18);
    c.resource_id = in_.u8() % 16 ? res_id() : 0;
    c.width = dimension();
    c.height = dimension();
    const uint8_t format = in_.u8();
    c.format = format < 240 ? kFormats[format % std::size(kFormats)] : small(200);
    const uint8_t stride = in_.u8();
    c.strides[0] = stride < 160 ? c.width * 4 : stride < 240 ? c.width * 4 + (stride & 15) * 64 : in_.u32();
    const uint8_t offset = in_.u8();
    c.offsets[0] = offset < 160 ? 0 : offset < 240 ? (offset & 15) * 256 : in_.u32();
    c.r = rect(c.width, c.height);
    std::vector<uint8_t> out;
    append(out, c);
    return out;
  }

  std::vector<uint8_t> structured() {
    std::vector<uint8_t> out;
    switch (in_.u8() % 16) {
      case 0: case 1: case 2: out = create_blob(); break;
      case 3: case 4: case 5: out = set_scanout_blob(); break;
      case 6: case 7: case 8: {
        virtio_gpu_resource_flush c{};
        c.hdr = header(VIRTIO_GPU_CMD_RESOURCE_FLUSH);
        c.r = rect(64, 64);
        c.resource_id = res_id();
        append(out, c);
        break;
      }
      case 9: out = attach_backing(); break;
      case 10: {
        const uint32_t type = in_.u8() & 1 ? VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING : VIRTIO_GPU_CMD_RESOURCE_UNREF;
        append(out, virtio_gpu_resource_unref{header(type), res_id(), 0});
        break;
      }
      case 11: {
        virtio_gpu_resource_map_blob c{};
        c.hdr = header(VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB);
        c.resource_id = res_id();
        c.offset = in_.u8() % 2 ? 0 : in_.u64();
        append(out, c);
        break;
      }
      case 12: append(out, virtio_gpu_resource_unmap_blob{header(VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB), res_id(), 0}); break;
      case 13: {  // a 2D resource among the blobs
        virtio_gpu_resource_create_2d c{header(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D), res_id(),
                                        kFormats[in_.u8() % std::size(kFormats)], dimension(), dimension()};
        append(out, c);
        break;
      }
      case 14: {  // Linux sends an unfenced TRANSFER_TO_HOST_2D before each flush of a blob
        virtio_gpu_transfer_to_host_2d c{};
        c.hdr = header(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D);
        c.r = rect(64, 64);
        c.offset = in_.u8() % 2 ? 0 : small(1 << 20);
        c.resource_id = res_id();
        append(out, c);
        break;
      }
      default: {
        virtio_gpu_set_scanout c{};  // the scanout off, or a 2D resource on it
        c.hdr = header(VIRTIO_GPU_CMD_SET_SCANOUT);
        c.r = rect(64, 64);
        c.scanout_id = in_.u8() % 4;
        c.resource_id = in_.u8() % 2 ? 0 : res_id();
        append(out, c);
        break;
      }
    }
    if (in_.u8() == 0) out.resize(in_.u8() % (out.size() + 1));  // sometimes cut short
    return out;
  }

  std::vector<uint8_t> cursor() {
    virtio_gpu_update_cursor c{};
    c.hdr = header(in_.u8() & 1 ? VIRTIO_GPU_CMD_MOVE_CURSOR : VIRTIO_GPU_CMD_UPDATE_CURSOR);
    c.pos = {in_.u8() % 4 ? 0u : small(18), small(2000), small(2000), 0};
    c.resource_id = in_.u8() % 8 ? res_id() : 0;
    c.hot_x = small(70);
    c.hot_y = small(70);
    std::vector<uint8_t> out;
    append(out, c);
    return out;
  }

  void step() {
    switch (in_.u8() % 12) {
      case 0: submit(QueueId::Control, in_.bytes(in_.u16() % 1200)); break;  // raw (the seeds' commands)
      case 1: case 2: case 3: case 4: case 5: submit(QueueId::Control, structured()); break;
      case 6: submit(QueueId::Cursor, in_.u8() % 8 ? cursor() : in_.bytes(in_.u8())); break;
      case 7:
        for (auto& p : presenters_) p->hold_releases = in_.u8() & 1;
        if (in_.u8() & 1)
          for (auto& p : presenters_) p->held.clear();
        break;
      case 8: {  // the VMM changes the memory table (REM_MEM_REG / ADD_MEM_REG)
        const uint8_t m = in_.u8();
        if (regions_.empty()) break;
        const size_t i = (m >> 1) % regions_.size();
        if (m & 1) unplug(i);
        else plug(i);
        device_->memory_changed();
        break;
      }
      case 9: device_->fence_signalled(0, 0, in_.u8()); break;
      case 10:
        if (in_.u8() == 0) {  // the driver resets the device: pending commands are dropped
          device_->reset();
          for (auto& order : order_) order.clear();
          flight_.clear();
          created_.clear();
          unknown_.clear();
          retired_.clear();
          break;
        }
        [[fallthrough]];
      default: w_.loop.run_once(0); break;
    }
  }

  void submit(QueueId q, std::vector<uint8_t> request) {
    const uint16_t head = next_head_++;
    if (flight_.count(head) != 0) return;
    InFlight& f = flight_[head];
    f.queue = q;
    f.request = std::move(request);
    const size_t chunk = in_.u8() % 8;
    CommandChain chain;
    chain.head = head;
    for (size_t pos = 0; pos < f.request.size();) {
      const size_t n = chunk == 0 ? f.request.size() - pos : std::min(chunk * 13, f.request.size() - pos);
      f.readable.emplace_back(f.request.begin() + pos, f.request.begin() + pos + n);
      pos += n;
    }
    for (auto& b : f.readable) chain.readable.push_back({b.data(), b.size()});
    const uint8_t room = in_.u8();
    f.response.assign(room < 200 ? 4096 : (room - 200) * 4, 0xaa);
    if (!f.response.empty()) chain.writable.push_back({f.response.data(), f.response.size()});
    order_[size_t(q)].push_back(head);
    if (w_.log.verbose) std::fprintf(stderr, "submit head %u: %zu bytes\n", head, f.request.size());
    device_->submit(q, std::move(chain));
  }

  template <typename T>
  bool request_as(const InFlight& f, T& out) const {
    if (f.request.size() < sizeof(T)) return false;
    std::memcpy(&out, f.request.data(), sizeof(T));
    return true;
  }

  void completed(QueueId q, uint16_t head, uint32_t written) {
    auto& order = order_[size_t(q)];
    auto it = flight_.find(head);
    if (it == flight_.end() || it->second.queue != q) return fail("completion of head {} that is not in flight", head);
    if (order.empty() || order.front() != head) return fail("head {} completed out of submission order", head);
    order.pop_front();
    const InFlight& f = it->second;
    if (written > f.response.size()) return fail("{} bytes written into {} bytes of room", written, f.response.size());
    virtio_gpu_ctrl_hdr req{};
    const bool has_header = request_as(f, req);
    if (q == QueueId::Control && written >= sizeof(virtio_gpu_ctrl_hdr)) {
      virtio_gpu_ctrl_hdr h;
      std::memcpy(&h, f.response.data(), sizeof h);
      if (!is_response_type(h.type)) return fail("response type {:#x}", h.type);
      if (has_header && (req.flags & VIRTIO_GPU_FLAG_FENCE) &&
          (!(h.flags & VIRTIO_GPU_FLAG_FENCE) || h.fence_id != req.fence_id))
        return fail("fence {} not echoed", req.fence_id);
      if (h.type == VIRTIO_GPU_RESP_OK_NODATA) accepted(f, req.type);
    } else if (q == QueueId::Control && has_header) {
      unknown_outcome(f, req.type);  // no room for the answer: the harness cannot tell
    }
    flight_.erase(it);
  }

  // A CREATE_BLOB or UNREF whose answer did not fit its room: whether that id is a blob now is
  // unknown, so the oracle leaves it alone until it is created or unreferenced again.
  void unknown_outcome(const InFlight& f, uint32_t type) {
    virtio_gpu_resource_unref c;  // both start with the header and the resource id
    if ((type == VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB || type == VIRTIO_GPU_CMD_RESOURCE_UNREF) && request_as(f, c)) {
      created_.erase(c.resource_id);
      unknown_.insert(c.resource_id);
    }
  }

  // The oracle: what the guest created, and every framebuffer the device accepted inside it.
  void accepted(const InFlight& f, uint32_t type) {
    if (type == VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB) {
      virtio_gpu_resource_create_blob c;
      if (request_as(f, c)) {
        created_[c.resource_id] = c.size;
        unknown_.erase(c.resource_id);
      }
    } else if (type == VIRTIO_GPU_CMD_RESOURCE_UNREF) {
      virtio_gpu_resource_unref c;
      if (request_as(f, c)) {
        created_.erase(c.resource_id);
        unknown_.erase(c.resource_id);
      }
    } else if (type == VIRTIO_GPU_CMD_SET_SCANOUT_BLOB) {
      virtio_gpu_set_scanout_blob c;
      if (!request_as(f, c) || c.resource_id == 0 || unknown_.count(c.resource_id) != 0) return;
      auto it = created_.find(c.resource_id);
      if (it == created_.end()) return fail("SET_SCANOUT_BLOB accepted resource {}, not a blob", c.resource_id);
      using U = unsigned __int128;
      const U fb_end = U{c.offsets[0]} + U{c.strides[0]} * (U{c.height} - 1) + U{c.width} * 4;
      if (c.width == 0 || c.height == 0 || c.strides[0] < uint64_t{c.width} * 4 || fb_end > it->second)
        return fail("SET_SCANOUT_BLOB accepted a {}x{} framebuffer (stride {}, offset {}) for a {} byte blob", c.width,
                    c.height, c.strides[0], c.offsets[0], uint64_t(it->second));
      if (U{c.r.x} + c.r.width > c.width || U{c.r.y} + c.r.height > c.height || c.r.width == 0 || c.r.height == 0)
        return fail("SET_SCANOUT_BLOB accepted rect {}x{}+{}+{} outside {}x{}", c.r.width, c.r.height, c.r.x, c.r.y,
                    c.width, c.height);
    }
  }

  void finish() {
    for (auto& p : presenters_) {
      p->hold_releases = false;
      p->held.clear();
    }
    for (int round = 0; round < 3 && !flight_.empty(); ++round) {
      device_->fence_signalled(0, 0, UINT64_MAX);
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
  int memfd_ = -1;  // the world's sealed or unsealed guest memory file
  std::vector<RegionPlan> regions_;
  std::vector<std::shared_ptr<MemoryRegion>> retired_;  // before memory_: outlives nothing it needs
  GuestMemory memory_;                                  // before device_: the device reads it
  std::vector<std::unique_ptr<test::TestPresenter>> presenters_;
  std::unique_ptr<Device> device_;
  std::map<uint16_t, InFlight> flight_;
  std::array<std::deque<uint16_t>, 2> order_;
  std::map<uint32_t, uint64_t> created_;  // blob id -> size, as accepted
  std::set<uint32_t> unknown_;            // ids whose CREATE_BLOB / UNREF answer was cut off
  uint16_t next_head_ = 0;
  std::string error_;
};

}  // namespace

BlobRunSummary run_blob_input_summary(std::span<const uint8_t> input) {
  Input in(input);
  Run run(in);
  return run.go();
}

}  // namespace vugpu::fuzz
