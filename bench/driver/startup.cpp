// B5: start-up. From posix_spawn() of the backend, with its default configuration and plugins,
// to the moment it serves the VMM: the socket accepts a connection AND the backend answers
// GET_FEATURES, the first message QEMU sends (a listening socket alone would let the kernel
// complete the connection before the backend ever calls accept()). Each sample is a fresh
// process; backends take turns.
#include <sys/socket.h>
#include <sys/un.h>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>
#include "contender.hpp"
#include "spawned_backend.hpp"
#include "summary.hpp"
#include "vhost_user_channel.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

using namespace vugpu::frontend;

namespace {

struct Sample {
  double connect_ms = 0, serve_ms = 0;
};

// Connects as soon as the socket listens, retrying every 50 us.
UniqueFd connect_when_listening(SpawnedBackend& b, const Deadline& deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, b.socket_path().c_str(), sizeof(addr.sun_path) - 1);
  for (;;) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return fd;
    if (b.exited()) throw std::runtime_error("exited before listening; its output:\n" + b.log());
    if (deadline.expired()) throw std::runtime_error("no listening socket within 10 s; its output:\n" + b.log());
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

Sample measure(const BackendCommand& cmd) {
  SpawnedBackend b(cmd);
  const Deadline deadline(Millis(10000));
  UniqueFd fd = connect_when_listening(b, deadline);
  const auto connected = Clock::now();
  set_nonblocking(fd.get());
  VhostUserChannel channel(std::move(fd));
  if (channel.send(vu::kGetFeatures, vu::kVersion, {}) != IoStatus::Ok) throw std::runtime_error("sending GET_FEATURES failed");
  VuMessage reply;
  if (const IoStatus s = channel.receive(reply, deadline); s != IoStatus::Ok)
    throw std::runtime_error(std::string("no reply to GET_FEATURES: ") + to_string(s) + "; its output:\n" + b.log());
  const auto served = Clock::now();
  if (reply.header.request != vu::kGetFeatures) throw std::runtime_error("the first reply is not GET_FEATURES'");
  return {std::chrono::duration<double, std::milli>(connected - b.spawned_at()).count(),
          std::chrono::duration<double, std::milli>(served - b.spawned_at()).count()};
}

}  // namespace

void startup(Options& o, JsonWriter& w) {
  const auto backends = o.list("backends", "vugpu,qemu-10.0,qemu-7.2");
  const unsigned rounds = o.count("rounds", 5), per_round = o.count("starts", 4);
  o.reject_unused();

  struct Track {
    BackendChoice choice;
    std::vector<double> connect_ms, serve_ms, serve_p50_rounds;
    std::string error;
  };
  std::vector<Track> tracks;
  for (const auto& name : backends) tracks.push_back({find_backend(name), {}, {}, {}, {}});
  for (unsigned round = 0; round < rounds; ++round) {
    for (auto& t : tracks) {
      if (!t.choice.command || !t.error.empty()) continue;
      try {
        std::vector<double> serve;
        for (unsigned i = 0; i < per_round; ++i) {
          const Sample s = measure(*t.choice.command);
          t.connect_ms.push_back(s.connect_ms);
          t.serve_ms.push_back(s.serve_ms);
          serve.push_back(s.serve_ms);
        }
        t.serve_p50_rounds.push_back(median(serve));
      } catch (const std::exception& e) {
        t.error = e.what();
      }
    }
  }

  w.begin_object().field("workload", "startup");
  w.key("params").begin_object().field("rounds", uint64_t(rounds)).field("starts_per_round", uint64_t(per_round)).end_object();
  w.key("backends").begin_object();
  for (const auto& t : tracks) {
    w.key(t.choice.name).begin_object();
    const std::string error = t.choice.command ? t.error : t.choice.missing_reason;
    if (error.empty()) {
      w.field("serve_ms_p50", median(t.serve_ms)).field("serve_ms_p90", percentile(t.serve_ms, 0.9));
      w.field("serve_ms_min", percentile(t.serve_ms, 0)).field("serve_ms_p50_rounds", t.serve_p50_rounds);
      w.field("listen_ms_p50", median(t.connect_ms)).field("samples", uint64_t(t.serve_ms.size()));
    }
    w.field("ok", error.empty());
    if (!error.empty()) w.field("skipped", !t.choice.command).field("error", error);
    w.end_object();
  }
  w.end_object().end_object();
}

}  // namespace vugpu::bench
