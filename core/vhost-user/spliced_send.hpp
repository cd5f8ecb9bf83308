// Zero-copy sending of large pixel payloads into a Unix stream socket: vmsplice() the caller's
// pages into a pipe, splice() the pipe into the socket. The kernel queues references to the
// pages instead of copying them; the reader (the VMM) copies them out when it reads. So the
// pages must not change until the reader has consumed them: wait_consumed() waits for exactly
// that, and a caller may reuse or free the memory only after it returned Ok.
//
// Measured with bench/run (1080p full frames): the socket copy was a third of the backend's
// CPU per frame; spliced, it is page bookkeeping.
//
// Device loop thread only (one sender per display channel). Works on Linux >= 2.6.17 for the
// splice, and on every kernel for the wait (unix_writable() below).
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <span>
#include "vhost-user/socket_io.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::io {

class SplicedSender {
 public:
  // False when this kernel or process cannot splice (no pipe, vmsplice refused): use send_all.
  bool available();

  // Sends every byte of `iov` into `sock` by reference. `sent` counts the bytes that went out
  // (as send_all's). Unsupported: nothing was sent and the caller may fall back to copying.
  enum class Result { Ok, Unsupported, Failed };
  Result send(int sock, std::span<const iovec> iov, int timeout_ms, uint64_t& sent, IoResult& why,
              SideChannel* side);

  // Waits until the reader has consumed everything queued on `sock` (no page is referenced any
  // more). How: a Unix socket polls writable when sk_wmem_alloc * 4 <= sk_sndbuf; with the
  // send buffer at its minimum (4608 bytes) that holds only once every queued skb carrying
  // pixels (each one holds at least a page, 4096 bytes of truesize) has been freed by the
  // reader. The send buffer is set back to `restore_sndbuf` afterwards.
  IoResult wait_consumed(int sock, int restore_sndbuf, int timeout_ms, SideChannel* side);

 private:
  bool tried_ = false;
  UniqueFd read_end_, write_end_;
  size_t pipe_bytes_ = 0;  // pipe capacity
};

}  // namespace vugpu::io
