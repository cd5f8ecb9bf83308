// One vhost-user message off the socket: header, payload and the fds that came with it, plus
// the checks every message passes before a handler sees it (size and fd count per request).
// Device loop thread only.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>
#include "vugpu/unique_fd.hpp"
#include "vhost-user/protocol.hpp"

namespace vugpu::vhost {

struct Message {
  MessageHeader header{};
  std::vector<uint8_t> payload;
  std::vector<UniqueFd> fds;
  bool fds_truncated = false;  // the kernel dropped fds that did not fit

  bool need_reply() const { return header.flags & kFlagNeedReply; }
  // Copies the payload's first sizeof(T) bytes (the caller checked the size).
  template <typename T> T as() const {
    T v{};
    if (!payload.empty()) std::memcpy(&v, payload.data(), std::min(sizeof v, payload.size()));
    return v;
  }
};

enum class ReadStatus {
  Ok,
  NothingYet,  // spurious wake-up: no byte was there
  Closed,      // the VMM closed the connection
  Broken,      // framing lost (bad version, huge size, stalled mid-message): close it
};

// Reads one whole message; waits at most timeout_ms for each missing piece once it started.
ReadStatus read_message(int fd, int timeout_ms, Message& out, std::string& error);

// Whether the request has a reply of its own (GET_*), independent of REPLY_ACK.
bool has_reply(uint32_t request);

// Size and fd count of the message against what its request carries. Returns "" when fine,
// otherwise why it is refused. Unknown requests are refused here too.
std::string check_message(const Message& m);

// Sends a reply to `request`: header (version 1, reply flag) and payload.
bool send_reply(int fd, uint32_t request, std::span<const uint8_t> payload, int timeout_ms);
bool send_reply_u64(int fd, uint32_t request, uint64_t value, int timeout_ms);

}  // namespace vugpu::vhost
