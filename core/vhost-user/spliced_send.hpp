// Zero-copy sending of large pixel payloads into a Unix stream socket: vmsplice() the caller's
// pages into a pipe, splice() the pipe into the socket. The kernel queues references to the
// pages instead of copying them; the reader (the VMM) copies them out when it reads. So the
// pages must not change until the reader has consumed them: begin_wait_consumed() /
// consumed() tell when that is, and a caller may reuse or free the memory only then.
//
// Nothing here waits: send_some() moves what the socket takes now and says Full when it takes
// no more, and the wait for consumption is a writability watch on the caller's event loop
// (the display channel's EPOLLOUT), so a VMM that stops reading holds no thread.
//
// Measured with bench/run (1080p full frames): the socket copy was a third of the backend's
// CPU per frame; spliced, it is page bookkeeping.
//
// Device loop thread only (one sender per display channel, one message at a time). Works on
// Linux >= 2.6.17 for the splice, and on every kernel for the wait (unix_writable() below).
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <span>
#include "vhost-user/socket_io.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::io {

class SplicedSender {
 public:
  // False when this kernel or process cannot splice (no pipe, vmsplice refused): copy instead.
  bool available();

  // Moves the bytes of `iov` into `sock` by reference, never waiting. `iov` starts at the
  // first byte not yet in the socket; its first in_pipe() bytes already sit in the pipe from
  // the call before (they are not taken again), so call again with the same bytes minus `sent`.
  // `sent`: the bytes that entered the socket in this call.
  //   Ok: all of `iov` is in the socket. Full: the socket takes no more now; call again when it
  //   polls writable. Unsupported: this kernel or process cannot splice; nothing of what is
  //   left went by reference: copy those bytes instead. Failed: `why` says how the stream broke.
  enum class Result { Ok, Full, Unsupported, Failed };
  Result send_some(int sock, std::span<const iovec> iov, uint64_t& sent, IoResult& why);
  uint64_t in_pipe() const { return in_pipe_; }
  // The message will not be finished (its channel closes): drop the pipe and the page
  // references it still holds; a new one is made for the next message.
  void abandon();

  // After the last byte of a message went in: shrinks `sock`'s send buffer to its minimum
  // (4608 bytes). A Unix socket polls writable when sk_wmem_alloc * 4 <= sk_sndbuf, which then
  // holds only once every queued skb carrying pixels (each one holds at least a page, 4096
  // bytes of truesize) has been freed by the reader. So the caller waits for writability
  // (EPOLLOUT, armed after this call so the new rule is what epoll evaluates) and asks
  // consumed(). False: setsockopt failed.
  bool begin_wait_consumed(int sock);
  // On writability: Ok once the reader consumed everything (the send buffer is set back to
  // `restore_sndbuf`), Full when not yet (keep waiting), Eof when the reader hung up.
  IoResult consumed(int sock, int restore_sndbuf);

 private:
  void drop_pipe();

  bool tried_ = false;
  UniqueFd read_end_, write_end_;
  size_t pipe_bytes_ = 0;  // pipe capacity
  uint64_t in_pipe_ = 0;   // bytes in the pipe, not yet in the socket
};

}  // namespace vugpu::io
