#include "split_virtqueue.hpp"
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vugpu::frontend {

namespace {

uint16_t load(const uint16_t* p) { return std::atomic_ref<uint16_t>(*const_cast<uint16_t*>(p)).load(std::memory_order_acquire); }
void store(uint16_t* p, uint16_t v) { std::atomic_ref<uint16_t>(*p).store(v, std::memory_order_release); }

// virtio spec 2.7.10: does moving from `old_idx` to `new_idx` cross `event_idx`?
bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
  return uint16_t(new_idx - event_idx - 1) < uint16_t(new_idx - old_idx);
}

constexpr uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

SplitVirtqueue::SplitVirtqueue(PageAllocator& alloc, uint16_t size, bool event_idx)
    : ram_(alloc.ram()), size_(size), event_idx_(event_idx) {
  if (size == 0 || (size & (size - 1)) != 0 || size > 32768)
    throw std::invalid_argument("virtqueue size must be a power of two up to 32768");
  const uint64_t desc_bytes = 16ull * size;
  const uint64_t avail_bytes = 6 + 2ull * size;
  const uint64_t used_off = align_up(desc_bytes + avail_bytes, 64);  // Linux aligns used to a cache line
  const uint64_t used_bytes = 6 + 8ull * size;
  rings_ = alloc.allocate(used_off + used_bytes, Placement::Contiguous);
  if (rings_.empty()) throw std::runtime_error("no guest RAM left for a virtqueue");
  rings_.fill(0);
  desc_gpa_ = rings_.gpa();
  avail_gpa_ = desc_gpa_ + desc_bytes;
  used_gpa_ = desc_gpa_ + used_off;
  desc_ = reinterpret_cast<Descriptor*>(ram_.host(desc_gpa_, desc_bytes));
  avail_ = ram_.host(avail_gpa_, avail_bytes);
  used_ = ram_.host(used_gpa_, used_bytes);
  chains_.resize(size);
  for (int i = size - 1; i >= 0; --i) free_.push_back(uint16_t(i));
}

uint16_t* SplitVirtqueue::avail_flags() const { return reinterpret_cast<uint16_t*>(avail_); }
uint16_t* SplitVirtqueue::avail_idx_ptr() const { return reinterpret_cast<uint16_t*>(avail_ + 2); }
uint16_t* SplitVirtqueue::avail_ring() const { return reinterpret_cast<uint16_t*>(avail_ + 4); }
uint16_t* SplitVirtqueue::used_event() const { return reinterpret_cast<uint16_t*>(avail_ + 4 + 2 * size_); }
uint16_t* SplitVirtqueue::used_flags() const { return reinterpret_cast<uint16_t*>(used_); }
uint16_t* SplitVirtqueue::used_idx_ptr() const { return reinterpret_cast<uint16_t*>(used_ + 2); }
uint8_t* SplitVirtqueue::used_ring() const { return used_ + 4; }
uint16_t* SplitVirtqueue::avail_event() const { return reinterpret_cast<uint16_t*>(used_ + 4 + 8 * size_); }

std::optional<uint16_t> SplitVirtqueue::add_chain(std::span<const BufferRef> buffers) {
  if (buffers.empty() || buffers.size() > free_.size()) return std::nullopt;
  std::vector<uint16_t> slots(free_.end() - buffers.size(), free_.end());
  free_.resize(free_.size() - buffers.size());
  uint64_t writable = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    Descriptor d{buffers[i].gpa, buffers[i].len, uint16_t(buffers[i].writable ? kDescWrite : 0), 0};
    if (i + 1 < buffers.size()) {
      d.flags |= kDescNext;
      d.next = slots[i + 1];
    }
    if (buffers[i].writable) writable += buffers[i].len;
    desc_[slots[i]] = d;
  }
  const uint16_t head = slots[0];
  chains_[head] = {true, std::move(slots), writable};
  return head;
}

std::optional<uint16_t> SplitVirtqueue::add_indirect(std::span<const BufferRef> buffers, uint64_t table_gpa) {
  if (buffers.empty() || free_.empty()) return std::nullopt;
  auto* table = reinterpret_cast<Descriptor*>(ram_.host(table_gpa, 16 * buffers.size()));
  if (!table) throw std::out_of_range("indirect table outside guest RAM");
  uint64_t writable = 0;
  for (size_t i = 0; i < buffers.size(); ++i) {
    Descriptor d{buffers[i].gpa, buffers[i].len, uint16_t(buffers[i].writable ? kDescWrite : 0), 0};
    if (i + 1 < buffers.size()) {
      d.flags |= kDescNext;
      d.next = uint16_t(i + 1);
    }
    if (buffers[i].writable) writable += buffers[i].len;
    table[i] = d;
  }
  const uint16_t head = free_.back();
  free_.pop_back();
  desc_[head] = Descriptor{table_gpa, uint32_t(16 * buffers.size()), kDescIndirect, 0};
  chains_[head] = {true, {head}, writable};
  return head;
}

