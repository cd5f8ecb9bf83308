#include "vhost_user_channel.hpp"

namespace vugpu::frontend {

IoStatus VhostUserChannel::send(uint32_t request, uint32_t flags, std::span<const uint8_t> payload,
                                std::span<const int> fds, std::optional<uint32_t> size_override, Millis timeout) {
  vu::Header h{request, flags, size_override.value_or(uint32_t(payload.size()))};
  iovec iov[2] = {{&h, sizeof(h)}, {const_cast<uint8_t*>(payload.data()), payload.size()}};
  return send_all(sock_.get(), iov, fds, Deadline(timeout));
}

IoStatus VhostUserChannel::send_bytes(std::span<const uint8_t> bytes, std::span<const int> fds, Millis timeout) {
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  return send_all(sock_.get(), {&iov, 1}, fds, Deadline(timeout));
}

IoStatus VhostUserChannel::receive(VuMessage& out, const Deadline& deadline, uint32_t max_payload) {
  out = VuMessage{};
  IoStatus s = recv_exact(sock_.get(), &out.header, sizeof(out.header), &out.fds, deadline);
  if (s != IoStatus::Ok) return s;
  if (out.header.size > max_payload) return IoStatus::Error;
  out.payload.resize(out.header.size);
  return recv_exact(sock_.get(), out.payload.data(), out.payload.size(), &out.fds, deadline);
}

}  // namespace vugpu::frontend
