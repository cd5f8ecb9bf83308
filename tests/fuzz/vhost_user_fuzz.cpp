#include "vhost_user_fuzz.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <algorithm>
#include <cstring>
#include <vector>
#include "test_support.hpp"
#include "vhost-user/protocol.hpp"
#include "vhost-user/server.hpp"

namespace vugpu::fuzz {

namespace {

class NullLog final : public Log {
 public:
  void write(LogLevel, std::string_view) override {}
  bool enabled(LogLevel) const override { return false; }
};

bool send_with_fds(int sock, std::span<const uint8_t> bytes, std::span<const int> fds) {
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)]{};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == ssize_t(bytes.size());
}

void drain(int sock) {
  char sink[4096];
  while (::recv(sock, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
}

}  // namespace

std::string run_vhost_user_input(std::span<const uint8_t> data) {
  static test::GuestRam ram(1 << 20);
  // Mapped once (fast), zeroed per input: an input's rings and tables must not depend on what
  // earlier inputs poked, or a finding could not be replayed on its own (a 20-minute input of
  // 2026-12-03 ran in 7 ms alone).
  std::memset(ram.at(0), 0, ram.size());
  EventLoop loop;
  NullLog log;
  test::LoopbackDevice device;
  GuestMemory memory;
  {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return "";
    UniqueFd vmm(sv[0]);
    VhostUserServer server(loop, device, memory, log, ServerOptions{"", sv[1], false, 0});
    server.start();
    std::vector<UniqueFd> kicks;
    size_t at = 0;
    while (at < data.size() && server.connected()) {
      const uint8_t tag = data[at++];
      if (tag == 0x80) {  // poke
        if (data.size() - at < 6) break;
        uint32_t offset;
        uint16_t length;
        std::memcpy(&offset, &data[at], 4);
        std::memcpy(&length, &data[at + 4], 2);
        at += 6;
        const size_t n = std::min<size_t>(length, data.size() - at);
        for (size_t i = 0; i < n; ++i) *ram.at((uint64_t{offset} + i) % ram.size()) = data[at + i];
        at += n;
      } else if (tag == 0x81) {  // kick
        const uint64_t one = 1;
        for (const UniqueFd& k : kicks) [[maybe_unused]] auto w = ::write(k.get(), &one, sizeof one);
      } else if ((tag & 0x80) == 0) {  // a message
        if (data.size() - at < sizeof(vhost::MessageHeader)) break;
        vhost::MessageHeader h;
        std::memcpy(&h, &data[at], sizeof h);
        const size_t n = std::min<size_t>({h.size, 4096, data.size() - at - sizeof h});
        const std::span<const uint8_t> bytes(&data[at], sizeof h + n);
        at += sizeof h + n;
        std::vector<int> fds;
        for (int i = 0; i < (tag & 3); ++i) {
          if (tag & (4 << i)) {
            fds.push_back(ram.fd());
          } else {
            kicks.push_back(test::make_eventfd());
            fds.push_back(kicks.back().get());
          }
        }
        if (!send_with_fds(vmm.get(), bytes, fds)) break;
      }
      for (int turn = 0; turn < 3; ++turn) loop.run_once(0);
      drain(vmm.get());
    }
    vmm.reset();
    for (int turn = 0; turn < 3 && server.connected(); ++turn) loop.run_once(0);
  }
  if (memory.region_count() != 0) return "guest memory still mapped after the server went away";
  return "";
}

}  // namespace vugpu::fuzz
