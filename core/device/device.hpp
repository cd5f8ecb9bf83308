// The virtio-gpu device, transport-free: it takes one command (a descriptor chain already
// translated to host views by the transport) and completes it, now or later, by calling the
// completion callback with the bytes it wrote. It owns every piece of state the guest can name:
// resources, backing, scanouts, cursor, contexts, fences.
//
// Threading: device loop thread only (no locks). It never blocks on a presenter: a
// RESOURCE_FLUSH completes when every presenter released the frame, a GET_DISPLAY_INFO /
// GET_EDID when a presenter's display answered (the VMM, asynchronously).
//
// Completion order: on each queue, commands complete in the order they were submitted (a
// command that waits holds back the ones after it), so fences complete in order.
//
// What the transport and the daemon can rely on:
// - The completion callback runs on the loop thread: often from inside submit() (most commands
//   finish at once), otherwise from fence_signalled() or from work posted to the loop (a
//   presenter's FrameRelease, a presenter's answer to a display question). It may submit()
//   again (queued, handled after it returns); it must not call reset() or destroy the device.
// - A RESOURCE_FLUSH waiting for a presenter's release holds back *running* the later commands
//   of its queue, not only completing them: nothing touches a frame a presenter still reads. A
//   renderer fence holds back only completing (the renderer keeps receiving work).
// - Control queue: every chain gets a response (errors too, fence echoed) of at most the
//   writable room; when the room is too small the leading bytes are written and reported (see
//   protocol/response.hpp). Cursor queue: nothing is written, completion with 0 bytes.
// - Malformed input never throws: it is answered with VIRTIO_GPU_RESP_ERR_* and a rate-limited
//   log line. The constructor throws std::invalid_argument for 0 or more than 16 scanouts.
// - Blobs (commands_blob.cpp): with a BlobProvider the device offers RESOURCE_BLOB and serves
//   guest blobs (CREATE_BLOB, SET_SCANOUT_BLOB, flushes that copy nothing); without one, or
//   with a 3D renderer (not served yet), blob commands answer ERR_UNSPEC. memory_changed()
//   drops the view of a blob whose pages are no longer guest memory (REM_MEM_REG).
// - features() holds the device-specific bits only (EDID, VIRGL, CONTEXT_INIT); the transport
//   adds VIRTIO_F_VERSION_1 and the ring features. config_space() reports the configured
//   scanouts. Valid scanout ids are those, until a presenter answers display_info_async():
//   that is the VMM's display, which decides the count (QEMU replaces num_scanouts with its
//   max_outputs and reports a disabled output like a missing one), so then every id < 16 is.
//   A command naming a higher id before any display info was asked since the last reset (the
//   Linux driver asks for EDIDs first) waits for the presenters' display info, then runs.
// - GET_DISPLAY_INFO / GET_EDID ask the presenters in order (Presenter::display_info_async,
//   ::edid_async), without blocking the loop: the command holds back only its own queue; the
//   first presenter that answers Ok wins, else the settings (and a generated EDID) answer; the
//   response and its fence are written then, in the queue's order. GET_EDID gets the display
//   info first (once per reset) and validates the scanout id before asking for an EDID. A
//   reset drops a pending question with its command; the late answer finds nothing.
// - Presenter::set_scanout is called when a scanout's size or enabled state changes; a page
//   flip to another resource of the same size shows up as the next frame's resource_id.
// - reset() calls Presenter::reset() on every presenter before resources are dropped; the
//   destructor does the same, so presenters and the renderer must outlive the device.
#pragma once
#include <sys/uio.h>
#include <linux/virtio_gpu.h>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>
#include "device/settings.hpp"
#include "memory/guest_memory.hpp"
#include "vugpu/blob.hpp"
#include "vugpu/host.hpp"
#include "vugpu/presenter.hpp"
#include "vugpu/renderer.hpp"

namespace vugpu {

enum class QueueId : uint32_t { Control = 0, Cursor = 1 };

struct CommandChain {
  uint16_t head = 0;             // the transport's token, handed back on completion
  std::vector<iovec> readable;   // the request, possibly split over several buffers
  std::vector<iovec> writable;   // room for the response
};

struct DeviceStats {
  uint64_t commands = 0, errors = 0;
  uint64_t frames_presented = 0;
  uint64_t resources = 0, host_bytes = 0;
  uint64_t blob_resources_created = 0, blob_scanouts_set = 0, blob_frames_presented = 0;
  // Alive now: blob views (also those only a presenter still holds) and the mappings charged
  // to them (Limits::max_blob_views, max_blob_mappings).
  uint64_t blob_views = 0, blob_mappings = 0;
};

class Device {
 public:
  using CompleteFn = std::function<void(QueueId queue, uint16_t head, uint32_t bytes_written)>;

  // renderer, presenters, memory, host and blob (optional) outlive the device.
  Device(DeviceSettings settings, Renderer& renderer, std::vector<Presenter*> presenters,
         const GuestMemory& memory, HostServices& host, BlobProvider* blob = nullptr);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  uint64_t features() const;                 // VIRTIO_GPU_F_* bits this device offers
  virtio_gpu_config config_space() const;    // num_scanouts, num_capsets
  void set_completion(CompleteFn fn);

  void submit(QueueId queue, CommandChain chain);

  // A renderer fence completed (HostServices::fence_signalled lands here).
  void fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id);

  // The guest memory map changed (a region was added, replaced or removed).
  void memory_changed();

  // A display would like `mode` on a configured scanout (HostServices::display_mode_wanted): it
  // replaces the configured mode in GET_DISPLAY_INFO / GET_EDID answered from the configuration.
  // True when that answer changed: the transport then raises VIRTIO_GPU_EVENT_DISPLAY. A size
  // beyond limits.max_dimension or an EDID detailed timing is ignored (false).
  bool prefer_mode(uint32_t scanout_id, const DisplayMode& mode);

  // The driver reset the device or the VMM went away: drop every resource, scanout, context
  // and pending command (pending commands are not completed: their queues are gone).
  void reset();

  DeviceStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vugpu
