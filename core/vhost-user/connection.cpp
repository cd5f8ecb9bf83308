#include "vhost-user/connection.hpp"

#include <sys/socket.h>
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace vugpu::vhost {

namespace {

constexpr int kMessagesPerTurn = 64;  // then let the queues run

}  // namespace

Connection::Connection(ConnectionEnv env, int socket_fd)
    : env_(env), socket_(socket_fd), memory_table_(env.memory) {
  for (uint32_t i = 0; i < kQueueCount; ++i)
    queues_[i] = std::make_unique<Virtqueue>(static_cast<QueueId>(i),
                                             QueueEnv{env_.loop, env_.memory, env_.device, env_.log, env_.guest_log});
}

Connection::~Connection() {
  // Queues and the display go first (their fds and watches), then the memory mappings.
  display_.reset();
  for (auto& q : queues_) q.reset();
  memory_table_.clear();
}

VmmDisplay* Connection::display() { return display_ && display_->is_open() ? display_.get() : nullptr; }

void Connection::on_complete(QueueId queue, uint16_t head, uint32_t bytes_written) {
  const auto i = static_cast<uint32_t>(queue);
  if (i < kQueueCount) queues_[i]->complete(head, bytes_written);
}

uint64_t Connection::chains_submitted() const {
  uint64_t n = 0;
  for (const auto& q : queues_) n += q->stats().chains;
  return n;
}

void Connection::reset_device(const char* reason) {
  env_.log.info("vhost-user: device reset ({})", reason);
  env_.device.reset();
  for (auto& q : queues_) q->forget_in_flight();
  memory_table_.drop_retired();  // nothing points into old mappings any more
}

bool Connection::on_readable() {
  for (int i = 0; i < kMessagesPerTurn; ++i) {
    Message m;
    std::string error;
    switch (read_message(socket_, env_.timeout_ms, m, error)) {
      case ReadStatus::NothingYet: return true;
      case ReadStatus::Closed:
        env_.log.info("vhost-user: the VMM closed the connection{}{}", error.empty() ? "" : ": ", error);
        return false;
      case ReadStatus::Broken:
        env_.log.error("vhost-user: closing the connection: {}", error);
        return false;
      case ReadStatus::Ok: break;
    }
    dispatch(m);
    if (lost_) return false;
  }
  return true;
}

bool Connection::reply(uint32_t request, std::span<const uint8_t> payload) {
  if (!send_reply(socket_, request, payload, env_.timeout_ms)) {
    env_.log.error("vhost-user: cannot send the reply to {}", request_name(request));
    lost_ = true;
    return false;
  }
  return true;
}

bool Connection::reply_u64(uint32_t request, uint64_t value) {
  return reply(request, std::span(reinterpret_cast<const uint8_t*>(&value), sizeof value));
}

void Connection::dispatch(Message& m) {
  const uint32_t req = m.header.request;
  const bool ack_wanted = m.need_reply() && (protocol_features_ & bit(kProtocolReplyAck));
  std::string why = check_message(m);
  bool ok = why.empty() && handle(m, why);
  if (lost_) return;
  env_.log.debug("vhost-user: {} {}", request_name(req), ok ? "ok" : "refused");
  if (!ok) {
    env_.log.warn("vhost-user: {} refused: {}", request_name(req), why);
    if (has_reply(req)) {
      reply(req, {});  // an empty reply: the front-end sees an error instead of waiting
      return;
    }
    if (m.need_reply()) {  // unknown requests too: whoever asked for an answer gets a nack
      reply_u64(req, 1);
      return;
    }
  }
  if (ok && ack_wanted && !has_reply(req)) reply_u64(req, 0);
}

Virtqueue* Connection::queue_at(uint64_t index, std::string& why) {
  if (index >= kQueueCount) {
    why = fmt::format("queue {} does not exist (virtio-gpu has {})", index, kQueueCount);
    return nullptr;
  }
  return queues_[index].get();
}

void Connection::after_memory_change() {
  for (auto& q : queues_) q->memory_changed();
  env_.device.memory_changed();  // blobs whose pages went away lose their view
  if (memory_table_.too_many_retired()) reset_device("too many replaced memory regions still mapped");
}

bool Connection::handle(Message& m, std::string& why) {
  const uint64_t offered = env_.device.features() | kTransportFeatures;
  switch (m.header.request) {
    case kGetFeatures:
      return reply_u64(kGetFeatures, offered);

    case kSetFeatures: {
      // QEMU 10 passes on transport bits the guest acked with QEMU's own virtio-pci that we never
      // offered (VIRTIO_F_RING_RESET, bit 40): refusing the message would leave the rings without
      // EVENT_IDX/INDIRECT and the guest stuck, so unoffered bits are dropped (logged) and the
      // rest is taken. Nothing of ours depends on them.
      const uint64_t f = m.as<uint64_t>() & offered;
      if (const uint64_t extra = m.as<uint64_t>() & ~offered)
        env_.log.debug("vhost-user: SET_FEATURES: ignoring bits {:#x} that were not offered", extra);
      features_ = f;
      for (auto& q : queues_)
        q->set_features(f & bit(kFeatureEventIdx), f & bit(kFeatureIndirectDesc), f & bit(kFeatureProtocolFeatures));
      return true;
    }

    case kSetOwner:
      owner_ = true;
      return true;

    case kResetOwner:
      for (auto& q : queues_) q->stop();
      reset_device("RESET_OWNER");
      features_ = 0;
      owner_ = false;
      return true;

    case kSetMemTable:
      return h_set_mem_table(m, why);

    case kGetMaxMemSlots:
      return reply_u64(kGetMaxMemSlots, MemoryTable::kMaxSlots);

    case kAddMemReg: {
      const auto r = m.as<SingleMemoryRegion>();
      if (!memory_table_.add(r.region, std::move(m.fds[0]), why)) return false;
      after_memory_change();
      return true;
    }

    case kRemMemReg: {
      const auto r = m.as<SingleMemoryRegion>();
      if (!memory_table_.remove(r.region, why)) return false;
      after_memory_change();
      return true;
    }

    case kSetVringNum: {
      const auto s = m.as<VringState>();
      Virtqueue* q = queue_at(s.index, why);
      return q != nullptr && q->set_num(s.num, why);
    }

    case kSetVringAddr: {
      const auto a = m.as<VringAddr>();
      Virtqueue* q = queue_at(a.index, why);
      return q != nullptr && q->set_addr(a, why);
    }

    case kSetVringBase:
      return h_set_vring_base(m, why);

    case kGetVringBase: {
      const auto s = m.as<VringState>();
      Virtqueue* q = queue_at(s.index, why);
      if (q == nullptr) return false;
      const VringState reply_state{s.index, q->stop()};
      chains_at_last_stop_ = chains_submitted();
      return reply(kGetVringBase, std::span(reinterpret_cast<const uint8_t*>(&reply_state), sizeof reply_state));
    }

    case kSetVringKick:
    case kSetVringCall:
    case kSetVringErr:
      return h_vring_fd(m, why);

    case kSetVringEnable: {
      const auto s = m.as<VringState>();
      Virtqueue* q = queue_at(s.index, why);
      if (q == nullptr) return false;
      if (s.num > 1) {
        why = fmt::format("enable value {}", s.num);
        return false;
      }
      q->set_enabled(s.num == 1);
      return true;
    }

    case kGetProtocolFeatures:
      return reply_u64(kGetProtocolFeatures, kProtocolFeatures);

    case kSetProtocolFeatures: {
      const uint64_t f = m.as<uint64_t>();
      if (f & ~kProtocolFeatures) {
        why = fmt::format("protocol features {:#x} were not offered", f & ~kProtocolFeatures);
        return false;
      }
      protocol_features_ = f;
      return true;
    }

    case kGetQueueNum:
      return reply_u64(kGetQueueNum, kQueueCount);

    case kGetConfig:
      return h_get_config(m, why);

    case kSetConfig:
      return h_set_config(m, why);

    case kSetBackendReqFd:
      backend_channel_ = std::move(m.fds[0]);
      return true;

    case kGpuSetSocket: {
      // A new socket replaces the old one (QEMU sends one each time the guest starts the device).
      display_.reset();
      display_ = std::make_unique<DisplayChannel>(env_.loop, std::move(m.fds[0]), env_.log, env_.timeout_ms);
      if (!display_->start()) {
        why = "the display socket is not usable";
        return false;
      }
      return true;
    }
  }
  why = "not supported";
  return false;
}

bool Connection::h_set_mem_table(Message& m, std::string& why) {
  const auto t = m.as<MemoryTableHeader>();
  std::vector<MemoryRegionDesc> regions(t.nregions);
  if (t.nregions != 0)  // (memcpy with an empty vector's null data() is undefined)
    std::memcpy(regions.data(), m.payload.data() + sizeof(MemoryTableHeader), t.nregions * sizeof(MemoryRegionDesc));
  if (!memory_table_.replace(regions, m.fds, why)) return false;
  env_.log.info("vhost-user: memory table of {} region(s)", t.nregions);
  for (const auto& r : regions)
    env_.log.debug("vhost-user:   gpa {:#x} size {:#x} uva {:#x} offset {:#x}", r.guest_phys_addr, r.memory_size,
                   r.userspace_addr, r.mmap_offset);
  after_memory_change();
  return true;
}

bool Connection::h_set_vring_base(const Message& m, std::string& why) {
  const auto s = m.as<VringState>();
  Virtqueue* q = queue_at(s.index, why);
  if (q == nullptr || !q->set_base(s.num, why)) return false;
  // The front-end restarts a stopped queue somewhere else than where we stopped it: the driver
  // reset the device (QEMU sends no message for that), so the guest's resources are gone. Only
  // before anything ran since the stop: the other queue may already be running again.
  if (q->rewound() && chains_submitted() == chains_at_last_stop_) reset_device("the driver restarted the queues");
  return true;
}

bool Connection::h_vring_fd(Message& m, std::string& why) {
  const uint64_t v = m.as<uint64_t>();
  Virtqueue* q = queue_at(v & kVringIndexMask, why);
  if (q == nullptr) return false;
  UniqueFd fd = (v & kVringNoFdFlag) ? UniqueFd() : std::move(m.fds[0]);
  switch (m.header.request) {
    case kSetVringKick: return q->set_kick(std::move(fd), why);
    case kSetVringCall: q->set_call(std::move(fd)); return true;
    default: q->set_err(std::move(fd)); return true;
  }
}

bool Connection::raise_config_event(uint32_t event) {
  events_read_ |= event;
  if (!backend_channel_ || !(protocol_features_ & bit(kProtocolConfig))) return false;
  // No reply asked: the front-end answers nothing, and a stalled one never blocks the loop.
  const MessageHeader h{kBackendConfigChangeMsg, kVersion, 0};
  if (::send(backend_channel_.get(), &h, sizeof h, MSG_DONTWAIT | MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof h)) {
    env_.log.warn("vhost-user: the config change (events_read {:#x}) could not be sent: {}", events_read_,
                  std::strerror(errno));
    return false;
  }
  return true;
}

bool Connection::h_get_config(const Message& m, std::string& why) {
  const auto c = m.as<ConfigHeader>();
  virtio_gpu_config config = env_.device.config_space();
  config.events_read = events_read_;
  config.events_clear = 0;
  if (uint64_t{c.offset} + c.size > sizeof config) {
    why = fmt::format("config range {}+{} outside the {} bytes of virtio_gpu_config", c.offset, c.size, sizeof config);
    return false;
  }
  std::vector<uint8_t> out(sizeof(ConfigHeader) + c.size);
  std::memcpy(out.data(), &c, sizeof c);
  std::memcpy(out.data() + sizeof c, reinterpret_cast<const uint8_t*>(&config) + c.offset, c.size);
  return reply(kGetConfig, out);
}

bool Connection::h_set_config(const Message& m, std::string& why) {
  const auto c = m.as<ConfigHeader>();
  virtio_gpu_config config{};
  if (uint64_t{c.offset} + c.size > sizeof config) {
    why = fmt::format("config range {}+{} outside the {} bytes of virtio_gpu_config", c.offset, c.size, sizeof config);
    return false;
  }
  std::memcpy(reinterpret_cast<uint8_t*>(&config) + c.offset, m.payload.data() + sizeof c, c.size);
  // Only events_clear is writable (virtio 1.x 5.7.4); the rest is read-only and ignored.
  constexpr uint32_t clear_at = offsetof(virtio_gpu_config, events_clear);
  if (c.offset <= clear_at && uint64_t{c.offset} + c.size >= clear_at + sizeof(uint32_t))
    events_read_ &= ~config.events_clear;
  return true;
}

}  // namespace vugpu::vhost
