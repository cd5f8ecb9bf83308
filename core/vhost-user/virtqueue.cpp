#include "vhost-user/virtqueue.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include "memory/guarded_mapping.hpp"

namespace vugpu::vhost {

namespace {

const char* queue_name(QueueId id) { return id == QueueId::Control ? "controlq" : "cursorq"; }

bool aligned(uint64_t value, uint64_t alignment) { return value % alignment == 0; }

void write_event(int fd) {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
}

}  // namespace

Virtqueue::Virtqueue(QueueId id, QueueEnv env)
    : id_(id), env_(env), poisonings_at_start_(poison_count()) {}

Virtqueue::~Virtqueue() = default;

void Virtqueue::set_features(bool event_idx, bool indirect, bool protocol_features) {
  event_idx_ = event_idx;
  indirect_ = indirect;
  protocol_features_ = protocol_features;
}

bool Virtqueue::running() const {
  return ring_.attached() && started_ && static_cast<bool>(kick_) && !broken_ && (!protocol_features_ || enabled_);
}

bool Virtqueue::set_num(uint32_t num, std::string& why) {
  if (started_) {
    why = "the queue is running";
    return false;
  }
  if (!SplitRing::valid_size(num)) {
    why = fmt::format("size {} is not a power of two in 1..{}", num, kMaxQueueSize);
    return false;
  }
  num_ = num;
  // Grown, never shrunk: chains of an earlier, larger size may still be in flight.
  if (in_flight_.size() < num) in_flight_.resize(num, 0);
  ring_.detach();
  if (addr_) {
    std::string ignored;  // the addresses follow in SET_VRING_ADDR and are checked there
    translate(ignored);
  }
  return true;
}

bool Virtqueue::set_base(uint32_t base, std::string& why) {
  if (started_) {
    why = "the queue is running";
    return false;
  }
  if (base > 0xffff) {
    why = fmt::format("base {} does not fit a split ring index", base);
    return false;
  }
  rewound_ = stopped_at_.has_value() && *stopped_at_ != base;
  ring_.set_last_avail_idx(static_cast<uint16_t>(base));
  return true;
}

bool Virtqueue::translate(std::string& why) {
  ring_.detach();
  if (num_ == 0 || !addr_) {
    why = "size or addresses not set";
    return false;
  }
  const VringAddr& a = *addr_;
  if (!aligned(a.desc_user_addr, 16) || !aligned(a.avail_user_addr, 2) || !aligned(a.used_user_addr, 4)) {
    why = "ring addresses are misaligned (descriptors 16, avail 2, used 4 bytes)";
    return false;
  }
  void* desc = env_.memory.contiguous_uva(a.desc_user_addr, SplitRing::desc_bytes(num_));
  void* avail = env_.memory.contiguous_uva(a.avail_user_addr, SplitRing::avail_bytes(num_));
  void* used = env_.memory.contiguous_uva(a.used_user_addr, SplitRing::used_bytes(num_));
  if (desc == nullptr || avail == nullptr || used == nullptr) {
    why = fmt::format("ring not inside one guest memory region (desc {:#x}, avail {:#x}, used {:#x})",
                      a.desc_user_addr, a.avail_user_addr, a.used_user_addr);
    return false;
  }
  if (!aligned(reinterpret_cast<uintptr_t>(desc), 16) || !aligned(reinterpret_cast<uintptr_t>(avail), 2) ||
      !aligned(reinterpret_cast<uintptr_t>(used), 4)) {
    why = "ring host mapping is misaligned";
    return false;
  }
  ring_.attach(num_, desc, avail, used);
  return true;
}

bool Virtqueue::set_addr(const VringAddr& addr, std::string& why) {
  const std::optional<VringAddr> old = addr_;
  addr_ = addr;
  if (!translate(why)) {
    addr_ = old;
    std::string ignored;
    if (addr_) translate(ignored);
    return false;
  }
  broken_ = false;  // the VMM set the ring up again
  return true;
}

bool Virtqueue::set_kick(UniqueFd fd, std::string& why) {
  if (!fd) {
    why = "a kick without eventfd (polling) is not supported";
    return false;
  }
  // Non-blocking, so that a wake-up whose count someone else took never blocks the loop.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    why = fmt::format("kick fd unusable: {}", std::strerror(errno));
    return false;
  }
  try {
    kick_.watch(env_.loop, std::move(fd), [this] { on_kick(); });
  } catch (const std::exception& e) {
    why = fmt::format("kick fd cannot be watched: {}", e.what());
    return false;
  }
  started_ = true;
  broken_ = false;
  stopped_at_.reset();
  rewound_ = false;
  if (!ring_.attached() && addr_) {
    std::string ignored;
    translate(ignored);
  }
  // Completions that came while the queue was stopped go out now.
  if (ring_.attached() && !held_completions_.empty()) {
    for (auto [head, len] : held_completions_) ring_.push_used(head, len);
    held_completions_.clear();
    notify();
  }
  // Chains the driver queued before we were started wait for a kick that may have been
  // consumed elsewhere: look at the ring on the next turn of the loop.
  write_event(kick_.get());
  return true;
}

