// Where the display named by the environment listens, for waiting until it is up
// (display_waiter.hpp): $DISPLAY ":N" / ":N.S" / "unix:N" is the X server's socket
// /tmp/.X11-unix/XN; $WAYLAND_DISPLAY is $XDG_RUNTIME_DIR/<name> (or the path itself when
// absolute). A display on another host ("host:N", X over TCP) has no socket here to watch.
//
// Any thread (reads the environment; probe() makes one connect() and closes it).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace vugpu::window {

struct DisplaySockets {
  std::string name;                            // for the log: ":1", "wayland-0", ":1 or wayland-0"
  std::vector<std::filesystem::path> sockets;  // local listening sockets, any of which means "up"
  // Linux abstract sockets (an X server's "@/tmp/.X11-unix/XN", which Xlib tries first): probed
  // too, whenever the sockets are, but not watched (no file, no event): they find a display
  // that is up although its socket file is not visible here (another /tmp).
  std::vector<std::string> abstract_sockets;
  bool remote = false;                         // also a display that has no local socket to watch
};

// From $DISPLAY and $WAYLAND_DISPLAY (each when set and not empty).
DisplaySockets display_sockets();

enum class SocketState {
  Absent,     // no such file (yet): a server creates it when it starts
  Refused,    // the file is there but nothing accepts (a server starting, or a stale file)
  Accepting,  // a server accepts connections: the toolkit may open the display
};

SocketState probe(const std::filesystem::path& socket);
SocketState probe_abstract(const std::string& name);  // Absent unless it accepts

}  // namespace vugpu::window