void SplitVirtqueue::publish(uint16_t head) {
  avail_ring()[next_avail_ % size_] = head;
  ++next_avail_;
  std::atomic_thread_fence(std::memory_order_release);
  store(avail_idx_ptr(), next_avail_);
}

void SplitVirtqueue::publish_raw(uint16_t ring_value) { publish(ring_value); }

bool SplitVirtqueue::kick_needed() {
  std::atomic_thread_fence(std::memory_order_seq_cst);  // avail idx store before reading the device's wish
  const uint16_t old = kicked_at_;
  kicked_at_ = next_avail_;
  if (old == next_avail_) return false;
  if (event_idx_) return need_event(load(avail_event()), next_avail_, old);
  return (load(used_flags()) & kUsedNoNotify) == 0;
}

bool SplitVirtqueue::has_used() const { return load(used_idx_ptr()) != last_used_; }

std::optional<UsedEntry> SplitVirtqueue::pop_used() {
  const uint16_t device_idx = load(used_idx_ptr());
  if (device_idx == last_used_) return std::nullopt;
  if (uint16_t(device_idx - last_used_) > size_) {
    errors_.push_back("used->idx jumped from " + std::to_string(last_used_) + " to " + std::to_string(device_idx) +
                      " (more than the queue size " + std::to_string(size_) + ")");
  }
  UsedEntry e;
  std::memcpy(&e, used_ring() + 8 * (last_used_ % size_), sizeof(e));
  ++last_used_;
  if (e.id >= size_ || !chains_[e.id].active) {
    errors_.push_back("used entry names descriptor " + std::to_string(e.id) + ", which is not an outstanding chain head");
    return e;
  }
  Outstanding& chain = chains_[e.id];
  if (e.len > chain.writable_bytes)
    errors_.push_back("used entry for head " + std::to_string(e.id) + " says " + std::to_string(e.len) +
                      " bytes written, but the chain has only " + std::to_string(chain.writable_bytes) + " writable");
  for (uint16_t s : chain.slots) free_.push_back(s);
  chain = {};
  return e;
}

void SplitVirtqueue::arm_interrupt() {
  if (event_idx_) store(used_event(), last_used_);
  else store(avail_flags(), 0);
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

std::vector<uint16_t> SplitVirtqueue::take_descriptors(uint16_t count) {
  if (count > free_.size()) throw std::runtime_error("not enough free descriptors");
  std::vector<uint16_t> slots(free_.end() - count, free_.end());
  free_.resize(free_.size() - count);
  return slots;
}

void SplitVirtqueue::write_descriptor(uint16_t index, const Descriptor& d) { desc_[index % size_] = d; }
Descriptor SplitVirtqueue::read_descriptor(uint16_t index) const { return desc_[index % size_]; }

void SplitVirtqueue::track_chain(uint16_t head, std::vector<uint16_t> slots) {
  uint64_t writable = 0;
  for (uint16_t s : slots)
    if (desc_[s].flags & kDescWrite) writable += desc_[s].len;
  chains_[head % size_] = {true, std::move(slots), writable};
}

void SplitVirtqueue::forget_chain(uint16_t head) {
  Outstanding& chain = chains_[head % size_];
  if (!chain.active) return;
  for (uint16_t s : chain.slots) free_.push_back(s);
  chain = {};
}

void SplitVirtqueue::give_back(std::span<const uint16_t> slots) {
  for (uint16_t s : slots) free_.push_back(s);
}

void SplitVirtqueue::set_avail_idx(uint16_t idx) {
  next_avail_ = idx;
  std::atomic_thread_fence(std::memory_order_release);
  store(avail_idx_ptr(), idx);
}

uint16_t SplitVirtqueue::avail_idx() const { return load(avail_idx_ptr()); }
uint16_t SplitVirtqueue::used_idx() const { return load(used_idx_ptr()); }

size_t SplitVirtqueue::outstanding() const {
  size_t n = 0;
  for (const auto& c : chains_) n += c.active;
  return n;
}

}  // namespace vugpu::frontend
