#include "unix_io.hpp"
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <thread>

namespace vugpu::frontend {

namespace {

constexpr size_t kMaxFdsPerMessage = 16;

bool wait_for(int fd, short events, const Deadline& deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, deadline.poll_ms());
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;  // let the caller's syscall report the error
  }
}

void collect_fds(msghdr& msg, std::vector<UniqueFd>* out) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (out) out->emplace_back(fd);
      else ::close(fd);
    }
  }
}

}  // namespace

const char* to_string(IoStatus s) {
  switch (s) {
    case IoStatus::Ok: return "ok";
    case IoStatus::Eof: return "connection closed by peer";
    case IoStatus::Error: return "socket error";
    case IoStatus::Timeout: return "timed out";
  }
  return "?";
}

IoStatus send_all(int sock, std::span<const iovec> iov_in, std::span<const int> fds, const Deadline& deadline) {
  std::vector<iovec> iov(iov_in.begin(), iov_in.end());
  size_t first = 0;
  bool fds_sent = fds.empty();
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)] = {};
  if (fds.size() > kMaxFdsPerMessage) return IoStatus::Error;
  while (first < iov.size()) {
    if (iov[first].iov_len == 0) { ++first; continue; }
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = iov.size() - first;
    if (!fds_sent) {
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    const ssize_t n = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (!wait_for(sock, POLLOUT, deadline)) return IoStatus::Timeout;
        continue;
      }
      return errno == EPIPE || errno == ECONNRESET ? IoStatus::Eof : IoStatus::Error;
    }
    fds_sent = true;
    size_t left = size_t(n);
    while (left > 0 && first < iov.size()) {
      const size_t take = std::min(left, iov[first].iov_len);
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + take;
      iov[first].iov_len -= take;
      left -= take;
      if (iov[first].iov_len == 0) ++first;
    }
  }
  // fds need at least one byte to travel with.
  return fds_sent ? IoStatus::Ok : IoStatus::Error;
}

ssize_t recv_some(int sock, void* buf, size_t len, std::vector<UniqueFd>* fds) {
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)];
  iovec iov{buf, len};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  for (;;) {
    const ssize_t n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n >= 0) collect_fds(msg, fds);
    return n;
  }
}

IoStatus recv_exact(int sock, void* buf, size_t len, std::vector<UniqueFd>* fds, const Deadline& deadline) {
  size_t got = 0;
  while (got < len) {
    const ssize_t n = recv_some(sock, static_cast<char*>(buf) + got, len - got, fds);
    if (n > 0) { got += size_t(n); continue; }
    if (n == 0) return IoStatus::Eof;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(sock, POLLIN, deadline)) return IoStatus::Timeout;
      continue;
    }
    return errno == ECONNRESET ? IoStatus::Eof : IoStatus::Error;
  }
  return IoStatus::Ok;
}

UniqueFd connect_unix(const std::string& path, const Deadline& deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path))
    throw std::system_error(ENAMETOOLONG, std::generic_category(), "socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int last_errno = 0;
  do {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::generic_category(), "socket");
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      set_nonblocking(fd.get());
      return fd;
    }
    last_errno = errno;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (!deadline.expired());
  throw std::system_error(last_errno, std::generic_category(), "connect to " + path);
}

std::pair<UniqueFd, UniqueFd> stream_socketpair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw std::system_error(errno, std::generic_category(), "socketpair");
  set_nonblocking(sv[0]);
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}

UniqueFd make_eventfd() {
  UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) throw std::system_error(errno, std::generic_category(), "eventfd");
  return fd;
}

bool drain_eventfd(int fd) {
  uint64_t v = 0;
  return ::read(fd, &v, sizeof(v)) == sizeof(v) && v != 0;
}

void signal_eventfd(int fd) {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof(one));
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace vugpu::frontend
