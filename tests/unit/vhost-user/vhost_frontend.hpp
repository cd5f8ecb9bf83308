// A minimal vhost-user front-end for the transport tests: sends messages (with fds) over one
// end of a socketpair and reads replies, turning the server's EventLoop in between (server and
// test share the thread, so nothing runs unless the test turns the loop).
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>
#include "loop/event_loop.hpp"
#include "vugpu/unique_fd.hpp"
#include "vhost-user/protocol.hpp"

namespace vugpu::test {

class VhostFrontend {
 public:
  VhostFrontend(EventLoop& loop, UniqueFd socket) : loop_(loop), sock_(std::move(socket)) {}

  int fd() const { return sock_.get(); }
  void close() { sock_.reset(); }

  // Sends a request; `flags` are added to the version bits.
  void send(uint32_t request, std::span<const uint8_t> payload = {}, std::span<const int> fds = {}, uint32_t flags = 0);
  void send_raw(const void* bytes, size_t n);
  template <typename T> void send_struct(uint32_t request, const T& v, std::span<const int> fds = {}, uint32_t flags = 0) {
    send(request, std::span(reinterpret_cast<const uint8_t*>(&v), sizeof v), fds, flags);
  }
  void send_u64(uint32_t request, uint64_t v, std::span<const int> fds = {}, uint32_t flags = 0) {
    send_struct(request, v, fds, flags);
  }

  struct Reply {
    vhost::MessageHeader header;
    std::vector<uint8_t> payload;
    uint64_t u64() const;
  };
  // Turns the loop until a reply arrives (nullopt after `timeout`).
  std::optional<Reply> reply(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
  // Turns the loop for a while and says whether any reply came (it must not, for some tests).
  bool any_reply_within(std::chrono::milliseconds wait);
  // Turns the loop until `done()` or the timeout; returns done().
  template <typename F> bool pump_until(F done, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      loop_.run_once(5);
    }
    return true;
  }
  void pump(std::chrono::milliseconds for_how_long = std::chrono::milliseconds(20));

  // Request + reply in one go; REPLY_ACK requests add need_reply and return the ack value.
  uint64_t get_u64(uint32_t request);
  std::optional<uint64_t> acked(uint32_t request, std::span<const uint8_t> payload = {}, std::span<const int> fds = {});
  template <typename T> std::optional<uint64_t> acked_struct(uint32_t request, const T& v, std::span<const int> fds = {}) {
    return acked(request, std::span(reinterpret_cast<const uint8_t*>(&v), sizeof v), fds);
  }

  // The handshake QEMU does before the guest runs: features, protocol features (REPLY_ACK on).
  void handshake(uint64_t features);

 private:
  EventLoop& loop_;
  UniqueFd sock_;
};

}  // namespace vugpu::test
