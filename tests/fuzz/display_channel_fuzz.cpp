#include "display_channel_fuzz.hpp"

#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>
#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "vhost-user/display_channel.hpp"
#include "virtual_time.hpp"

namespace vugpu::fuzz {

namespace {

// Silent unless VUGPU_FUZZ_LOG is set (to see why an input is refused).
class FuzzLog final : public Log {
 public:
  void write(LogLevel, std::string_view m) override { std::fprintf(stderr, "%.*s\n", int(m.size()), m.data()); }
  bool enabled(LogLevel) const override { return on_; }

 private:
  bool on_ = std::getenv("VUGPU_FUZZ_LOG") != nullptr;
};

// The VMM's end, served by the fuzzing thread itself (no thread of its own, so nothing waits
// on a scheduler): serve() reads what the channel sent and answers the first message of the
// record with the record's bytes (once), as QEMU answers after it read the request.
class Vmm {
 public:
  explicit Vmm(int sock) : sock_(sock) {}
  void set(std::span<const uint8_t> bytes) { answer_.assign(bytes.begin(), bytes.end()); }
  // What was not sent (the channel asked nothing): the caller writes it as unsolicited bytes.
  std::vector<uint8_t> take() { return std::exchange(answer_, {}); }
  // True when the channel had sent something.
  bool serve() {
    char sink[65536];
    bool got = false;
    // Until a short read: the socket is empty then (each system call costs).
    for (ssize_t n = sizeof sink; n == ssize_t(sizeof sink);) {
      n = ::recv(sock_, sink, sizeof sink, MSG_DONTWAIT);
      got |= n > 0;
    }
    if (got && !answer_.empty()) {
      [[maybe_unused]] auto n = ::send(sock_, answer_.data(), answer_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      answer_.clear();
    }
    return got;
  }

 private:
  int sock_;
  std::vector<uint8_t> answer_;
};

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

}  // namespace

std::string run_display_channel_input(std::span<const uint8_t> data, DisplayChannelSummary* summary, int timeout_ms) {
  DisplayChannelSummary local;
  DisplayChannelSummary& sum = summary != nullptr ? *summary : local;
  // Before the channel: its timerfd and every wait it makes run on virtual time.
  const virtual_time::Frozen frozen;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0) return "";
  UniqueFd vmm_end(sv[0]);
  const int channel_end = sv[1];  // owned by the channel; polled here to see if it has work
  EventLoop loop;
  FuzzLog log;
  vhost::DisplayChannel channel(loop, UniqueFd(sv[1]), log, timeout_ms);
  static const std::vector<uint8_t> pixels(64 * 64 * 4, 0x5a);
  Vmm responder(vmm_end.get());
  // Runs the VMM and the loop until `done` or until nothing moves any more. Then, with
  // wait_for_timeout, only a question's time-out is left (the VMM stays silent): the virtual
  // clock jumps past it and the channel's timer fires at once; when no timer is due, nothing
  // will ever move.
  const auto settle = [&](const auto& done, bool wait_for_timeout) {
    for (int turn = 0; turn < 64 && !done(); ++turn) {
      const bool vmm_read = responder.serve();
      loop.run_once(0);
      if (done() || vmm_read || (channel.is_open() && readable(channel_end))) continue;
      if (!wait_for_timeout || !virtual_time::advance(std::chrono::milliseconds(timeout_ms) + std::chrono::nanoseconds(1)))
        return;
      loop.run_once(0);  // the timerfd is readable now
    }
  };
  size_t at = 0;
  bool started = false;
  while (data.size() - at >= 3 && channel.is_open()) {
    const uint8_t op = data[at];
    uint16_t n;
    std::memcpy(&n, &data[at + 1], 2);
    at += 3;
    n = static_cast<uint16_t>(std::min<size_t>(n, data.size() - at));
    responder.set(data.subspan(at, n));
    at += n;
    if (!started || op % 5 == 4) {
      started = true;
      channel.start();
      settle([&] { return !channel.is_open() || channel.negotiated(); }, false);  // nobody waits on it yet
      continue;
    }
    switch (op % 5) {
      case 0: {
        // The answer comes from the loop (reply, time-out or close): turn it until then.
        std::optional<std::vector<DisplayMode>> modes;
        Status status = Status::Unspec;
        if (channel.display_info_async([&](Status s, std::span<const DisplayMode> m) {
              status = s;
              modes.emplace(m.begin(), m.end());
            })) {
          settle([&] { return modes.has_value(); }, true);
        }
        if (modes && modes->size() > vhost::DisplayChannel::kMaxScanouts) return "more than 16 modes";
        if (modes && status == Status::Ok) {
          ++sum.display_info_ok;
          sum.first_width = modes->at(0).width;
        }
        break;
      }
      case 1: {
        std::optional<std::vector<uint8_t>> edid;
        Status status = Status::Unspec;
        if (channel.edid_async(op / 5 % 16, [&](Status s, std::span<const uint8_t> e) {
              status = s;
              edid.emplace(e.begin(), e.end());
            })) {
          settle([&] { return edid.has_value(); }, true);
        }
        if (edid && status == Status::Ok) ++sum.edid_ok;
        if (edid && edid->size() > 1024) return "an EDID of more than 1024 bytes";
        break;
      }
      case 2:
        channel.scanout(0, 64, 64);
        if (channel.update(0, Rect{0, 0, 64, 64}, pixels.data(), 64 * 4, [](Status) {}) == Status::Ok) ++sum.updates_ok;
        settle([] { return false; }, false);  // the VMM reads them (and may answer)
        break;
      default: {
        const std::vector<uint8_t> unsolicited = responder.take();
        if (!unsolicited.empty()) ::send(vmm_end.get(), unsolicited.data(), unsolicited.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        loop.run_once(0);
        break;
      }
    }
    responder.take();
  }
  return "";
}

}  // namespace vugpu::fuzz