void Virtqueue::set_enabled(bool enabled) {
  enabled_ = enabled;
  if (running()) write_event(kick_.get());
}

uint16_t Virtqueue::stop() {
  kick_.reset();
  call_.reset();
  started_ = false;
  stopped_at_ = ring_.last_avail_idx();
  return ring_.last_avail_idx();
}

void Virtqueue::memory_changed() {
  if (!addr_) return;
  std::string why;
  if (!translate(why) && started_)
    env_.log.warn("vhost-user: {} stopped by the new memory table: {}", queue_name(id_), why);
}

void Virtqueue::forget_in_flight() {
  std::fill(in_flight_.begin(), in_flight_.end(), 0);
  in_flight_total_ = 0;
  held_completions_.clear();
}

void Virtqueue::complete(uint16_t head, uint32_t bytes_written) {
  if (head >= in_flight_.size() || in_flight_[head] == 0) {
    env_.guest_log.write("vhost-user", "{}: completion of head {} that is not in flight ignored", queue_name(id_), head);
    return;
  }
  --in_flight_[head];
  --in_flight_total_;
  if (poison_count() != poisonings_at_start_) {
    ++stats_.withheld;
    return;
  }
  ++stats_.completions;
  if (!started_ || !ring_.attached()) {
    held_completions_.emplace_back(head, bytes_written);
    return;
  }
  ring_.push_used(head, bytes_written);
  if (!batching_) notify_at_end_of_turn();
}

// One call a turn of the loop however many chains completed in it: a 2D flip is a TRANSFER
// completed while the kick is processed and a FLUSH completed later in the same turn, when the
// presenters release the frame; the driver needs one interrupt for both.
void Virtqueue::notify_at_end_of_turn() {
  if (notify_asked_) return;
  notify_asked_ = true;
  env_.loop.at_end_of_turn([this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.expired()) return;
    notify_asked_ = false;
    notify();
  });
}

void Virtqueue::notify() {
  if (!ring_.attached()) return;
  if (ring_.need_notify(event_idx_) && call_) {
    write_event(call_.get());
    ++stats_.notifications;
  }
}

void Virtqueue::signal_error() {
  if (err_) write_event(err_.get());
}

void Virtqueue::on_kick() {
  uint64_t count;
  const ssize_t n = ::read(kick_.get(), &count, sizeof count);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    // Not an eventfd that works (closed pipe, socket): stop watching it or we would spin.
    env_.log.warn("vhost-user: {} kick fd unusable ({}); queue stopped", queue_name(id_),
                  n == 0 ? "end of file" : std::strerror(errno));
    kick_.reset();
    return;
  }
  process();
}

void Virtqueue::process() {
  if (!running()) return;
  batching_ = true;
  // Per turn, so the vhost-user socket and the other queue are not starved: at most num_
  // chains, and at most kDescriptorsPerTurn descriptors read. A chain may cost up to num_
  // descriptors (a loop is found only after num_ hops) or an indirect table of 32768: a guest
  // filling a 32768-entry ring with such chains would otherwise hold the loop for 2^30 reads
  // (seconds; found by the vhost-user fuzz target, 20 minutes under ASan).
  uint32_t budget = num_;
  uint32_t weight = kDescriptorsPerTurn;
  bool more = false;
  for (;;) {
    // Guest RAM was truncated under us (guarded_mapping.hpp): the ring reads zeros now; take
    // nothing more from it. The server drops the VMM on its next turn.
    if (poison_count() != poisonings_at_start_) break;
    CommandChain chain;
    const SplitRing::PopResult r = ring_.pop(env_.memory, indirect_, limits_, chain);
    if (r.kind == SplitRing::PopKind::Empty) {
      if (event_idx_ && ring_.publish_avail_event()) continue;  // more came while we looked
      break;
    }
    if (r.kind == SplitRing::PopKind::Broken) {
      env_.guest_log.write("vhost-user",
                           "{}: avail ring corrupt (avail idx {}, last seen {}, head {}, size {}); queue stopped",
                           queue_name(id_), r.avail_idx, ring_.last_avail_idx(), r.head, num_);
      broken_ = true;
      signal_error();
      break;
    }
    ++in_flight_[r.head];
    ++in_flight_total_;
    if (r.kind == SplitRing::PopKind::BadChain) {
      ++stats_.bad_chains;
      env_.guest_log.write("vhost-user", "{}: chain at head {} refused: {}; returned with 0 bytes", queue_name(id_),
                           r.head, to_string(r.error));
      complete(r.head, 0);
    } else {
      ++stats_.chains;
      env_.device.submit(id_, std::move(chain));
    }
    if (--budget == 0 || r.descriptors >= weight) {
      more = true;
      break;
    }
    weight -= r.descriptors;
  }
  batching_ = false;
  notify_at_end_of_turn();
  if (more && kick_) write_event(kick_.get());  // continue on the next turn of the loop
}

}  // namespace vugpu::vhost
