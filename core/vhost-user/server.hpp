// The vhost-user backend: listens on a UNIX socket (or adopts an fd: a listening socket from
// systemd, or a connected one from libvirt, told apart by SO_ACCEPTCONN), speaks the
// vhost-user protocol with one VMM at a time, runs the control and cursor virtqueues into the
// Device, and owns the vhost-user-gpu display channel (VmmDisplay) once the VMM sends
// VHOST_USER_GPU_SET_SOCKET.
//
// When the VMM disconnects (quits or is killed) the server resets the device (all guest state
// dropped), unmaps guest memory, closes every fd of that connection, and accepts the next VMM
// on the same socket; with once=true it stops the loop instead. A server started on an adopted
// connected fd (--fd) has no socket to accept another VMM on, so it stops the loop too.
//
// A second VMM that connects while one is served is accepted and closed at once (logged), so
// it fails fast instead of waiting in the listen backlog.
//
// Threading: device loop thread only. The device and the memory outlive the server.
#pragma once
#include <memory>
#include <string>
#include "device/device.hpp"
#include "loop/event_loop.hpp"
#include "memory/guest_memory.hpp"
#include "vhost-user/gpu_backend.hpp"
#include "vugpu/host.hpp"
#include "vugpu/log.hpp"

namespace vugpu {

struct ServerOptions {
  std::string socket_path;  // listen here (unlinks a stale socket first) ...
  int fd = -1;              // ... or serve this inherited socket, listening or connected (--fd)
  bool once = false;        // stop the loop after the first VMM disconnects
  // Longest wait for a VMM that stalls: the rest of a started message, a reply on the display
  // channel (GET_DISPLAY_INFO, GET_EDID, DMABUF_UPDATE), room in a full socket.
  int timeout_ms = 2000;
};

class VhostUserServer {
 public:
  // memory is the GuestMemory the device was built with; the server fills and clears it.
  VhostUserServer(EventLoop& loop, Device& device, GuestMemory& memory, Log& log, ServerOptions options);
  // The same over any GpuBackend (transport tests run a small device of their own).
  VhostUserServer(EventLoop& loop, vhost::GpuBackend& device, GuestMemory& memory, Log& log, ServerOptions options);
  ~VhostUserServer();
  VhostUserServer(const VhostUserServer&) = delete;
  VhostUserServer& operator=(const VhostUserServer&) = delete;

  // Binds/listens (or adopts the fd). Throws std::runtime_error with a clear message.
  void start();

  // The display channel of the current VMM, or null.
  VmmDisplay* vmm_display();

  // Whether a VMM is connected now.
  bool connected() const;

  // The guest's display modes changed (a window's preferred size): VIRTIO_GPU_EVENT_DISPLAY for
  // the connected VMM (see Connection::raise_config_event), and one log line saying whether the
  // VMM was told.
  void display_changed(uint32_t scanout_id, const DisplayMode& mode);

 private:
  VhostUserServer(EventLoop& loop, std::unique_ptr<vhost::GpuBackend> owned_device, GuestMemory& memory, Log& log,
                  ServerOptions options);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vugpu
