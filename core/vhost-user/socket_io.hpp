// Small, careful socket helpers for the vhost-user transport and the display channel: whole
// messages over stream sockets (which may deliver or accept them in pieces), SCM_RIGHTS fds that
// are always owned (never leaked, even on error), and waits bounded by a timeout so a stuck or
// dead peer never hangs the device loop. MSG_DONTWAIT everywhere: the helpers work the same on
// blocking and non-blocking sockets. Any thread; no state.
#pragma once
#include <sys/uio.h>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>
#include "vugpu/unique_fd.hpp"

namespace vugpu::io {

enum class IoResult {
  Ok,
  Eof,      // the peer closed the connection (before the first byte or in the middle)
  Timeout,  // no progress for timeout_ms
  Error,    // errno says why
  Full,     // send_some: the socket takes nothing more now (EAGAIN)
};

const char* to_string(IoResult r);

// Waits until fd has `events` (POLLIN / POLLOUT), an error or hang-up, at most timeout_ms
// (-1: forever). True when something is ready, false on timeout or poll failure.
bool wait_fd(int fd, short events, int timeout_ms);

// One recvmsg of at most len bytes; fds arriving with it are appended to `fds` (close-on-exec).
// Returns the byte count (0 = end of stream) or -1 with errno (EAGAIN when nothing is there).
// `fds_truncated` is set when the kernel had to drop descriptors (more than the helper takes).
ssize_t recv_some(int fd, void* buf, size_t len, std::vector<UniqueFd>& fds, bool& fds_truncated);

// Reads exactly len bytes; fds arriving on the way are appended to `fds`.
IoResult read_exact(int fd, void* buf, size_t len, int timeout_ms, std::vector<UniqueFd>& fds,
                    bool& fds_truncated);

// Removes the first `bytes` bytes (and the empty pieces they leave) from the front of `iov`.
void drop_front(std::vector<iovec>& iov, uint64_t bytes);

// Sends what the socket takes now of `iov`, never waiting: `sent` returns how many bytes went
// (fds ride with the first byte, so they went once sent > 0). Ok: all of it; Full: the socket
// takes no more now (EAGAIN), call again with the rest when it polls writable; Eof / Error: the
// stream is broken.
IoResult send_some(int fd, std::span<const iovec> iov, std::span<const int> fds, uint64_t& sent);

// Sends every byte of `iov` (fds ride with the first byte), waiting at most timeout_ms whenever
// the socket is full. `sent` returns how many bytes went out: a caller seeing Timeout with
// sent > 0 knows the stream is now in the middle of a message.
IoResult send_all(int fd, std::span<const iovec> iov, std::span<const int> fds, int timeout_ms,
                  uint64_t& sent);

}  // namespace vugpu::io
