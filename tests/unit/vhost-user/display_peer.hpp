// The VMM's end of a vhost-user-gpu display socket, for tests: reads the back-end's messages
// (with any fds) and writes replies, the way QEMU's vhost-user-gpu.c does.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <optional>
#include <span>
#include <vector>
#include "vugpu/unique_fd.hpp"
#include "vhost-user/gpu_protocol.hpp"

namespace vugpu::test {

struct PeerMessage {
  gpu::Header header{};
  std::vector<uint8_t> payload;
  std::vector<UniqueFd> fds;
  template <typename T> T as(size_t offset = 0) const;
};

// Reads one whole message (nullopt on timeout / EOF).
std::optional<PeerMessage> peer_read(int fd, int timeout_ms = 1000);
// Sends a reply (reply flag set).
void peer_reply(int fd, uint32_t request, std::span<const uint8_t> payload);
void peer_reply_u64(int fd, uint32_t request, uint64_t v);
// GET_DISPLAY_INFO reply with the given enabled modes (index = scanout).
void peer_reply_display_info(int fd, const std::vector<std::pair<uint32_t, uint32_t>>& modes);

// A VMM peer on its own thread: hands every message to `handler` (which may reply).
class PeerThread {
 public:
  using Handler = std::function<void(int fd, const PeerMessage&)>;
  PeerThread(int fd, Handler h) : fd_(fd), handler_(std::move(h)), thread_([this] { run(); }) {}
  ~PeerThread();
  std::vector<uint32_t> requests();

 private:
  void run();
  int fd_;
  Handler handler_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<uint32_t> requests_;
  std::thread thread_;
};

template <typename T> T PeerMessage::as(size_t offset) const {
  T v{};
  if (payload.size() >= offset + sizeof v) __builtin_memcpy(&v, payload.data() + offset, sizeof v);
  return v;
}

}  // namespace vugpu::test
