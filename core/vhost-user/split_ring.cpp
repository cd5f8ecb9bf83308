#include "vhost-user/split_ring.hpp"

#include "vhost-user/protocol.hpp"
#include <atomic>

namespace vugpu::vhost {

namespace {

// Shared 16/32-bit fields: never torn, never re-read by the compiler.
uint16_t load16(const uint8_t* p) { return __atomic_load_n(reinterpret_cast<const uint16_t*>(p), __ATOMIC_RELAXED); }
void store16(uint8_t* p, uint16_t v) { __atomic_store_n(reinterpret_cast<uint16_t*>(p), v, __ATOMIC_RELAXED); }
void store32(uint8_t* p, uint32_t v) { __atomic_store_n(reinterpret_cast<uint32_t*>(p), v, __ATOMIC_RELAXED); }

// Offsets inside the avail and used rings.
constexpr uint64_t kFlags = 0, kIdx = 2, kRing = 4;
constexpr uint64_t avail_entry(uint32_t i) { return kRing + 2ull * i; }
constexpr uint64_t used_entry(uint32_t i) { return kRing + 8ull * i; }

}  // namespace

void SplitRing::attach(uint32_t num, void* desc, void* avail, void* used) {
  num_ = num;
  desc_ = static_cast<uint8_t*>(desc);
  avail_ = static_cast<uint8_t*>(avail);
  used_ = static_cast<uint8_t*>(used);
  used_idx_ = load16(used_ + kIdx);
  signalled_used_ = used_idx_;
  signalled_used_valid_ = false;
}

void SplitRing::detach() {
  desc_ = avail_ = used_ = nullptr;
  signalled_used_valid_ = false;
}

SplitRing::PopResult SplitRing::pop(const GuestMemory& memory, bool indirect_negotiated, const ChainLimits& limits,
                                    CommandChain& out) {
  PopResult r;
  r.avail_idx = load16(avail_ + kIdx);
  const uint16_t pending = static_cast<uint16_t>(r.avail_idx - last_avail_idx_);  // wraps at 65536 by design
  if (pending == 0) return r;
  if (pending > num_) {
    r.kind = PopKind::Broken;
    return r;
  }
  std::atomic_thread_fence(std::memory_order_acquire);  // entries after the index that covers them
  r.head = load16(avail_ + avail_entry(last_avail_idx_ & (num_ - 1)));
  ++last_avail_idx_;
  r.error = walk_chain(desc_, num_, r.head, memory, indirect_negotiated, limits, out, &r.descriptors);
  if (r.error == ChainError::HeadOutOfRange) {
    // No valid id to hand back in the used ring: the guest cannot get this one back.
    r.kind = PopKind::Broken;
    return r;
  }
  r.kind = r.error == ChainError::None ? PopKind::Chain : PopKind::BadChain;
  return r;
}

void SplitRing::push_used(uint16_t head, uint32_t len) {
  uint8_t* elem = used_ + used_entry(used_idx_ & (num_ - 1));
  store32(elem, head);
  store32(elem + 4, len);
  ++used_idx_;
  std::atomic_thread_fence(std::memory_order_release);  // the element before the index
  store16(used_ + kIdx, used_idx_);
}

bool SplitRing::need_notify(bool event_idx) {
  // The driver must see used->idx before we look at what it asked for.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const uint16_t old_idx = signalled_used_;
  const bool valid = signalled_used_valid_;
  signalled_used_ = used_idx_;
  signalled_used_valid_ = true;
  if (old_idx == used_idx_) return false;  // nothing new since the last notification (or attach)
  if (!event_idx) return !(load16(avail_ + kFlags) & kAvailFlagNoInterrupt);
  if (!valid) return true;
  const uint16_t used_event = load16(avail_ + avail_entry(num_));
  return need_event(used_event, used_idx_, old_idx);
}

bool SplitRing::publish_avail_event() {
  store16(used_ + used_entry(num_), last_avail_idx_);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // publish before re-reading avail->idx
  return load16(avail_ + kIdx) != last_avail_idx_;
}

}  // namespace vugpu::vhost
