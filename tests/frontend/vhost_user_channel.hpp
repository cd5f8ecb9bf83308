// Message framing on the vhost-user socket, frontend side. Well-formed messages for the normal
// path and a raw door for malformed ones (any size field, any flags, any fds, bare bytes).
#pragma once
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include "deadline.hpp"
#include "unix_io.hpp"
#include "wire/vhost_user.hpp"

namespace vugpu::frontend {

struct VuMessage {
  vu::Header header{};
  std::vector<uint8_t> payload;
  std::vector<UniqueFd> fds;

  template <typename T>
  std::optional<T> as() const {  // payload read as T when it is at least that long
    if (payload.size() < sizeof(T)) return std::nullopt;
    T v;
    std::memcpy(&v, payload.data(), sizeof(T));
    return v;
  }
};

class VhostUserChannel {
 public:
  VhostUserChannel() = default;
  explicit VhostUserChannel(UniqueFd sock) : sock_(std::move(sock)) {}

  int fd() const { return sock_.get(); }
  bool open() const { return bool(sock_); }
  void close() { sock_.reset(); }

  // One message: header (request, flags, size) + payload, fds attached. `size_override` puts
  // a different number in the header's size field than the payload carries (malformed input).
  IoStatus send(uint32_t request, uint32_t flags, std::span<const uint8_t> payload,
                std::span<const int> fds = {}, std::optional<uint32_t> size_override = std::nullopt,
                Millis timeout = Millis(5000));
  // Anything at all (e.g. half a header).
  IoStatus send_bytes(std::span<const uint8_t> bytes, std::span<const int> fds = {}, Millis timeout = Millis(5000));

  // Next message from the backend. Payloads above `max_payload` are refused (Error) without
  // reading them: a sane backend never sends one.
  IoStatus receive(VuMessage& out, const Deadline& deadline, uint32_t max_payload = 4096);

 private:
  UniqueFd sock_;
};

}  // namespace vugpu::frontend
