// Socket and eventfd plumbing shared by the vhost-user channel and the display peer: whole
// messages with SCM_RIGHTS fds over non-blocking UNIX stream sockets, with deadlines.
#pragma once
#include <sys/uio.h>
#include <span>
#include <string>
#include <utility>
#include <vector>
#include "deadline.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::frontend {

using vugpu::UniqueFd;

enum class IoStatus { Ok, Eof, Error, Timeout };
const char* to_string(IoStatus s);

// Sends every byte of `iov`, the fds attached to the first byte (as QEMU does). Waits (poll) for
// room until the deadline. Never raises SIGPIPE.
IoStatus send_all(int sock, std::span<const iovec> iov, std::span<const int> fds, const Deadline& deadline);

// Receives exactly `len` bytes into `buf`, appending any fds that arrive to `fds` (closed when
// `fds` is null). Waits until the deadline.
IoStatus recv_exact(int sock, void* buf, size_t len, std::vector<UniqueFd>* fds, const Deadline& deadline);

// One non-blocking recvmsg: bytes read (> 0), 0 at end of stream, -1 with errno (EAGAIN: none).
ssize_t recv_some(int sock, void* buf, size_t len, std::vector<UniqueFd>* fds);

// Connects to a listening UNIX socket, retrying until it accepts or the deadline passes.
// Throws std::system_error when it never does.
UniqueFd connect_unix(const std::string& path, const Deadline& deadline);

// A connected SOCK_STREAM pair, close-on-exec. The first end is non-blocking (ours); the
// second stays blocking, as QEMU hands it to the backend: backends write whole messages with
// one blocking sendmsg and do not expect partial writes.
std::pair<UniqueFd, UniqueFd> stream_socketpair();

UniqueFd make_eventfd();  // non-blocking, close-on-exec; throws on failure
// Reads and clears an eventfd; true when it had been signalled.
bool drain_eventfd(int fd);
void signal_eventfd(int fd);

void set_nonblocking(int fd);

}  // namespace vugpu::frontend
