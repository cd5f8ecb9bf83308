// Snapshots on demand: a FIFO at a configured path; every write to it (`echo > PATH`) asks for
// a snapshot of every scanout. The plugin creates the FIFO (or reuses an existing one), reads
// it on the device loop through HostServices::watch_fd, and removes it if it created it.
// Device loop thread only.
#pragma once
#include <filesystem>
#include <functional>
#include "vugpu/unique_fd.hpp"
#include "vugpu/host.hpp"

namespace vugpu::snapshots {

class SnapshotTrigger {
 public:
  // Throws std::runtime_error when the path exists and is not a FIFO, or cannot be created.
  SnapshotTrigger(HostServices& host, std::filesystem::path path, std::function<void()> on_trigger);
  ~SnapshotTrigger();
  SnapshotTrigger(const SnapshotTrigger&) = delete;
  SnapshotTrigger& operator=(const SnapshotTrigger&) = delete;

 private:
  void drain();

  HostServices& host_;
  std::filesystem::path path_;
  std::function<void()> on_trigger_;
  bool created_ = false;
  UniqueFd read_end_;
  UniqueFd keep_open_;  // our own writer: without one, the FIFO reports hang-up forever once a writer left
  HostServices::WatchId watch_ = 0;
};

}  // namespace vugpu::snapshots
