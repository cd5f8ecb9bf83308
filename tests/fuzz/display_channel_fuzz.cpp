#include "display_channel_fuzz.hpp"

#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "vhost-user/display_channel.hpp"

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

// The VMM's end: answers each message the channel sends with the bytes the main thread put in
// `answer` for the current record (once), as QEMU answers after it read the request.
class Responder {
 public:
  explicit Responder(int sock) : sock_(sock), thread_([this] { run(); }) {}
  ~Responder() {
    stop_ = true;
    thread_.join();
  }
  void set(std::span<const uint8_t> bytes) {
    std::lock_guard lock(mutex_);
    answer_.assign(bytes.begin(), bytes.end());
  }
  // What was not sent (the channel asked nothing): the caller writes it as unsolicited bytes.
  std::vector<uint8_t> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(answer_, {});
  }

 private:
  void run() {
    char sink[65536];
    while (!stop_) {
      pollfd p{sock_, POLLIN, 0};
      if (::poll(&p, 1, 2) <= 0) continue;
      if (::recv(sock_, sink, sizeof sink, MSG_DONTWAIT) <= 0) continue;
      std::vector<uint8_t> bytes = take();
      if (!bytes.empty()) [[maybe_unused]] auto n = ::send(sock_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
  }
  int sock_;
  std::mutex mutex_;
  std::vector<uint8_t> answer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

std::string run_display_channel_input(std::span<const uint8_t> data, DisplayChannelSummary* summary) {
  DisplayChannelSummary local;
  DisplayChannelSummary& sum = summary != nullptr ? *summary : local;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0) return "";
  UniqueFd vmm(sv[0]);
  EventLoop loop;
  FuzzLog log;
  vhost::DisplayChannel channel(loop, UniqueFd(sv[1]), log, 20);
  static const std::vector<uint8_t> pixels(64 * 64 * 4, 0x5a);
  Responder responder(vmm.get());
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
      for (int turn = 0; turn < 20 && channel.is_open() && !channel.negotiated(); ++turn) loop.run_once(2);
      continue;
    }
    switch (op % 5) {
      case 0: {
        // The answer comes from the loop (reply, 20 ms time-out or close): turn it until then.
        std::optional<std::vector<DisplayMode>> modes;
        Status status = Status::Unspec;
        if (channel.display_info_async([&](Status s, std::span<const DisplayMode> m) {
              status = s;
              modes.emplace(m.begin(), m.end());
            })) {
          while (!modes) loop.run_once(10);
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
          while (!edid) loop.run_once(10);
        }
        if (edid && status == Status::Ok) ++sum.edid_ok;
        if (edid && edid->size() > 1024) return "an EDID of more than 1024 bytes";
        break;
      }
      case 2:
        channel.scanout(0, 64, 64);
        if (channel.update(0, Rect{0, 0, 64, 64}, pixels.data(), 64 * 4) == Status::Ok) ++sum.updates_ok;
        break;
      default: {
        const std::vector<uint8_t> unsolicited = responder.take();
        if (!unsolicited.empty()) ::send(vmm.get(), unsolicited.data(), unsolicited.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        loop.run_once(0);
        break;
      }
    }
    responder.take();
  }
  return "";
}

}  // namespace vugpu::fuzz
