#include "vhost-user/spliced_send.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

namespace vugpu::io {

namespace {

constexpr int kWantedPipeBytes = 1 << 20;  // fs.pipe-max-size's default; more pages per vmsplice
constexpr int kMinSndbuf = 1;              // the kernel raises it to SOCK_MIN_SNDBUF

bool unsupported(int err) { return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP || err == EBADF; }

}  // namespace

bool SplicedSender::available() {
  if (tried_) return static_cast<bool>(write_end_);
  tried_ = true;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return false;
  read_end_ = UniqueFd(fds[0]);
  write_end_ = UniqueFd(fds[1]);
  in_pipe_ = 0;
  const int size = ::fcntl(write_end_.get(), F_SETPIPE_SZ, kWantedPipeBytes);
  const int now = size > 0 ? size : ::fcntl(write_end_.get(), F_GETPIPE_SZ);
  pipe_bytes_ = now > 0 ? static_cast<size_t>(now) : 65536;
  return true;
}

void SplicedSender::abandon() {
  if (in_pipe_ != 0) drop_pipe();
}

void SplicedSender::drop_pipe() {
  read_end_.reset();
  write_end_.reset();
  in_pipe_ = 0;
  tried_ = false;
}

SplicedSender::Result SplicedSender::send_some(int sock, std::span<const iovec> iov, uint64_t& sent, IoResult& why) {
  sent = 0;
  why = IoResult::Ok;
  if (!available()) return Result::Unsupported;
  size_t index = 0, offset = 0;  // first byte of iov not yet in the pipe
  // Bytes already in the pipe (an earlier call's) are the first in_pipe_ of iov: skip them.
  for (uint64_t skip = in_pipe_; skip > 0 && index < iov.size();) {
    const uint64_t take = std::min<uint64_t>(skip, iov[index].iov_len - offset);
    skip -= take;
    offset += take;
    if (offset == iov[index].iov_len) {
      ++index;
      offset = 0;
    }
  }
  std::vector<iovec> window;
  for (;;) {
    // Fill the (empty) pipe with references to the next pages.
    if (in_pipe_ == 0) {
      while (index < iov.size() && offset == iov[index].iov_len) {
        ++index;
        offset = 0;
      }
      if (index == iov.size()) return Result::Ok;
      window.clear();
      size_t room = pipe_bytes_;
      for (size_t i = index; i < iov.size() && room > 0 && window.size() < IOV_MAX; ++i) {
        const size_t skip = i == index ? offset : 0;
        const size_t n = std::min(iov[i].iov_len - skip, room);
        window.push_back({static_cast<uint8_t*>(iov[i].iov_base) + skip, n});
        room -= n;
      }
      ssize_t n;
      do {
        n = ::vmsplice(write_end_.get(), window.data(), window.size(), SPLICE_F_NONBLOCK);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) {
        if (sent == 0 && n < 0 && unsupported(errno)) return Result::Unsupported;
        why = IoResult::Error;
        return Result::Failed;
      }
      in_pipe_ = static_cast<uint64_t>(n);
      for (size_t left = static_cast<size_t>(n); left > 0;) {  // advance the cursor past what the pipe took
        const size_t take = std::min(left, iov[index].iov_len - offset);
        left -= take;
        offset += take;
        if (offset == iov[index].iov_len && left > 0) {
          ++index;
          offset = 0;
        }
      }
    }
    // Move the pipe's pages into the socket.
    ssize_t n;
    do {
      n = ::splice(read_end_.get(), nullptr, sock, nullptr, in_pipe_, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
      in_pipe_ -= static_cast<uint64_t>(n);
      sent += static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Result::Full;
    if (n < 0 && sent == 0 && unsupported(errno)) {
      // The pipe holds references nobody will read: start over with a fresh pipe next time.
      drop_pipe();
      return Result::Unsupported;
    }
    why = n == 0 || errno == EPIPE || errno == ECONNRESET ? IoResult::Eof : IoResult::Error;
    return Result::Failed;
  }
}

bool SplicedSender::begin_wait_consumed(int sock) {
  return ::setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &kMinSndbuf, sizeof kMinSndbuf) == 0;
}

IoResult SplicedSender::consumed(int sock, int restore_sndbuf) {
  pollfd p{sock, POLLOUT, 0};
  if (::poll(&p, 1, 0) != 1) return IoResult::Full;  // a wake-up before the last skb was freed
  if (p.revents & (POLLHUP | POLLERR)) return IoResult::Eof;
  ::setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &restore_sndbuf, sizeof restore_sndbuf);
  return IoResult::Ok;
}

}  // namespace vugpu::io
