#include "blob_fixture.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cstring>
#include <stdexcept>

namespace vugpu::blobtest {

MemfdRam::MemfdRam(uint64_t bytes, bool sealed) : bytes_(bytes) {
  fd_ = UniqueFd(::memfd_create("blob-test-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd_ || ::ftruncate(fd_.get(), static_cast<off_t>(bytes)) != 0) throw std::runtime_error("memfd");
  if (sealed && ::fcntl(fd_.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) throw std::runtime_error("seals");
  void* v = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (v == MAP_FAILED) throw std::runtime_error("mmap");
  own_ = MappedRange(v, bytes);
  view_ = own_.data();
  const uint64_t half = bytes / 2;
  for (uint64_t i = 0; i < 2; ++i) {
    auto r = MemoryRegion::map(fd_.get(), kBase + i * half, half, 0x7f0000000000 + i * half, i * half);
    if (!r || !r->keep_file(fd_.get(), i * half)) throw std::runtime_error("region");
    memory_.add(std::move(r));
  }
}

void MemfdRam::remove_high() { memory_.remove(boundary(), bytes_ / 2); }

std::vector<virtio_gpu_mem_entry> MemfdRam::pages(uint64_t first_gpa, uint64_t count, bool reversed) const {
  std::vector<virtio_gpu_mem_entry> out;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t page = reversed ? count - 1 - i : i;
    virtio_gpu_mem_entry e{};
    e.addr = first_gpa + page * kPage;
    e.length = kPage;
    out.push_back(e);
  }
  return out;
}

std::vector<uint8_t> create_blob(uint32_t id, uint64_t size, const std::vector<virtio_gpu_mem_entry>& entries,
                                 uint32_t blob_mem, uint32_t flags, int64_t nr_entries) {
  auto c = test::command<virtio_gpu_resource_create_blob>(VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB);
  c.resource_id = id;
  c.blob_mem = blob_mem;
  c.blob_flags = flags;
  c.size = size;
  c.nr_entries = nr_entries >= 0 ? static_cast<uint32_t>(nr_entries) : static_cast<uint32_t>(entries.size());
  return test::bytes_of(c, {reinterpret_cast<const uint8_t*>(entries.data()), entries.size() * sizeof(entries[0])});
}

std::vector<uint8_t> set_scanout_blob(uint32_t scanout, uint32_t id, const Rect& r, uint32_t width, uint32_t height,
                                      uint32_t stride, uint32_t offset, uint32_t format) {
  auto c = test::command<virtio_gpu_set_scanout_blob>(VIRTIO_GPU_CMD_SET_SCANOUT_BLOB);
  c.scanout_id = scanout;
  c.resource_id = id;
  c.r = test::wire_rect(r);
  c.width = width;
  c.height = height;
  c.format = format;
  c.strides[0] = stride;
  c.offsets[0] = offset;
  return test::bytes_of(c);
}

std::vector<uint8_t> map_blob(uint32_t id) {
  auto c = test::command<virtio_gpu_resource_map_blob>(VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB);
  c.resource_id = id;
  return test::bytes_of(c);
}

std::vector<uint8_t> attach_entries(uint32_t id, const std::vector<virtio_gpu_mem_entry>& entries) {
  return test::attach_backing_raw(id, static_cast<uint32_t>(entries.size()), entries);
}

bool mapped(const void* p, size_t len) {
  const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t start = reinterpret_cast<uintptr_t>(p) & ~(page - 1);
  std::vector<unsigned char> vec((reinterpret_cast<uintptr_t>(p) + len - start + page - 1) / page);
  return ::mincore(reinterpret_cast<void*>(start), reinterpret_cast<uintptr_t>(p) + len - start, vec.data()) == 0;
}

uint32_t Submitted::type() const {
  virtio_gpu_ctrl_hdr h{};
  if (completed && response.size() >= sizeof h) std::memcpy(&h, response.data(), sizeof h);
  return h.type;
}

BlobDevice::BlobDevice(Options o) : ram(16 << 20, o.sealed), pixman(test::load_pixman(host)) {
  if (o.with_provider) {
    blob_guest::BlobOptions bo;
    bo.view = o.view == "map" ? blob_guest::BlobOptions::View::Map
              : o.view == "gather" ? blob_guest::BlobOptions::View::Gather
              : o.view == "udmabuf" ? blob_guest::BlobOptions::View::Udmabuf
                                    : blob_guest::BlobOptions::View::Auto;
    bo.udmabuf_device = o.udmabuf_device;
    provider = std::make_unique<blob_guest::GuestBlobProvider>(host, bo);
  }
  DeviceSettings settings;
  settings.limits = o.limits;
  device = std::make_unique<Device>(settings, *pixman, std::vector<Presenter*>{&presenter}, ram.memory(), host,
                                    provider.get());
  device->set_completion([this](QueueId, uint16_t head, uint32_t written) {
    Submitted& s = *sent.at(head);
    s.completed = true;
    s.response.resize(std::min<size_t>(written, s.response.size()));
  });
  links.fence_signalled = [this](uint32_t ctx, uint32_t ring, uint64_t id) { device->fence_signalled(ctx, ring, id); };
}

BlobDevice::~BlobDevice() {
  presenter.held.clear();
  device.reset();
  links.fence_signalled = nullptr;
}

Submitted& BlobDevice::submit(std::vector<uint8_t> request, QueueId q) {
  const uint16_t head = next_head_++;
  auto& s = sent[head] = std::make_unique<Submitted>();
  s->request = std::move(request);
  s->response.assign(q == QueueId::Control ? 4096 : 0, 0xaa);
  CommandChain chain;
  chain.head = head;
  chain.readable.push_back({s->request.data(), s->request.size()});
  if (!s->response.empty()) chain.writable.push_back({s->response.data(), s->response.size()});
  device->submit(q, std::move(chain));
  return *s;
}

uint32_t BlobDevice::call(std::vector<uint8_t> request) {
  Submitted& s = submit(std::move(request));
  if (!s.completed) throw std::runtime_error("command did not complete at once");
  return s.type();
}

bool BlobDevice::run_until(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);  // a safety net only
  while (!done() && std::chrono::steady_clock::now() < deadline) loop.run_once(10);
  return done();
}

void BlobDevice::draw(const std::vector<virtio_gpu_mem_entry>& entries, const std::vector<uint8_t>& bytes) {
  uint64_t at = 0;
  for (const auto& e : entries) {
    if (at >= bytes.size()) break;
    const uint64_t n = std::min<uint64_t>(e.length, bytes.size() - at);
    std::memcpy(ram.host(e.addr), bytes.data() + at, n);
    at += n;
  }
}

void BlobDevice::show_blob(uint32_t id, uint32_t w, uint32_t h, const std::vector<virtio_gpu_mem_entry>& entries,
                           uint32_t seed) {
  uint64_t size = 0;
  for (const auto& e : entries) size += e.length;
  draw(entries, test::pattern(w, h, seed));
  ASSERT_EQ(call(create_blob(id, size, entries)), kOk);
  ASSERT_EQ(call(set_scanout_blob(0, id, {0, 0, w, h}, w, h, w * 4)), kOk);
}

}  // namespace vugpu::blobtest
