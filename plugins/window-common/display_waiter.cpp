#include "display_waiter.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <stdexcept>
#include "display_socket.hpp"

namespace vugpu::window {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstRetry{50};  // a server between creating its socket and listen()
constexpr milliseconds kMaxRetry{2000};  // at most one try every 2 s where no event says when

// The folders whose changes may bring a socket: each socket's folder, or its nearest existing
// ancestor while that folder does not exist yet (/tmp before /tmp/.X11-unix is made).
std::set<std::filesystem::path> folders_to_watch(const DisplaySockets& d) {
  std::set<std::filesystem::path> folders;
  for (const auto& socket : d.sockets) {
    std::filesystem::path dir = socket.parent_path();
    std::error_code ec;
    while (!std::filesystem::is_directory(dir, ec) && dir.has_relative_path()) dir = dir.parent_path();
    folders.insert(dir);
  }
  return folders;
}

// An inotify instance on a set of folders (made again when the set changes). Not there (no
// inotify, or too many watches): the waiter retries on its back-off timer instead.
class FolderWatch {
 public:
  ~FolderWatch() { reset(); }
  void watch(const std::set<std::filesystem::path>& folders) {
    if (fd_ >= 0 && folders == folders_) return;
    reset();
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) return;
    for (const auto& f : folders)
      if (::inotify_add_watch(fd_, f.c_str(), IN_CREATE | IN_MOVED_TO | IN_ATTRIB | IN_ONLYDIR) < 0) {
        reset();
        return;
      }
    folders_ = folders;
  }
  int fd() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  void drain() {
    alignas(inotify_event) char buffer[4096];
    while (::read(fd_, buffer, sizeof buffer) > 0) {
    }
  }

 private:
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    folders_.clear();
  }
  int fd_ = -1;
  std::set<std::filesystem::path> folders_;
};

}  // namespace

DisplayWaiter::DisplayWaiter() : event_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (event_fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
}

DisplayWaiter::~DisplayWaiter() { ::close(event_fd_); }

void DisplayWaiter::notify() {
  const uint64_t one = 1;
  (void)!::write(event_fd_, &one, sizeof one);
}

void DisplayWaiter::stop() {
  stopped_.store(true);
  notify();
}

bool DisplayWaiter::wait(Log& log, const char* toolkit, const std::function<std::string()>& try_open,
                         const std::function<void()>& on_changes) {
  const DisplaySockets display = display_sockets();
  const Clock::time_point start = Clock::now();
  FolderWatch folders;
  milliseconds backoff{0};
  Clock::time_point next_check = start;  // max(): only an event (inotify, notify()) checks again
  bool logged_waiting = false, logged_refusal = false;
  on_changes();  // what arrived before this thread got here
  while (!stopped_.load()) {
    if (Clock::now() >= next_check) {
      // The watch first, then the look: a socket made in between is seen by one or the other.
      folders.watch(folders_to_watch(display));
      SocketState state = SocketState::Absent;
      std::string where;
      for (const auto& socket : display.sockets) {
        const SocketState s = probe(socket);
        if (s > state || where.empty()) where = socket.string();
        state = std::max(state, s);
      }
      for (const auto& name : display.abstract_sockets) state = std::max(state, probe_abstract(name));
      std::string why;
      if (state == SocketState::Accepting || display.remote) {
        why = try_open();
        if (why.empty()) {
          waiting_.store(false);
          if (logged_waiting)
            log.info("display {} is up after {:.1f} s of waiting: opening the guest's windows", display.name,
                     std::chrono::duration<double>(Clock::now() - start).count());
          return true;
        }
        why = std::string(toolkit) + " cannot open it yet: " + why;
      } else {
        why = state == SocketState::Absent ? "no server has made " + where + " yet" : where + " refuses connections";
      }
      if (!logged_waiting) {
        log.info("waiting for display {} ({}): serving the guest without windows until it is up (wait_for_display = true)",
                 display.name, why);
        logged_waiting = true;
      } else if (state == SocketState::Accepting && !logged_refusal) {
        log.warn("display {} accepts connections, but {}; trying again at most every {} s", display.name, why,
                 kMaxRetry.count() / 1000);
        logged_refusal = true;
      }
      if (state == SocketState::Absent && !display.remote && folders.ok()) {
        backoff = milliseconds{0};
        next_check = Clock::time_point::max();
      } else {
        backoff = std::clamp(backoff * 2, kFirstRetry, kMaxRetry);
        next_check = Clock::now() + backoff;
      }
    }
    int timeout_ms = -1;
    if (next_check != Clock::time_point::max())
      timeout_ms = int(std::max<int64_t>(0, std::chrono::ceil<milliseconds>(next_check - Clock::now()).count()));
    pollfd fds[2] = {{event_fd_, POLLIN, 0}, {folders.fd(), POLLIN, 0}};
    if (::poll(fds, folders.ok() ? 2 : 1, timeout_ms) < 0 && errno != EINTR) {
      log.error("cannot wait for display {}: poll: {}; going on without windows", display.name, std::strerror(errno));
      break;
    }
    if (folders.ok() && (fds[1].revents & POLLIN)) {
      folders.drain();
      backoff = milliseconds{0};  // a socket (re)made: its server may need a moment to listen
      next_check = Clock::now();
    }
    if (fds[0].revents & POLLIN) {
      uint64_t count;
      (void)!::read(event_fd_, &count, sizeof count);
      on_changes();
    }
  }
  waiting_.store(false);
  return false;
}

}  // namespace vugpu::window
