#include "vhost_frontend.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <cstring>
#include <stdexcept>
#include "vhost-user/socket_io.hpp"

namespace vugpu::test {

using namespace vhost;

void VhostFrontend::send(uint32_t request, std::span<const uint8_t> payload, std::span<const int> fds, uint32_t flags) {
  MessageHeader h{request, kVersion | flags, static_cast<uint32_t>(payload.size())};
  const iovec iov[2] = {{&h, sizeof h}, {const_cast<uint8_t*>(payload.data()), payload.size()}};
  uint64_t sent = 0;
  if (io::send_all(sock_.get(), iov, fds, 2000, sent) != io::IoResult::Ok) throw std::runtime_error("frontend send");
}

void VhostFrontend::send_raw(const void* bytes, size_t n) {
  const iovec iov{const_cast<void*>(bytes), n};
  uint64_t sent = 0;
  if (io::send_all(sock_.get(), std::span(&iov, 1), {}, 2000, sent) != io::IoResult::Ok)
    throw std::runtime_error("frontend send");
}

uint64_t VhostFrontend::Reply::u64() const {
  uint64_t v = ~uint64_t{0};
  if (payload.size() == sizeof v) std::memcpy(&v, payload.data(), sizeof v);
  return v;
}

std::optional<VhostFrontend::Reply> VhostFrontend::reply(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    loop_.run_once(1);
    if (io::wait_fd(sock_.get(), POLLIN, 1)) {
      Reply r;
      std::vector<UniqueFd> fds;
      bool truncated = false;
      if (io::read_exact(sock_.get(), &r.header, sizeof r.header, 1000, fds, truncated) != io::IoResult::Ok)
        return std::nullopt;
      r.payload.resize(r.header.size);
      if (io::read_exact(sock_.get(), r.payload.data(), r.payload.size(), 1000, fds, truncated) != io::IoResult::Ok)
        return std::nullopt;
      return r;
    }
  }
  return std::nullopt;
}

bool VhostFrontend::any_reply_within(std::chrono::milliseconds wait) {
  const auto end = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < end) {
    loop_.run_once(1);
    pollfd p{sock_.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      char c;
      if (::recv(sock_.get(), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1) return true;
    }
  }
  return false;
}

void VhostFrontend::pump(std::chrono::milliseconds for_how_long) {
  const auto end = std::chrono::steady_clock::now() + for_how_long;
  while (std::chrono::steady_clock::now() < end) loop_.run_once(1);
}

uint64_t VhostFrontend::get_u64(uint32_t request) {
  send(request);
  auto r = reply();
  if (!r || r->header.request != request) throw std::runtime_error("no reply");
  return r->u64();
}

std::optional<uint64_t> VhostFrontend::acked(uint32_t request, std::span<const uint8_t> payload, std::span<const int> fds) {
  send(request, payload, fds, kFlagNeedReply);
  auto r = reply();
  if (!r || r->header.request != request || !(r->header.flags & kFlagReply)) return std::nullopt;
  return r->u64();
}

void VhostFrontend::handshake(uint64_t features) {
  get_u64(kGetFeatures);
  const uint64_t protocol = get_u64(kGetProtocolFeatures);
  send_u64(kSetProtocolFeatures, protocol);
  send(kSetOwner);
  if (acked(kSetFeatures, std::span(reinterpret_cast<const uint8_t*>(&features), sizeof features)) != 0u)
    throw std::runtime_error("SET_FEATURES refused");
}

}  // namespace vugpu::test
