#include "vhost-user/message.hpp"

#include <poll.h>
#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include "vhost-user/socket_io.hpp"

namespace vugpu::vhost {

std::string_view request_name(uint32_t request) {
  switch (request) {
    case kGetFeatures: return "GET_FEATURES";
    case kSetFeatures: return "SET_FEATURES";
    case kSetOwner: return "SET_OWNER";
    case kResetOwner: return "RESET_OWNER";
    case kSetMemTable: return "SET_MEM_TABLE";
    case kSetLogBase: return "SET_LOG_BASE";
    case kSetLogFd: return "SET_LOG_FD";
    case kSetVringNum: return "SET_VRING_NUM";
    case kSetVringAddr: return "SET_VRING_ADDR";
    case kSetVringBase: return "SET_VRING_BASE";
    case kGetVringBase: return "GET_VRING_BASE";
    case kSetVringKick: return "SET_VRING_KICK";
    case kSetVringCall: return "SET_VRING_CALL";
    case kSetVringErr: return "SET_VRING_ERR";
    case kGetProtocolFeatures: return "GET_PROTOCOL_FEATURES";
    case kSetProtocolFeatures: return "SET_PROTOCOL_FEATURES";
    case kGetQueueNum: return "GET_QUEUE_NUM";
    case kSetVringEnable: return "SET_VRING_ENABLE";
    case kSendRarp: return "SEND_RARP";
    case kNetSetMtu: return "NET_SET_MTU";
    case kSetBackendReqFd: return "SET_BACKEND_REQ_FD";
    case kIotlbMsg: return "IOTLB_MSG";
    case kSetVringEndian: return "SET_VRING_ENDIAN";
    case kGetConfig: return "GET_CONFIG";
    case kSetConfig: return "SET_CONFIG";
    case kGpuSetSocket: return "GPU_SET_SOCKET";
    case kResetDevice: return "RESET_DEVICE";
    case kVringKick: return "VRING_KICK";
    case kGetMaxMemSlots: return "GET_MAX_MEM_SLOTS";
    case kAddMemReg: return "ADD_MEM_REG";
    case kRemMemReg: return "REM_MEM_REG";
    case kSetStatus: return "SET_STATUS";
    case kGetStatus: return "GET_STATUS";
  }
  return "unknown";
}

ReadStatus read_message(int fd, int timeout_ms, Message& out, std::string& error) {
  out = Message{};
  // The first piece decides between "nothing there" and "a message started".
  uint8_t* head = reinterpret_cast<uint8_t*>(&out.header);
  const ssize_t n = io::recv_some(fd, head, sizeof out.header, out.fds, out.fds_truncated);
  if (n == 0) return ReadStatus::Closed;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadStatus::NothingYet;
    error = fmt::format("read: {}", std::strerror(errno));
    return errno == ECONNRESET ? ReadStatus::Closed : ReadStatus::Broken;
  }
  io::IoResult r = io::read_exact(fd, head + n, sizeof out.header - static_cast<size_t>(n), timeout_ms, out.fds,
                                  out.fds_truncated);
  if (r != io::IoResult::Ok) {
    error = fmt::format("message header: {}", io::to_string(r));
    return r == io::IoResult::Eof ? ReadStatus::Closed : ReadStatus::Broken;
  }
  const MessageHeader& h = out.header;
  if ((h.flags & kVersionMask) != kVersion) {
    error = fmt::format("{} with protocol version {} (only 1 is spoken)", request_name(h.request), h.flags & kVersionMask);
    return ReadStatus::Broken;
  }
  if (h.size > kMaxPayload) {
    error = fmt::format("{} with a payload of {} bytes (at most {})", request_name(h.request), h.size, kMaxPayload);
    return ReadStatus::Broken;
  }
  out.payload.resize(h.size);
  r = io::read_exact(fd, out.payload.data(), out.payload.size(), timeout_ms, out.fds, out.fds_truncated);
  if (r != io::IoResult::Ok) {
    error = fmt::format("{} payload: {}", request_name(h.request), io::to_string(r));
    return r == io::IoResult::Eof ? ReadStatus::Closed : ReadStatus::Broken;
  }
  return ReadStatus::Ok;
}

bool has_reply(uint32_t request) {
  switch (request) {
    case kGetFeatures:
    case kGetProtocolFeatures:
    case kGetVringBase:
    case kGetQueueNum:
    case kGetConfig:
    case kGetMaxMemSlots:
      return true;
    default:
      return false;
  }
}

