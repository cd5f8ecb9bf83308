#include "display_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace vugpu::window {

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// ":N", ":N.S", "unix:N": the local socket's number; anything else ("host:N", a path): empty.
std::string local_x_number(const std::string& display) {
  const size_t colon = display.rfind(':');
  if (colon == std::string::npos) return {};
  const std::string host = display.substr(0, colon);
  if (!host.empty() && host != "unix") return {};
  std::string number = display.substr(colon + 1);
  number = number.substr(0, number.find('.'));
  if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos) return {};
  return number;
}

}  // namespace

DisplaySockets display_sockets() {
  DisplaySockets d;
  if (const char* x = env("DISPLAY")) {
    d.name = x;
    const std::string number = local_x_number(x);
    if (number.empty()) d.remote = true;
    else {
      d.sockets.push_back("/tmp/.X11-unix/X" + number);
      d.abstract_sockets.push_back("/tmp/.X11-unix/X" + number);
    }
  }
  if (const char* wayland = env("WAYLAND_DISPLAY")) {
    d.name += (d.name.empty() ? "" : " or ") + std::string(wayland);
    if (wayland[0] == '/') d.sockets.emplace_back(wayland);
    else if (const char* runtime = env("XDG_RUNTIME_DIR")) d.sockets.push_back(std::filesystem::path(runtime) / wayland);
    else d.remote = true;  // libwayland would not find it either; retried, not watched
  }
  return d;
}

namespace {

// connect() to `addr` (its first `length` bytes): 0 or errno.
int try_connect(const sockaddr_un& addr, socklen_t length) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  const int err = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), length) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

SocketState probe(const std::filesystem::path& socket) {
  sockaddr_un addr{};
  const std::string& path = socket.native();
  if (path.size() >= sizeof(addr.sun_path)) return SocketState::Refused;  // cannot be ours to reach
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int err = try_connect(addr, sizeof(addr));
  if (err == 0) return SocketState::Accepting;
  return err == ENOENT || err == ENOTDIR ? SocketState::Absent : SocketState::Refused;
}

SocketState probe_abstract(const std::string& name) {
  sockaddr_un addr{};
  if (name.size() + 1 > sizeof(addr.sun_path)) return SocketState::Absent;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  const int err = try_connect(addr, socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size()));
  return err == 0 ? SocketState::Accepting : SocketState::Absent;
}

}  // namespace vugpu::window
