// "Bytes copied" as the backend itself counts them. vugpu counts every pixel byte its plugins
// copy on the host (HostServices::count_copy) and writes the total to its --stats-file on
// SIGUSR1. QEMU's vhost-user-gpu counts nothing: for it the workloads use a model of its code
// (see full_frame.cpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>

namespace vugpu::bench {

class CopyCounter {
 public:
  // A stats file path for a new vugpu process (pass it as --stats-file=...).
  CopyCounter();
  ~CopyCounter();  // removes the file
  CopyCounter(const CopyCounter&) = delete;
  CopyCounter& operator=(const CopyCounter&) = delete;

  const std::string& path() const { return path_; }
  std::string argument() const { return "--stats-file=" + path_; }

  // Asks `pid` for a fresh stats file (SIGUSR1) and returns its bytes_copied; nothing when the
  // daemon does not write one within a second (an older daemon without --stats-file).
  std::optional<uint64_t> read(pid_t pid);
  // The device's part (renderer, blob provider: not the presenters) of the last read().
  std::optional<uint64_t> last_device_bytes() const { return device_bytes_; }

 private:
  std::string path_;
  std::optional<uint64_t> device_bytes_;
};

}  // namespace vugpu::bench
