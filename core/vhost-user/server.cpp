#include "vhost-user/server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <fmt/format.h>
#include "log/rate_limited_log.hpp"
#include "memory/guarded_mapping.hpp"
#include "vhost-user/connection.hpp"
#include "vhost-user/watched_fd.hpp"

namespace vugpu {

namespace {

std::runtime_error failure(const std::string& what) { return std::runtime_error(what); }

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    throw failure(fmt::format("vhost-user socket path '{}' must have 1..{} bytes", path, sizeof addr.sun_path - 1));
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// A socket file left by a backend that died is removed; one with a live listener is not ours to take.
void remove_stale_socket(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
  if (!S_ISSOCK(st.st_mode))
    throw failure(fmt::format("vhost-user socket path '{}' exists and is not a socket; not removing it", path));
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
    throw failure(fmt::format("vhost-user socket '{}' is in use by another running backend", path));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    throw failure(fmt::format("cannot remove the stale socket '{}': {}", path, std::strerror(errno)));
}

}  // namespace

struct VhostUserServer::Impl {
  Impl(EventLoop& l, vhost::GpuBackend& d, std::unique_ptr<vhost::GpuBackend> o, GuestMemory& m, Log& lg,
       ServerOptions opt)
      : loop(l), owned(std::move(o)), device(d), memory(m), log(lg), options(std::move(opt)), guest_log(lg) {
    device.set_completion([this](QueueId q, uint16_t head, uint32_t bytes) {
      if (connection) connection->on_complete(q, head, bytes);
    });
  }

  ~Impl() {
    if (connection) device.reset();  // nothing may point into the memory about to be unmapped
    device.set_completion([](QueueId, uint16_t, uint32_t) {});
    connection.reset();
    socket.reset();
    listener.reset();
    if (created_socket) {
      struct stat st {};
      if (::lstat(options.socket_path.c_str(), &st) == 0 && st.st_dev == socket_dev && st.st_ino == socket_ino)
        ::unlink(options.socket_path.c_str());
    }
  }

  void listen() {
    const sockaddr_un addr = unix_address(options.socket_path);
    remove_stale_socket(options.socket_path, addr);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) throw failure(fmt::format("socket(): {}", std::strerror(errno)));
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      throw failure(fmt::format("cannot bind the vhost-user socket '{}': {}", options.socket_path, std::strerror(errno)));
    struct stat st {};
    if (::lstat(options.socket_path.c_str(), &st) == 0) {
      created_socket = true;
      socket_dev = st.st_dev;
      socket_ino = st.st_ino;
    }
    if (::listen(fd.get(), 1) != 0)
      throw failure(fmt::format("cannot listen on '{}': {}", options.socket_path, std::strerror(errno)));
    listener.watch(loop, std::move(fd), [this] { accept(); });
    log.info("vhost-user: listening on {}", options.socket_path);
  }

