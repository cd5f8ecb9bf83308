// The guest driver model: puts commands on the virtqueues as Linux's virtio-gpu driver does
// (request in readable buffers, room for the response in writable ones), kicks, and waits for
// the used entry while the VMM side keeps running. Chains can be split over several
// descriptors, put behind an indirect descriptor, and placed on scattered pages.
#pragma once
#include <linux/virtio_gpu.h>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>
#include "gpu_commands.hpp"
#include "test_vmm.hpp"

namespace vugpu::frontend {

struct ChainLayout {
  unsigned request_pieces = 1;   // readable descriptors the request is cut into
  unsigned response_pieces = 1;  // writable descriptors for the response
  bool indirect = false;         // one VIRTQ_DESC_F_INDIRECT descriptor instead
  Placement placement = Placement::Contiguous;  // pages of the buffers
};

struct Completion {
  uint64_t ticket = 0;
  uint64_t sequence = 0;         // order in which used entries were seen (0, 1, 2, ...)
  uint32_t written = 0;          // used.len as the device reported it
  std::vector<uint8_t> response; // the first min(written, capacity) bytes of the response area
  Clock::time_point submitted, completed;

  uint32_t type() const { return response_type(response); }
  uint32_t flags() const;
  uint64_t fence_id() const;
  Clock::duration latency() const { return completed - submitted; }
  template <typename T>
  std::optional<T> as() const {
    if (response.size() < sizeof(T)) return std::nullopt;
    T v;
    std::memcpy(&v, response.data(), sizeof(T));
    return v;
  }
};

using Ticket = uint64_t;

struct EdidReply {
  uint32_t type = 0;
  std::vector<uint8_t> edid;  // resp.size bytes of resp.edid
};

class GuestDriver {
 public:
  explicit GuestDriver(TestVmm& vmm) : vmm_(vmm) {}

  TestVmm& vmm() { return vmm_; }

  // Puts one command on `q`. The response area is `response_capacity` bytes (zero-filled with
  // 0xee first, so bytes the device did not write show). Kicks unless `kick` is false (then
  // call kick() after queueing a batch, as a guest does). Throws when the queue is full.
  Ticket submit(Queue q, std::span<const uint8_t> request, uint32_t response_capacity,
                const ChainLayout& layout = {}, bool kick = true);
  void kick(Queue q);
  // Waits for that command's used entry (serving the VMM side meanwhile). Nothing on timeout.
  std::optional<Completion> wait(Ticket t, Millis timeout = Millis(5000));
  // Waits for every submitted command. False on timeout.
  bool wait_all(Millis timeout = Millis(5000));
  // submit + wait; throws FrontendError on timeout (with the command's name).
  Completion execute(Queue q, std::span<const uint8_t> request, uint32_t response_capacity = sizeof(virtio_gpu_ctrl_hdr),
                     const ChainLayout& layout = {}, Millis timeout = Millis(5000));
  // Takes every used entry available now; returns how many.
  size_t reap();
  size_t in_flight() const { return pending_.size(); }
  // Completed commands nobody waited for yet (wait() takes them out).
  const std::map<Ticket, Completion>& finished() const { return done_; }
  std::optional<Completion> take(Ticket t);

  // Raw chains (malformed input): the caller writes descriptors into slots it took from the
  // queue, then publishes the head; the driver treats its used entry like any other.
  Ticket submit_raw(Queue q, uint16_t head, std::vector<uint16_t> slots, bool kick = true);
  // The same, simpler: `descs` written into free slots, head first. A `next` below descs.size()
  // is an index into `descs` (mapped to its slot); any other value is written unchanged (to
  // point outside the chain or the table). Response bytes are not collected.
  static constexpr uint16_t kLiteralNext = 0x8000;  // or this bit: write next & 0x7fff unchanged
  Ticket submit_descriptors(Queue q, std::vector<Descriptor> descs, bool kick = true);

  // ---- typed commands (control queue; cursor ones on the cursor queue) ----
  // Each returns the response type (VIRTIO_GPU_RESP_*).
  std::optional<virtio_gpu_resp_display_info> get_display_info();
  EdidReply get_edid(uint32_t scanout);
  uint32_t resource_create_2d(uint32_t id, uint32_t format, uint32_t width, uint32_t height, const CmdOptions& o = {});
  uint32_t resource_unref(uint32_t id, const CmdOptions& o = {});
  uint32_t attach_backing(uint32_t id, std::span<const Extent> entries, const CmdOptions& o = {});
  uint32_t detach_backing(uint32_t id, const CmdOptions& o = {});
  uint32_t set_scanout(uint32_t scanout, uint32_t resource, GpuRect r, const CmdOptions& o = {});
  uint32_t transfer_to_host_2d(uint32_t resource, GpuRect r, uint64_t offset, const CmdOptions& o = {});
  uint32_t resource_flush(uint32_t resource, GpuRect r, const CmdOptions& o = {});
  // Blobs (VIRTIO_GPU_F_RESOURCE_BLOB).
  uint32_t resource_create_blob(uint32_t id, uint32_t blob_mem, uint32_t blob_flags, uint64_t size,
                                std::span<const Extent> entries, const CmdOptions& o = {});
  uint32_t set_scanout_blob(uint32_t scanout, uint32_t resource, GpuRect r, uint32_t width, uint32_t height,
                            uint32_t format, uint32_t stride, uint32_t offset = 0, const CmdOptions& o = {});
  // Cursor commands carry no response buffer (as Linux sends them); returns the completion.
  Completion update_cursor(uint32_t scanout, uint32_t x, uint32_t y, uint32_t resource, uint32_t hot_x, uint32_t hot_y);
  Completion move_cursor(uint32_t scanout, uint32_t x, uint32_t y, uint32_t resource);
  // A control command with a header-sized response; returns the response type.
  uint32_t simple(std::span<const uint8_t> request, const ChainLayout& layout = {});

 private:
  struct Pending {
    Queue queue;
    uint16_t head;
    std::vector<GuestAllocation> buffers;  // kept until the device is done with them
    const GuestAllocation* response = nullptr;
    std::vector<std::pair<uint64_t, uint32_t>> response_pieces;  // gpa, len in order
    uint32_t capacity = 0;
    Clock::time_point submitted;
  };
  void complete(Queue q, const UsedEntry& e);

  TestVmm& vmm_;
  Ticket next_ticket_ = 1;
  uint64_t next_sequence_ = 0;
  std::map<Ticket, Pending> pending_;
  std::map<std::pair<unsigned, uint16_t>, Ticket> by_head_;
  std::map<Ticket, Completion> done_;
};

}  // namespace vugpu::frontend
