// Helpers of the vhost-user transport tests: real memfds, real sockets, a log that keeps its
// lines, a driver's view of a split ring laid out in guest RAM, and a small device (GpuBackend)
// that records the chains it gets and answers them (the transport is under test, not the GPU).
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>
#include "vugpu/unique_fd.hpp"
#include "memory/guest_memory.hpp"
#include "vhost-user/gpu_backend.hpp"
#include "vhost-user/protocol.hpp"
#include "vugpu/log.hpp"

namespace vugpu::test {

// Keeps every line (and prints it when VUGPU_TEST_VERBOSE is set).
class CaptureLog final : public Log {
 public:
  void write(LogLevel level, std::string_view message) override;
  bool enabled(LogLevel) const override { return true; }
  bool contains(std::string_view needle) const;
  std::vector<std::string> lines() const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// Guest RAM in one memfd, mapped here. gpa 0 is the start; the "user address" the VMM would
// send is kUvaBase + gpa.
class GuestRam {
 public:
  static constexpr uint64_t kUvaBase = 0x7f0000000000ull;
  explicit GuestRam(uint64_t bytes);
  ~GuestRam();
  GuestRam(const GuestRam&) = delete;
  GuestRam& operator=(const GuestRam&) = delete;

  int fd() const { return fd_.get(); }
  uint64_t size() const { return size_; }
  uint8_t* at(uint64_t gpa) const { return base_ + gpa; }
  uint64_t uva(uint64_t gpa) const { return kUvaBase + gpa; }
  // A GuestMemory region over this RAM (shares the mapping, unmaps nothing).
  std::shared_ptr<MemoryRegion> region() const { return MemoryRegion::borrow(0, base_, size_, kUvaBase); }
  vhost::MemoryRegionDesc desc() const { return {0, size_, kUvaBase, 0}; }

 private:
  UniqueFd fd_;
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

struct DescSpec {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;  // kDescFlagWrite / kDescFlagIndirect (NEXT is set by the helper)
};

// The driver's side of a split ring in GuestRam: desc table, avail and used rings at fixed
// guest addresses, with helpers to build chains and read what the device put in the used ring.
class DriverRing {
 public:
  DriverRing(GuestRam& ram, uint32_t num, uint64_t gpa);

  uint32_t num() const { return num_; }
  uint64_t desc_gpa() const { return desc_; }
  uint64_t avail_gpa() const { return avail_; }
  uint64_t used_gpa() const { return used_; }
  uint64_t end_gpa() const { return used_ + 6 + 8ull * num_; }

  // Writes descriptors [first, first + n) chained with NEXT; returns first.
  uint16_t write_chain(uint16_t first, const std::vector<DescSpec>& descs);
  // Writes one raw descriptor.
  void write_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
  // Writes an indirect table at `gpa` (chained with NEXT) and returns its byte length.
  uint32_t write_indirect(uint64_t gpa, const std::vector<DescSpec>& descs);

  // Puts `head` in the avail ring and bumps avail->idx (release order).
  void make_available(uint16_t head);
  void set_avail_idx(uint16_t idx);
  uint16_t avail_idx() const;
  void set_avail_flags(uint16_t flags);
  void set_used_event(uint16_t v);
  uint16_t avail_event() const;

  uint16_t used_idx() const;
  void set_used_idx(uint16_t v);
  struct UsedElem {
    uint32_t id, len;
  };
  UsedElem used(uint16_t idx) const;  // element at ring position idx % num

 private:
  GuestRam& ram_;
  uint32_t num_;
  uint64_t desc_, avail_, used_;
  uint16_t avail_idx_ = 0;
};

// A device for transport tests: records chains; answers each at once (echo mode: writes the
// readable bytes' count as a little-endian u32 into the first writable buffer) or keeps it
// until complete_held() (hold mode).
class LoopbackDevice final : public vhost::GpuBackend {
 public:
  struct Seen {
    QueueId queue;
    uint16_t head;
    std::vector<uint8_t> request;   // all readable bytes
    uint64_t writable_bytes;
  };

  uint64_t features() const override { return features_; }
  virtio_gpu_config config_space() const override;
  void set_completion(Device::CompleteFn fn) override { complete_ = std::move(fn); }
  void submit(QueueId queue, CommandChain chain) override;
  void reset() override;

  void set_features(uint64_t f) { features_ = f; }
  void set_hold(bool hold) { hold_ = hold; }
  // Completes the held chains in order; returns how many.
  size_t complete_held();

  std::vector<Seen> seen;
  int resets = 0;
  std::deque<std::pair<QueueId, CommandChain>> held;

 private:
  uint32_t answer(const CommandChain& chain);
  Device::CompleteFn complete_;
  uint64_t features_ = 1ull << VIRTIO_GPU_F_EDID;
  bool hold_ = false;
};

// Open file descriptors of this process (/proc/self/fd), and mappings (/proc/self/maps lines).
size_t open_fd_count();
size_t mapping_count();

// A fresh eventfd (non-blocking) and whether it was signalled (reads and clears it).
UniqueFd make_eventfd();
bool eventfd_signalled(int fd);

}  // namespace vugpu::test
