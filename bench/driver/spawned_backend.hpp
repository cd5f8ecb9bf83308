// A backend process for the start-up measurement (B5). BackendProcess waits for the socket by
// polling every 2 ms, too coarse for a figure of a few milliseconds; this one records the time
// of posix_spawn() and leaves the waiting to the caller, who connects in a tight loop.
#pragma once
#include <sys/types.h>
#include <string>
#include "backend_process.hpp"

namespace vugpu::bench {

class SpawnedBackend {
 public:
  explicit SpawnedBackend(const frontend::BackendCommand& cmd);
  ~SpawnedBackend();  // SIGTERM, SIGKILL after 2 s; removes its folder
  SpawnedBackend(const SpawnedBackend&) = delete;
  SpawnedBackend& operator=(const SpawnedBackend&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& socket_path() const { return socket_; }
  frontend::Clock::time_point spawned_at() const { return spawned_at_; }
  bool exited();  // reaps it
  std::string log() const;

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::string dir_, socket_, log_;
  frontend::Clock::time_point spawned_at_;
};

}  // namespace vugpu::bench
