// The vhost-user backend: listens on a UNIX socket (or adopts a connected fd), speaks the
// vhost-user protocol with one VMM at a time, runs the control and cursor virtqueues into the
// Device, and owns the vhost-user-gpu display channel (VmmDisplay) once the VMM sends
// VHOST_USER_GPU_SET_SOCKET.
//
// When the VMM disconnects (quits or is killed) the server resets the device (all guest state
// dropped), unmaps guest memory, closes every fd of that connection, and accepts the next VMM
// on the same socket; with once=true it stops the loop instead.
//
// Threading: device loop thread only.
#pragma once
#include <memory>
#include <string>
#include "device/device.hpp"
#include "loop/event_loop.hpp"
#include "memory/guest_memory.hpp"
#include "vugpu/host.hpp"
#include "vugpu/log.hpp"

namespace vugpu {

struct ServerOptions {
  std::string socket_path;  // listen here (unlinks a stale socket first) ...
  int fd = -1;              // ... or serve this already connected socket (--fd)
  bool once = false;        // stop the loop after the first VMM disconnects
};

class VhostUserServer {
 public:
  // memory is the GuestMemory the device was built with; the server fills and clears it.
  VhostUserServer(EventLoop& loop, Device& device, GuestMemory& memory, Log& log, ServerOptions options);
  ~VhostUserServer();

  // Binds/listens (or adopts the fd). Throws std::runtime_error with a clear message.
  void start();

  // The display channel of the current VMM, or null.
  VmmDisplay* vmm_display();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vugpu
