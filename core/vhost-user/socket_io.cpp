#include "vhost-user/socket_io.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cstring>

namespace vugpu::io {

namespace {

constexpr size_t kMaxFdsPerRecv = 16;  // more than any vhost-user message may carry
constexpr size_t kIovPerCall = IOV_MAX;

bool retryable(int err) { return err == EINTR; }

}  // namespace

const char* to_string(IoResult r) {
  switch (r) {
    case IoResult::Ok: return "ok";
    case IoResult::Eof: return "peer closed the connection";
    case IoResult::Timeout: return "timed out";
    case IoResult::Error: return "socket error";
    case IoResult::Full: return "socket full";
  }
  return "?";
}

bool wait_fd(int fd, short events, int timeout_ms) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int wait = timeout_ms;
    if (timeout_ms > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      wait = static_cast<int>(std::max<int64_t>(left, 0));
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, wait);
    if (n < 0) {
      if (!retryable(errno)) return false;
      continue;
    }
    if (n > 0) return true;
    if (timeout_ms >= 0 && Clock::now() >= deadline) return false;
  }
}

ssize_t recv_some(int fd, void* buf, size_t len, std::vector<UniqueFd>& fds, bool& fds_truncated) {
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFdsPerRecv)> control{};
  iovec iov{buf, len};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  do {
    n = ::recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  } while (n < 0 && retryable(errno));
  if (n < 0) return n;
  // Take ownership of every descriptor first, whatever happens next, so none can leak.
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int received;
      std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof received);
      fds.emplace_back(received);
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) fds_truncated = true;
  return n;
}

IoResult read_exact(int fd, void* buf, size_t len, int timeout_ms, std::vector<UniqueFd>& fds,
                    bool& fds_truncated) {
  auto* p = static_cast<uint8_t*>(buf);
  size_t done = 0;
  while (done < len) {
    const ssize_t n = recv_some(fd, p + done, len - done, fds, fds_truncated);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return IoResult::Eof;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return IoResult::Error;
    if (!wait_fd(fd, POLLIN, timeout_ms)) return IoResult::Timeout;
  }
  return IoResult::Ok;
}

void drop_front(std::vector<iovec>& iov, uint64_t bytes) {
  size_t skip = 0;
  while (skip < iov.size() && (bytes > 0 || iov[skip].iov_len == 0)) {
    const uint64_t take = std::min<uint64_t>(bytes, iov[skip].iov_len);
    iov[skip].iov_base = static_cast<uint8_t*>(iov[skip].iov_base) + take;
    iov[skip].iov_len -= take;
    bytes -= take;
    if (iov[skip].iov_len != 0) break;
    ++skip;
  }
  iov.erase(iov.begin(), iov.begin() + static_cast<ptrdiff_t>(skip));
}

IoResult send_some(int fd, std::span<const iovec> iov, std::span<const int> fds, uint64_t& sent) {
  sent = 0;
  size_t index = 0;   // first iovec not fully sent
  size_t offset = 0;  // bytes of iov[index] already sent
  bool fds_pending = !fds.empty();
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFdsPerRecv)> control{};
  if (fds.size() > kMaxFdsPerRecv) {
    errno = EINVAL;
    return IoResult::Error;
  }
  std::vector<iovec> window;
  window.reserve(std::min(iov.size(), kIovPerCall));
  for (;;) {
    while (index < iov.size() && offset == iov[index].iov_len) {  // skip empty / finished ones
      ++index;
      offset = 0;
    }
    if (index == iov.size() && !fds_pending) return IoResult::Ok;

    window.clear();
    for (size_t i = index; i < iov.size() && window.size() < kIovPerCall; ++i) {
      const size_t skip = i == index ? offset : 0;
      window.push_back({static_cast<uint8_t*>(iov[i].iov_base) + skip, iov[i].iov_len - skip});
    }
    msghdr msg{};
    msg.msg_iov = window.data();
    msg.msg_iovlen = window.size();
    if (fds_pending) {
      const size_t bytes = sizeof(int) * fds.size();
      msg.msg_control = control.data();
      msg.msg_controllen = CMSG_SPACE(bytes);
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(bytes);
      std::memcpy(CMSG_DATA(c), fds.data(), bytes);
    }
    ssize_t n;
    do {
      n = ::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && retryable(errno));
    if (n < 0) {
      if (errno == EPIPE || errno == ECONNRESET) return IoResult::Eof;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return IoResult::Error;
      return IoResult::Full;
    }
    fds_pending = false;  // the kernel took them with the first byte
    sent += static_cast<uint64_t>(n);
    size_t left = static_cast<size_t>(n);
    while (left > 0 && index < iov.size()) {
      const size_t room = iov[index].iov_len - offset;
      if (left < room) {
        offset += left;
        left = 0;
      } else {
        left -= room;
        ++index;
        offset = 0;
      }
    }
  }
}

IoResult send_all(int fd, std::span<const iovec> iov, std::span<const int> fds, int timeout_ms,
                  uint64_t& sent) {
  sent = 0;
  std::vector<iovec> rest(iov.begin(), iov.end());
  std::span<const int> fds_left = fds;
  for (;;) {
    uint64_t now = 0;
    const IoResult r = send_some(fd, rest, fds_left, now);
    sent += now;
    if (now > 0) fds_left = {};  // they went with the first byte
    if (r != IoResult::Full) return r;
    drop_front(rest, now);
    if (!wait_fd(fd, POLLOUT, timeout_ms)) return IoResult::Timeout;
  }
}

}  // namespace vugpu::io
