#include "snapshot_trigger.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace vugpu::snapshots {

SnapshotTrigger::SnapshotTrigger(HostServices& host, std::filesystem::path path, std::function<void()> on_trigger)
    : host_(host), path_(std::move(path)), on_trigger_(std::move(on_trigger)) {
  const auto fail = [&](const std::string& why) {
    return std::runtime_error("trigger_fifo " + path_.string() + ": " + why);
  };
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    if (!S_ISFIFO(st.st_mode)) throw fail("exists and is not a FIFO");
  } else if (errno == ENOENT) {
    if (::mkfifo(path_.c_str(), 0600) != 0) throw fail(std::strerror(errno));
    created_ = true;
  } else {
    throw fail(std::strerror(errno));
  }
  read_end_ = UniqueFd(::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!read_end_) throw fail(std::strerror(errno));
  keep_open_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  if (!keep_open_) throw fail(std::strerror(errno));
  watch_ = host_.watch_fd(read_end_.get(), [this] { drain(); });
}

SnapshotTrigger::~SnapshotTrigger() {
  host_.unwatch_fd(watch_);
  if (created_) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

void SnapshotTrigger::drain() {
  char buffer[256];
  bool requested = false;
  for (;;) {
    const ssize_t n = ::read(read_end_.get(), buffer, sizeof buffer);
    if (n > 0) {
      requested = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: drained
  }
  if (requested) on_trigger_();  // one snapshot per burst of writes
}

}  // namespace vugpu::snapshots