  void adopt() {
    UniqueFd fd(options.fd);
    options.fd = -1;
    int type = 0;
    socklen_t len = sizeof type;
    sockaddr_storage name{};
    socklen_t name_len = sizeof name;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&name), &name_len) != 0 || name.ss_family != AF_UNIX)
      throw failure(fmt::format("--fd {}: not a UNIX stream socket", fd.get()));
    ::fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
    // A listening socket (systemd socket activation) is accepted on like our own; a connected
    // one (libvirt's socketpair) is the one VMM this process serves.
    int listening = 0;
    len = sizeof listening;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0)
      throw failure(fmt::format("--fd {}: SO_ACCEPTCONN: {}", fd.get(), std::strerror(errno)));
    if (listening) {
      ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
      log.info("vhost-user: accepting VMMs on the listening socket fd {}", fd.get());
      listener.watch(loop, std::move(fd), [this] { accept(); });
      return;
    }
    adopted = true;
    log.info("vhost-user: serving the VMM on fd {}", fd.get());
    attach(std::move(fd));
  }

  void accept() {
    UniqueFd fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        log.warn("vhost-user: accept: {}", std::strerror(errno));
      return;
    }
    if (connection && !served_vmm_left()) {
      log.warn("vhost-user: a second VMM connected while one is served; closing it");
      return;  // fd closes here
    }
    log.info("vhost-user: VMM connected");
    attach(std::move(fd));
  }

  // A VMM that hangs up and connects again at once (QEMU's reconnect, a restarted VMM) may be
  // seen connecting before the end of file of its old connection is read, both ready in the
  // same turn of the loop: read the served socket first (one turn's worth of messages, so a
  // busy VMM cannot hold the accept), and refuse the newcomer only if the old VMM is still there.
  bool served_vmm_left() {
    pollfd p{socket.get(), POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0) readable();
    return !connection;
  }

  void attach(UniqueFd fd) {
    const int raw = fd.get();
    try {
      socket.watch(loop, std::move(fd), [this] { readable(); });
    } catch (const std::exception& e) {
      throw failure(fmt::format("cannot watch the VMM socket: {}", e.what()));
    }
    poisonings_at_connect = poison_count();
    connection = std::make_unique<vhost::Connection>(
        vhost::ConnectionEnv{loop, device, memory, log, guest_log, options.timeout_ms}, raw);
  }

  void readable() {
    if (connection && !connection->on_readable()) disconnect();
  }

  // Some thread touched a guarded mapping whose file the VMM truncated (guarded_mapping.hpp):
  // that VMM can no longer be trusted with our memory. Stale poisonings (a mapping of an
  // earlier VMM) do not drop the current one.
  void watch_poisonings() {
    const int fd = poison_fd();
    if (fd < 0) {
      log.warn("vhost-user: no SIGBUS guard: a VMM that truncates guest RAM can kill the daemon");
      return;
    }
    UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (!copy) throw failure(fmt::format("dup of the SIGBUS eventfd: {}", std::strerror(errno)));
    poisonings.watch(loop, std::move(copy), [this] { poisoned(); });
  }
  void poisoned() {
    uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(poisonings.get(), &count, sizeof count);
    if (!connection || poison_count() == poisonings_at_connect) return;
    log.error("vhost-user: the VMM truncated guest memory under the daemon (SIGBUS caught{}); dropping it",
              connection->memory_poisoned() ? " in guest RAM" : " in a view of guest memory");
    disconnect();
  }

  void disconnect() {
    // Order: no display for presenters to talk to, then the device lets go of guest memory,
    // then the mappings and fds go.
    if (connection) connection->drop_display();
    device.reset();
    connection.reset();
    socket.reset();
    guest_log.flush();
    log.info("vhost-user: VMM disconnected; device reset, guest memory unmapped");
    if (options.once || adopted) {
      loop.stop();
    }
  }

  EventLoop& loop;
  std::unique_ptr<vhost::GpuBackend> owned;
  vhost::GpuBackend& device;
  GuestMemory& memory;
  Log& log;
  ServerOptions options;
  RateLimitedLog guest_log;
  vhost::WatchedFd listener;
  vhost::WatchedFd poisonings;  // a dup of poison_fd()
  uint64_t poisonings_at_connect = 0;
  vhost::WatchedFd socket;  // the VMM's connection; declared before `connection`'s use of it
  std::unique_ptr<vhost::Connection> connection;
  bool adopted = false;
  bool created_socket = false;
  dev_t socket_dev = 0;
  ino_t socket_ino = 0;
};

VhostUserServer::VhostUserServer(EventLoop& loop, vhost::GpuBackend& device, GuestMemory& memory, Log& log,
                                 ServerOptions options)
    : impl_(std::make_unique<Impl>(loop, device, nullptr, memory, log, std::move(options))) {}

VhostUserServer::VhostUserServer(EventLoop& loop, std::unique_ptr<vhost::GpuBackend> owned_device, GuestMemory& memory,
                                 Log& log, ServerOptions options) {
  vhost::GpuBackend& device = *owned_device;
  impl_ = std::make_unique<Impl>(loop, device, std::move(owned_device), memory, log, std::move(options));
}

VhostUserServer::~VhostUserServer() = default;

void VhostUserServer::start() {
  install_sigbus_guard();
  impl_->watch_poisonings();
  if (impl_->options.fd >= 0)
    impl_->adopt();
  else
    impl_->listen();
}

VmmDisplay* VhostUserServer::vmm_display() { return impl_->connection ? impl_->connection->display() : nullptr; }

bool VhostUserServer::connected() const { return impl_->connection != nullptr; }

void VhostUserServer::display_changed(uint32_t scanout_id, const DisplayMode& mode) {
  if (!impl_->connection) {
    impl_->log.info("scanout {}: preferred mode {}x{} (no VMM connected: its guest reads it at start)", scanout_id,
                    mode.width, mode.height);
    return;
  }
  const bool sent = impl_->connection->raise_config_event(VIRTIO_GPU_EVENT_DISPLAY);
  impl_->log.info("scanout {}: preferred mode {}x{}: {}", scanout_id, mode.width, mode.height,
                  sent ? "display event raised, config change sent to the VMM"
                       : "display event raised; the VMM gave no back-end channel, so the guest is not interrupted");
}

}  // namespace vugpu
