#include "test_vmm.hpp"
#include "trace.hpp"
#include <poll.h>
#include <sys/socket.h>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace vugpu::frontend {

namespace {

template <typename T>
std::span<const uint8_t> bytes_of(const T& v) {
  return {reinterpret_cast<const uint8_t*>(&v), sizeof(T)};
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

const char* to_string(WaitResult r) {
  switch (r) {
    case WaitResult::Done: return "done";
    case WaitResult::Timeout: return "timed out";
    case WaitResult::BackendGone: return "backend closed the connection";
  }
  return "?";
}

TestVmm::TestVmm(VmmOptions options) : options_(std::move(options)), display_(options_.display) {
  ram_ = std::make_unique<GuestRam>(options_.ram_bytes, options_.ram_regions, options_.seal_ram);
  allocator_ = std::make_unique<PageAllocator>(*ram_, GuestRam::kPageSize, options_.allocator_seed);
  queues_[0] = std::make_unique<SplitVirtqueue>(*allocator_, options_.control_queue_size, false);
  queues_[1] = std::make_unique<SplitVirtqueue>(*allocator_, options_.cursor_queue_size, false);
  for (unsigned i = 0; i < kQueueCount; ++i) {
    kick_fds_[i] = make_eventfd();
    call_fds_[i] = make_eventfd();
    masked_call_fds_[i] = make_eventfd();
    err_fds_[i] = make_eventfd();
  }
}

TestVmm::~TestVmm() = default;

void TestVmm::connect(const std::string& socket_path, Millis timeout) {
  channel_ = VhostUserChannel(connect_unix(socket_path, Deadline(timeout)));
  backend_gone_ = false;
}

void TestVmm::adopt(UniqueFd connected_socket) {
  set_nonblocking(connected_socket.get());
  channel_ = VhostUserChannel(std::move(connected_socket));
  backend_gone_ = false;
}

void TestVmm::reinit_driver() {
  if (started_) throw FrontendError("reinit_driver() while the device runs: stop() first");
  queues_[0] = std::make_unique<SplitVirtqueue>(*allocator_, options_.control_queue_size, false);
  queues_[1] = std::make_unique<SplitVirtqueue>(*allocator_, options_.cursor_queue_size, false);
}

void TestVmm::disconnect() {
  channel_.close();
  display_.close();
  started_ = false;
}

bool TestVmm::wants_ack(uint32_t request) const {
  if (!(acked_protocol_ & vu::bit(vu::kProtocolReplyAck))) return false;
  switch (options_.acks) {
    case AckPolicy::Never: return false;
    case AckPolicy::Every: return true;
    case AckPolicy::Qemu:
      return request == vu::kSetMemTable || request == vu::kAddMemReg || request == vu::kSetVringEnable ||
             request == vu::kSetBackendReqFd;
    case AckPolicy::Qemu72:
      return request == vu::kSetMemTable || request == vu::kAddMemReg || request == vu::kSetBackendReqFd;
  }
  return false;
}

// ---- raw messages ----

IoStatus TestVmm::send(uint32_t request, std::span<const uint8_t> payload, std::span<const int> fds, uint32_t flags,
                       std::optional<uint32_t> size_override) {
  VUGPU_FE_TRACE("-> %s flags=0x%x size=%zu fds=%zu", vu::request_name(request), flags, payload.size(), fds.size());
  const IoStatus s = channel_.send(request, flags, payload, fds, size_override);
  if (s == IoStatus::Eof || s == IoStatus::Error) backend_gone_ = true;
  sent_.push_back({request, flags, size_override.value_or(uint32_t(payload.size())), fds.size()});
  return s;
}

IoStatus TestVmm::send_bytes(std::span<const uint8_t> bytes, std::span<const int> fds) {
  const IoStatus s = channel_.send_bytes(bytes, fds);
  if (s == IoStatus::Eof || s == IoStatus::Error) backend_gone_ = true;
  return s;
}

std::optional<VuMessage> TestVmm::read_message(const Deadline& deadline, bool serve_display) {
  if (!unread_.empty()) {
    VuMessage m = std::move(unread_.front());
    unread_.erase(unread_.begin());
    return m;
  }
  for (;;) {
    pollfd fds[2] = {{channel_.fd(), POLLIN, 0}, {display_.fd(), POLLIN, 0}};
    const nfds_t n = serve_display && display_.connected() ? 2 : 1;
    const int r = ::poll(fds, n, deadline.poll_ms());
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    if (n == 2 && fds[1].revents) display_.service();
    if (fds[0].revents) {
      VuMessage m;
      const IoStatus s = channel_.receive(m, Deadline(options_.reply_timeout));
      if (s == IoStatus::Ok) {
        VUGPU_FE_TRACE("<- %s flags=0x%x size=%u", vu::request_name(m.header.request), m.header.flags, m.header.size);
        return m;
      }
      if (s == IoStatus::Eof || s == IoStatus::Error) backend_gone_ = true;
      return std::nullopt;
    }
  }
}

std::optional<VuMessage> TestVmm::receive(Millis timeout) {
  return read_message(Deadline(timeout), options_.serve_display_while_waiting_for_replies);
}

VuMessage TestVmm::await_reply(uint32_t request) {
  auto m = read_message(Deadline(options_.reply_timeout), options_.serve_display_while_waiting_for_replies);
  if (!m)
    throw FrontendError(std::string("no reply to ") + vu::request_name(request) + " within " +
                        std::to_string(options_.reply_timeout.count()) + " ms" +
                        (backend_gone_ ? " (backend closed the connection)" : ""));
  if (m->header.request != request)
    throw FrontendError(std::string("reply to ") + vu::request_name(request) + " came as request " +
                        std::to_string(m->header.request) + " (" + vu::request_name(m->header.request) + ")");
  if (m->header.flags != (vu::kReplyFlag | vu::kVersion))
    throw FrontendError(std::string("reply to ") + vu::request_name(request) + " has flags " + hex(m->header.flags) +
                        ", QEMU accepts only 0x5");
  return std::move(*m);
}

VuMessage TestVmm::request(uint32_t req, std::span<const uint8_t> payload, std::span<const int> fds) {
  const IoStatus s = send(req, payload, fds);
  if (s != IoStatus::Ok) throw FrontendError(std::string("sending ") + vu::request_name(req) + ": " + to_string(s));
  return await_reply(req);
}

uint64_t TestVmm::get_u64(uint32_t req) {
  VuMessage m = request(req);
  if (m.payload.size() != sizeof(uint64_t))
    throw FrontendError(std::string("reply to ") + vu::request_name(req) + " has " + std::to_string(m.payload.size()) +
                        " payload bytes, expected 8");
  return *m.as<uint64_t>();
}

uint64_t TestVmm::set(uint32_t req, std::span<const uint8_t> payload, std::span<const int> fds, bool need_reply) {
  const bool ack = need_reply && (acked_protocol_ & vu::bit(vu::kProtocolReplyAck));
  const IoStatus s = send(req, payload, fds, vu::kVersion | (ack ? vu::kNeedReplyFlag : 0));
  if (s != IoStatus::Ok) throw FrontendError(std::string("sending ") + vu::request_name(req) + ": " + to_string(s));
  if (!ack) return 0;
  VuMessage m = await_reply(req);
  if (m.payload.size() != sizeof(uint64_t))
    throw FrontendError(std::string("REPLY_ACK to ") + vu::request_name(req) + " has " + std::to_string(m.payload.size()) +
                        " payload bytes, expected 8");
  return *m.as<uint64_t>();
}

uint64_t TestVmm::set_u64(uint32_t req, uint64_t value, bool need_reply) {
  return set(req, bytes_of(value), {}, need_reply);
}

// ---- the QEMU sequence ----

void TestVmm::realize() {
  offered_features_ = get_u64(vu::kGetFeatures);
  if (offered_features_ & vu::bit(vu::kFeatureProtocolFeatures)) {
    offered_protocol_ = get_u64(vu::kGetProtocolFeatures);
    acked_protocol_ = offered_protocol_ & options_.protocol_features;
    set_u64(vu::kSetProtocolFeatures, acked_protocol_);
  }
  if (acked_protocol_ & vu::bit(vu::kProtocolMq)) {
    const uint64_t queues = get_u64(vu::kGetQueueNum);
    if (queues < kQueueCount)
      throw FrontendError("GET_QUEUE_NUM says " + std::to_string(queues) + " queues; virtio-gpu needs 2");
  }
  if (acked_protocol_ & vu::bit(vu::kProtocolConfigureMemSlots)) {
    max_mem_slots_ = get_u64(vu::kGetMaxMemSlots);
    if (max_mem_slots_ < ram_->regions().size())
      throw FrontendError("GET_MAX_MEM_SLOTS says " + std::to_string(max_mem_slots_) + ", guest RAM has " +
                          std::to_string(ram_->regions().size()) + " regions");
  }
  if (acked_protocol_ & vu::bit(vu::kProtocolBackendReq)) {
    // vhost_setup_backend_channel(): a socket pair, the back-end's end sent, a reply asked
    // whenever REPLY_ACK was agreed.
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
      throw FrontendError(std::string("socketpair: ") + std::strerror(errno));
    backend_channel_ = UniqueFd(pair[0]);
    UniqueFd theirs(pair[1]);
    const int fd = theirs.get();
    const uint64_t nack = set(vu::kSetBackendReqFd, {}, {&fd, 1}, wants_ack(vu::kSetBackendReqFd));
    if (nack != 0) throw FrontendError("SET_BACKEND_REQ_FD refused: " + std::to_string(nack));
  }
  set(vu::kSetOwner, {}, {}, wants_ack(vu::kSetOwner));
  const uint64_t again = get_u64(vu::kGetFeatures);
  if (again != offered_features_)
    throw FrontendError("GET_FEATURES changed between two calls: " + hex(offered_features_) + " then " + hex(again));
  // vhost_virtqueue_init(): the masked call notifier and the error notifier of each queue.
  for (unsigned i = 0; i < kQueueCount; ++i) {
    const uint64_t index = i;
    const int call = masked_call_fds_[i].get(), err = err_fds_[i].get();
    set(vu::kSetVringCall, bytes_of(index), {&call, 1}, wants_ack(vu::kSetVringCall));
    set(vu::kSetVringErr, bytes_of(index), {&err, 1}, wants_ack(vu::kSetVringErr));
  }
  read_config();
}

void TestVmm::read_config() {
  if (!(acked_protocol_ & vu::bit(vu::kProtocolConfig))) return;
  std::vector<uint8_t> payload(sizeof(vu::ConfigHead) + sizeof(virtio_gpu_config), 0);
  const vu::ConfigHead head{0, uint32_t(sizeof(virtio_gpu_config)), 0};
  std::memcpy(payload.data(), &head, sizeof(head));
  VuMessage m = request(vu::kGetConfig, payload);
  if (m.payload.size() != payload.size())
    throw FrontendError("GET_CONFIG reply has " + std::to_string(m.payload.size()) + " bytes, expected " +
                        std::to_string(payload.size()));
  std::memcpy(&config_, m.payload.data() + sizeof(vu::ConfigHead), sizeof(config_));
}

void TestVmm::clear_config_events(uint32_t events) {
  std::vector<uint8_t> payload(sizeof(vu::ConfigHead) + sizeof(uint32_t), 0);
  const vu::ConfigHead head{uint32_t(offsetof(virtio_gpu_config, events_clear)), uint32_t(sizeof(uint32_t)), 0};
  std::memcpy(payload.data(), &head, sizeof(head));
  std::memcpy(payload.data() + sizeof(head), &events, sizeof(events));
  set(vu::kSetConfig, payload, {}, wants_ack(vu::kSetConfig));
}

std::optional<uint32_t> TestVmm::wait_backend_request(Millis timeout) {
  if (!backend_channel_) return std::nullopt;
  vu::Header h{};
  if (recv_exact(backend_channel_.get(), &h, sizeof h, nullptr, Deadline(timeout)) != IoStatus::Ok) return std::nullopt;
  std::vector<uint8_t> payload(h.size);
  if (h.size != 0 && recv_exact(backend_channel_.get(), payload.data(), h.size, nullptr, Deadline(timeout)) != IoStatus::Ok)
    return std::nullopt;
  return h.request;
}

std::vector<uint8_t> TestVmm::mem_table_payload() const {
  const auto& regions = ram_->regions();
  std::vector<uint8_t> payload(sizeof(vu::MemoryTableHead) + regions.size() * sizeof(vu::MemoryRegion), 0);
  const vu::MemoryTableHead head{uint32_t(regions.size()), 0};
  std::memcpy(payload.data(), &head, sizeof(head));
  for (size_t i = 0; i < regions.size(); ++i) {
    const vu::MemoryRegion r{regions[i].gpa, regions[i].size, reinterpret_cast<uint64_t>(regions[i].host),
                             regions[i].mmap_offset};
    std::memcpy(payload.data() + sizeof(head) + i * sizeof(r), &r, sizeof(r));
  }
  return payload;
}

std::vector<int> TestVmm::mem_table_fds() const { return std::vector<int>(ram_->regions().size(), ram_->fd()); }

std::vector<uint8_t> TestVmm::mem_region_payload(size_t index) const {
  const RamRegion& region = ram_->regions().at(index);
  std::vector<uint8_t> payload(sizeof(uint64_t) + sizeof(vu::MemoryRegion), 0);  // u64 padding first
  const vu::MemoryRegion r{region.gpa, region.size, reinterpret_cast<uint64_t>(region.host), region.mmap_offset};
  std::memcpy(payload.data() + sizeof(uint64_t), &r, sizeof(r));
  return payload;
}

void TestVmm::send_memory() {
  if (acked_protocol_ & vu::bit(vu::kProtocolConfigureMemSlots)) {
    const int fd = ram_->fd();
    for (size_t i = 0; i < ram_->regions().size(); ++i)
      if (const uint64_t r = set(vu::kAddMemReg, mem_region_payload(i), {&fd, 1}, wants_ack(vu::kAddMemReg)); r != 0)
        throw FrontendError("backend refused ADD_MEM_REG for region " + std::to_string(i) + " (REPLY_ACK " + hex(r) + ")");
    return;
  }
  const auto table = mem_table_payload();
  const auto fds = mem_table_fds();
  if (const uint64_t r = set(vu::kSetMemTable, table, fds, wants_ack(vu::kSetMemTable)); r != 0)
    throw FrontendError("backend refused SET_MEM_TABLE (REPLY_ACK " + hex(r) + ")");
}

void TestVmm::set_call_fds(const std::array<UniqueFd, kQueueCount>& fds) {
  for (unsigned i = 0; i < kQueueCount; ++i) {
    const uint64_t index = i;
    const int fd = fds[i].get();
    set(vu::kSetVringCall, bytes_of(index), {&fd, 1}, wants_ack(vu::kSetVringCall));
  }
}

void TestVmm::setup_queue(Queue q) {
  const unsigned i = unsigned(q);
  SplitVirtqueue& vq = *queues_[i];
  set(vu::kSetVringNum, bytes_of(vu::VringState{i, vq.size()}), {}, wants_ack(vu::kSetVringNum));
  set(vu::kSetVringBase, bytes_of(vu::VringState{i, vq.avail_idx()}), {}, wants_ack(vu::kSetVringBase));
  const vu::VringAddr addr{i, 0, ram_->uva(vq.desc_gpa()), ram_->uva(vq.used_gpa()), ram_->uva(vq.avail_gpa()), 0};
  set(vu::kSetVringAddr, bytes_of(addr), {}, wants_ack(vu::kSetVringAddr));
  const uint64_t index = i;
  const int kick = kick_fds_[i].get();
  set(vu::kSetVringKick, bytes_of(index), {&kick, 1}, wants_ack(vu::kSetVringKick));
}

void TestVmm::start() {
  read_config();  // the driver's probe reads num_scanouts before it sets DRIVER_OK
  UniqueFd backend_end = display_.open();
  const int display_fd = backend_end.get();
  set(vu::kGpuSetSocket, {}, {&display_fd, 1}, wants_ack(vu::kGpuSetSocket));
  backend_end.reset();  // the backend has its copy now
  set_call_fds(masked_call_fds_);  // virtio-pci sets up the guest notifiers, masked

  uint64_t wanted = vu::bit(vu::kFeatureVersion1) | options_.device_features;
  if (options_.event_idx) wanted |= vu::bit(vu::kFeatureEventIdx);
  if (options_.indirect_desc) wanted |= vu::bit(vu::kFeatureIndirectDesc);
  wanted |= vu::bit(vu::kFeatureProtocolFeatures);  // vhost-user's own bit, kept when offered
  acked_features_ = offered_features_ & wanted;
  set_u64(vu::kSetFeatures, acked_features_, wants_ack(vu::kSetFeatures));
  const bool event_idx = has_feature(vu::kFeatureEventIdx);
  for (auto& q : queues_) q->set_event_idx(event_idx);

  send_memory();
  for (unsigned i = 0; i < kQueueCount; ++i) setup_queue(Queue(i));
  if (has_feature(vu::kFeatureProtocolFeatures)) {
    for (unsigned i = 0; i < kQueueCount; ++i) {
      const bool ack = wants_ack(vu::kSetVringEnable);
      if (set(vu::kSetVringEnable, bytes_of(vu::VringState{i, 1}), {}, ack) != 0)
        throw FrontendError("backend refused SET_VRING_ENABLE for queue " + std::to_string(i));
      if (!ack && options_.acks == AckPolicy::Qemu) get_u64(vu::kGetFeatures);  // QEMU's sync without REPLY_ACK
    }
  }
  // The guest unmasks its interrupt vectors: the real call eventfds. A call that went to the
  // masked notifier meanwhile is passed on, as QEMU does when it unmasks.
  set_call_fds(call_fds_);
  for (unsigned i = 0; i < kQueueCount; ++i)
    if (drain_eventfd(masked_call_fds_[i].get())) signal_eventfd(call_fds_[i].get());
  started_ = true;
}

std::vector<uint32_t> TestVmm::stop() {
  display_.close();
  std::vector<uint32_t> bases;
  if (has_feature(vu::kFeatureProtocolFeatures)) {
    for (unsigned i = 0; i < kQueueCount; ++i)
      set(vu::kSetVringEnable, bytes_of(vu::VringState{i, 0}), {}, wants_ack(vu::kSetVringEnable));
  }
  for (unsigned i = 0; i < kQueueCount; ++i) {
    VuMessage m = request(vu::kGetVringBase, bytes_of(vu::VringState{i, 0}));
    auto state = m.as<vu::VringState>();
    if (!state || m.payload.size() != sizeof(vu::VringState))
      throw FrontendError("GET_VRING_BASE reply has " + std::to_string(m.payload.size()) + " bytes, expected 8");
    if (state->index != i)
      throw FrontendError("GET_VRING_BASE for queue " + std::to_string(i) + " answered for queue " + std::to_string(state->index));
    bases.push_back(state->num);
  }
  started_ = false;
  return bases;
}

// ---- running ----

void TestVmm::kick(Queue q) {
  VUGPU_FE_TRACE("kick queue %u", unsigned(q));
  queues_[unsigned(q)]->kick_needed();  // moves the "kicked at" mark
  signal_eventfd(kick_fds_[unsigned(q)].get());
}

void TestVmm::kick_if_needed(Queue q) {
  if (queues_[unsigned(q)]->kick_needed()) {
    VUGPU_FE_TRACE("kick queue %u", unsigned(q));
    signal_eventfd(kick_fds_[unsigned(q)].get());
  } else {
    VUGPU_FE_TRACE("no kick needed on queue %u", unsigned(q));
  }
}

WaitResult TestVmm::run_until(const std::function<bool()>& done, const Deadline& deadline) {
  // Poll in slices: a used entry that shows up without a call signal is caught and counted.
  constexpr int kSliceMs = 100;
  for (;;) {
    for (auto& q : queues_) q->arm_interrupt();
    if (done()) return WaitResult::Done;
    if (backend_gone_) return WaitResult::BackendGone;
    if (deadline.expired()) return WaitResult::Timeout;
    std::array<uint16_t, kQueueCount> used_before{};
    for (unsigned i = 0; i < kQueueCount; ++i) used_before[i] = queues_[i]->used_idx();

    pollfd fds[4] = {{call_fds_[0].get(), POLLIN, 0},
                     {call_fds_[1].get(), POLLIN, 0},
                     {channel_.fd(), POLLIN | POLLRDHUP, 0},
                     {display_.fd(), POLLIN, 0}};
    const nfds_t n = display_.connected() ? 4 : 3;
    const int r = ::poll(fds, n, deadline.poll_ms(kSliceMs));
    if (r < 0 && errno != EINTR) throw FrontendError(std::string("poll: ") + std::strerror(errno));
    if (r == 0) {
      // A whole slice without a call although the used index moved: remembered, and judged in
      // completions_without_call() (the call may still come, however late).
      for (unsigned i = 0; i < kQueueCount; ++i)
        if (queues_[i]->used_idx() != used_before[i]) awaiting_call_[i] = true;
      continue;
    }
    if (n == 4 && fds[3].revents) display_.service();
    for (unsigned i = 0; i < kQueueCount; ++i)
      if (fds[i].revents && drain_eventfd(call_fds_[i].get())) {
        ++calls_[i];
        awaiting_call_[i] = false;
      }
    if (fds[2].revents & (POLLHUP | POLLERR)) {
      backend_gone_ = true;
    } else if (fds[2].revents & (POLLIN | POLLRDHUP)) {
      VuMessage m;
      const IoStatus s = channel_.receive(m, Deadline(options_.reply_timeout));
      if (s == IoStatus::Ok) unread_.push_back(std::move(m));
      else backend_gone_ = true;
    }
    if (!channel_.open()) backend_gone_ = true;
  }
}

uint64_t TestVmm::completions_without_call(Millis safety) {
  const Deadline deadline(safety);
  for (unsigned i = 0; i < kQueueCount; ++i) {
    if (!awaiting_call_[i]) continue;
    pollfd call{call_fds_[i].get(), POLLIN, 0};
    int r;
    while ((r = ::poll(&call, 1, deadline.poll_ms())) < 0 && errno == EINTR) {
    }
    if (r == 1 && drain_eventfd(call_fds_[i].get())) ++calls_[i];
    else ++unnotified_;
    awaiting_call_[i] = false;
  }
  return unnotified_;
}

WaitResult TestVmm::wait_queue_error(Queue q, const Deadline& deadline) {
  const int fd = err_fds_[unsigned(q)].get();
  return run_until(
      [&] {
        if (!drain_eventfd(fd)) return false;
        ++queue_errors_[unsigned(q)];
        return true;
      },
      deadline);
}

void TestVmm::pump(Millis timeout) {
  bool once = false;
  run_until([&] { return std::exchange(once, true); }, Deadline(timeout));
}

}  // namespace vugpu::frontend