namespace {

struct Rule {
  uint32_t min_size, max_size;
  enum Fds { None, One, KickStyle, PerRegion, NoneOrOne } fds;
};

bool rule_for(uint32_t request, Rule& rule) {
  constexpr uint32_t u64 = sizeof(uint64_t);
  constexpr uint32_t config_min = sizeof(ConfigHeader);
  constexpr uint32_t config_max = sizeof(ConfigHeader) + kMaxConfigSize;
  constexpr uint32_t table_max = sizeof(MemoryTableHeader) + kMaxMemTableRegions * sizeof(MemoryRegionDesc);
  switch (request) {
    case kGetFeatures: rule = {0, 0, Rule::None}; return true;
    case kSetFeatures: rule = {u64, u64, Rule::None}; return true;
    case kSetOwner: rule = {0, 0, Rule::None}; return true;
    case kResetOwner: rule = {0, 0, Rule::None}; return true;
    case kSetMemTable: rule = {sizeof(MemoryTableHeader), table_max, Rule::PerRegion}; return true;
    case kSetVringNum:
    case kSetVringBase:
    case kGetVringBase:
    case kSetVringEnable: rule = {sizeof(VringState), sizeof(VringState), Rule::None}; return true;
    case kSetVringAddr: rule = {sizeof(VringAddr), sizeof(VringAddr), Rule::None}; return true;
    case kSetVringKick:
    case kSetVringCall:
    case kSetVringErr: rule = {u64, u64, Rule::KickStyle}; return true;
    case kGetProtocolFeatures: rule = {0, 0, Rule::None}; return true;
    case kSetProtocolFeatures: rule = {u64, u64, Rule::None}; return true;
    case kGetQueueNum: rule = {0, 0, Rule::None}; return true;
    case kGetConfig:
    case kSetConfig: rule = {config_min, config_max, Rule::None}; return true;
    case kGpuSetSocket: rule = {0, 0, Rule::One}; return true;
    case kSetBackendReqFd: rule = {0, 0, Rule::One}; return true;
    case kGetMaxMemSlots: rule = {0, 0, Rule::None}; return true;
    case kAddMemReg: rule = {sizeof(SingleMemoryRegion), sizeof(SingleMemoryRegion), Rule::One}; return true;
    // The spec allows one stray fd on REM_MEM_REG for old front-ends; it is closed unused.
    case kRemMemReg: rule = {sizeof(SingleMemoryRegion), sizeof(SingleMemoryRegion), Rule::NoneOrOne}; return true;
    default: return false;
  }
}

}  // namespace

std::string check_message(const Message& m) {
  const uint32_t req = m.header.request;
  Rule rule{};
  if (!rule_for(req, rule)) return fmt::format("request {} ({}) is not supported", req, request_name(req));
  if (m.header.flags & kFlagReply) return "a request must not carry the reply flag";
  if (m.header.flags & ~kKnownFlags) return fmt::format("unknown flags {:#x}", m.header.flags & ~kKnownFlags);
  const uint32_t size = m.header.size;
  if (size < rule.min_size || size > rule.max_size) {
    return rule.min_size == rule.max_size
               ? fmt::format("payload of {} bytes, expected {}", size, rule.min_size)
               : fmt::format("payload of {} bytes, expected {}..{}", size, rule.min_size, rule.max_size);
  }
  if (m.fds_truncated) return "more file descriptors than any message carries";
  size_t want_min = 0, want_max = 0;
  switch (rule.fds) {
    case Rule::None: break;
    case Rule::One: want_min = want_max = 1; break;
    case Rule::NoneOrOne: want_max = 1; break;
    case Rule::KickStyle: {
      const uint64_t v = m.as<uint64_t>();
      if (v & ~(kVringIndexMask | kVringNoFdFlag)) return fmt::format("unknown bits in {:#x}", v);
      want_min = want_max = (v & kVringNoFdFlag) ? 0 : 1;
      break;
    }
    case Rule::PerRegion: {
      const auto t = m.as<MemoryTableHeader>();
      if (t.nregions > kMaxMemTableRegions) return fmt::format("{} regions (at most {})", t.nregions, kMaxMemTableRegions);
      if (size < sizeof(MemoryTableHeader) + t.nregions * sizeof(MemoryRegionDesc))
        return fmt::format("payload of {} bytes is too small for {} regions", size, t.nregions);
      want_min = want_max = t.nregions;
      break;
    }
  }
  if (m.fds.size() < want_min || m.fds.size() > want_max) {
    return want_min == want_max ? fmt::format("{} file descriptors, expected {}", m.fds.size(), want_min)
                                : fmt::format("{} file descriptors, expected {}..{}", m.fds.size(), want_min, want_max);
  }
  if (req == kGetConfig || req == kSetConfig) {
    const auto c = m.as<ConfigHeader>();
    if (c.size > kMaxConfigSize) return fmt::format("config size {} (at most {})", c.size, kMaxConfigSize);
    if (size != sizeof(ConfigHeader) + c.size)
      return fmt::format("config payload of {} bytes for a config size of {}", size, c.size);
  }
  return {};
}

bool send_reply(int fd, uint32_t request, std::span<const uint8_t> payload, int timeout_ms) {
  MessageHeader h{request, kVersion | kFlagReply, static_cast<uint32_t>(payload.size())};
  const iovec iov[2] = {{&h, sizeof h}, {const_cast<uint8_t*>(payload.data()), payload.size()}};
  uint64_t sent = 0;
  return io::send_all(fd, iov, {}, timeout_ms, sent) == io::IoResult::Ok;
}

bool send_reply_u64(int fd, uint32_t request, uint64_t value, int timeout_ms) {
  return send_reply(fd, request, std::span(reinterpret_cast<const uint8_t*>(&value), sizeof value), timeout_ms);
}

}  // namespace vugpu::vhost
