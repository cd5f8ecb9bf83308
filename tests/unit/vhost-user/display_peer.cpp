#include "display_peer.hpp"

#include <poll.h>
#include <stdexcept>
#include "vhost-user/socket_io.hpp"

namespace vugpu::test {

std::optional<PeerMessage> peer_read(int fd, int timeout_ms) {
  PeerMessage m;
  bool truncated = false;
  if (io::read_exact(fd, &m.header, sizeof m.header, timeout_ms, m.fds, truncated) != io::IoResult::Ok)
    return std::nullopt;
  m.payload.resize(m.header.size);
  if (io::read_exact(fd, m.payload.data(), m.payload.size(), timeout_ms, m.fds, truncated) != io::IoResult::Ok)
    return std::nullopt;
  return m;
}

void peer_reply(int fd, uint32_t request, std::span<const uint8_t> payload) {
  gpu::Header h{request, gpu::kFlagReply, static_cast<uint32_t>(payload.size())};
  const iovec iov[2] = {{&h, sizeof h}, {const_cast<uint8_t*>(payload.data()), payload.size()}};
  uint64_t sent = 0;
  if (io::send_all(fd, iov, {}, 1000, sent) != io::IoResult::Ok) throw std::runtime_error("peer reply");
}

void peer_reply_u64(int fd, uint32_t request, uint64_t v) {
  peer_reply(fd, request, std::span(reinterpret_cast<const uint8_t*>(&v), sizeof v));
}

void peer_reply_display_info(int fd, const std::vector<std::pair<uint32_t, uint32_t>>& modes) {
  virtio_gpu_resp_display_info info{};
  info.hdr.type = VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
  for (size_t i = 0; i < modes.size() && i < VIRTIO_GPU_MAX_SCANOUTS; ++i) {
    info.pmodes[i].r.width = modes[i].first;
    info.pmodes[i].r.height = modes[i].second;
    info.pmodes[i].enabled = modes[i].first != 0;
  }
  peer_reply(fd, gpu::kGetDisplayInfo, std::span(reinterpret_cast<const uint8_t*>(&info), sizeof info));
}

PeerThread::~PeerThread() {
  stop_ = true;
  thread_.join();
}

std::vector<uint32_t> PeerThread::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

void PeerThread::run() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    auto m = peer_read(fd_, 1000);
    if (!m) return;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(m->header.request);
    }
    handler_(fd_, *m);
  }
}

}  // namespace vugpu::test
