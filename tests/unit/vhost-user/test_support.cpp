#include "test_support.hpp"

#include <dirent.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace vugpu::test {

// --- CaptureLog ---------------------------------------------------------------------------------

void CaptureLog::write(LogLevel, std::string_view message) {
  std::lock_guard lock(mutex_);
  lines_.emplace_back(message);
  if (std::getenv("VUGPU_TEST_VERBOSE")) std::fprintf(stderr, "log: %.*s\n", int(message.size()), message.data());
}

bool CaptureLog::contains(std::string_view needle) const {
  std::lock_guard lock(mutex_);
  for (const auto& l : lines_)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

std::vector<std::string> CaptureLog::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

void CaptureLog::clear() {
  std::lock_guard lock(mutex_);
  lines_.clear();
}

// --- GuestRam -----------------------------------------------------------------------------------

GuestRam::GuestRam(uint64_t bytes) : fd_(::memfd_create("vugpu-test-ram", MFD_CLOEXEC)), size_(bytes) {
  if (!fd_ || ::ftruncate(fd_.get(), static_cast<off_t>(bytes)) != 0) throw std::runtime_error("memfd");
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (p == MAP_FAILED) throw std::runtime_error("mmap");
  base_ = static_cast<uint8_t*>(p);
}

GuestRam::~GuestRam() { ::munmap(base_, size_); }

// --- DriverRing ---------------------------------------------------------------------------------

namespace {
uint16_t ld16(const uint8_t* p) { return __atomic_load_n(reinterpret_cast<const uint16_t*>(p), __ATOMIC_ACQUIRE); }
void st16(uint8_t* p, uint16_t v) { __atomic_store_n(reinterpret_cast<uint16_t*>(p), v, __ATOMIC_RELEASE); }
}  // namespace

DriverRing::DriverRing(GuestRam& ram, uint32_t num, uint64_t gpa) : ram_(ram), num_(num), desc_(gpa) {
  avail_ = desc_ + 16ull * num;
  used_ = (avail_ + 6 + 2ull * num + 3) & ~3ull;
  std::memset(ram_.at(desc_), 0, end_gpa() - desc_);
}

void DriverRing::write_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
  uint8_t* d = ram_.at(desc_ + 16ull * i);
  std::memcpy(d, &addr, 8);
  std::memcpy(d + 8, &len, 4);
  std::memcpy(d + 12, &flags, 2);
  std::memcpy(d + 14, &next, 2);
}

uint16_t DriverRing::write_chain(uint16_t first, const std::vector<DescSpec>& descs) {
  for (size_t k = 0; k < descs.size(); ++k) {
    const bool last = k + 1 == descs.size();
    const uint16_t i = static_cast<uint16_t>(first + k);
    write_desc(i, descs[k].addr, descs[k].len, descs[k].flags | (last ? 0 : vhost::kDescFlagNext),
               last ? 0 : static_cast<uint16_t>(i + 1));
  }
  return first;
}

uint32_t DriverRing::write_indirect(uint64_t gpa, const std::vector<DescSpec>& descs) {
  for (size_t k = 0; k < descs.size(); ++k) {
    const bool last = k + 1 == descs.size();
    uint8_t* d = ram_.at(gpa + 16 * k);
    const uint16_t flags = descs[k].flags | (last ? 0 : vhost::kDescFlagNext);
    const uint16_t next = last ? 0 : static_cast<uint16_t>(k + 1);
    std::memcpy(d, &descs[k].addr, 8);
    std::memcpy(d + 8, &descs[k].len, 4);
    std::memcpy(d + 12, &flags, 2);
    std::memcpy(d + 14, &next, 2);
  }
  return static_cast<uint32_t>(16 * descs.size());
}

void DriverRing::make_available(uint16_t head) {
  uint8_t* a = ram_.at(avail_);
  std::memcpy(a + 4 + 2 * (avail_idx_ % num_), &head, 2);
  ++avail_idx_;
  st16(a + 2, avail_idx_);
}

void DriverRing::set_avail_idx(uint16_t idx) {
  avail_idx_ = idx;
  st16(ram_.at(avail_ + 2), idx);
}

uint16_t DriverRing::avail_idx() const { return avail_idx_; }
void DriverRing::set_avail_flags(uint16_t flags) { st16(ram_.at(avail_), flags); }
void DriverRing::set_used_event(uint16_t v) { st16(ram_.at(avail_ + 4 + 2ull * num_), v); }
uint16_t DriverRing::avail_event() const { return ld16(ram_.at(used_ + 4 + 8ull * num_)); }
uint16_t DriverRing::used_idx() const { return ld16(ram_.at(used_ + 2)); }
void DriverRing::set_used_idx(uint16_t v) { st16(ram_.at(used_ + 2), v); }

DriverRing::UsedElem DriverRing::used(uint16_t idx) const {
  UsedElem e;
  std::memcpy(&e, ram_.at(used_ + 4 + 8ull * (idx % num_)), sizeof e);
  return e;
}

// --- LoopbackDevice -----------------------------------------------------------------------------

virtio_gpu_config LoopbackDevice::config_space() const {
  virtio_gpu_config c{};
  c.num_scanouts = 2;
  c.num_capsets = 0;
  return c;
}

uint32_t LoopbackDevice::answer(const CommandChain& chain) {
  uint64_t readable = 0;
  for (const iovec& v : chain.readable) readable += v.iov_len;
  if (chain.writable.empty() || chain.writable[0].iov_len < 4) return 0;
  const uint32_t value = static_cast<uint32_t>(readable);
  std::memcpy(chain.writable[0].iov_base, &value, 4);
  return 4;
}

void LoopbackDevice::submit(QueueId queue, CommandChain chain) {
  Seen s{queue, chain.head, {}, 0};
  for (const iovec& v : chain.readable) {
    const auto* p = static_cast<const uint8_t*>(v.iov_base);
    s.request.insert(s.request.end(), p, p + v.iov_len);
  }
  for (const iovec& v : chain.writable) s.writable_bytes += v.iov_len;
  seen.push_back(std::move(s));
  if (hold_) {
    held.emplace_back(queue, std::move(chain));
    return;
  }
  const uint32_t n = answer(chain);
  if (complete_) complete_(queue, chain.head, n);
}

size_t LoopbackDevice::complete_held() {
  size_t n = 0;
  while (!held.empty()) {
    auto [queue, chain] = std::move(held.front());
    held.pop_front();
    const uint32_t bytes = answer(chain);
    if (complete_) complete_(queue, chain.head, bytes);
    ++n;
  }
  return n;
}

void LoopbackDevice::reset() {
  ++resets;
  held.clear();
}

// --- process state ------------------------------------------------------------------------------

size_t open_fd_count() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory's own fd
}

size_t mapping_count() {
  std::ifstream maps("/proc/self/maps");
  size_t n = 0;
  std::string line;
  while (std::getline(maps, line)) ++n;
  return n;
}

UniqueFd make_eventfd() { return UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)); }

bool eventfd_signalled(int fd) {
  uint64_t v = 0;
  return ::read(fd, &v, sizeof v) == sizeof v && v > 0;
}

}  // namespace vugpu::test
