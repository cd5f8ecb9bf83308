#include "guest_driver.hpp"
#include "trace.hpp"
#include <algorithm>
#include <cstring>
#include <string>

namespace vugpu::frontend {

uint32_t Completion::flags() const {
  auto h = as<virtio_gpu_ctrl_hdr>();
  return h ? h->flags : 0;
}

uint64_t Completion::fence_id() const {
  auto h = as<virtio_gpu_ctrl_hdr>();
  return h ? h->fence_id : 0;
}

namespace {

// Cuts `total` bytes into `pieces` nearly equal parts (at least one byte each).
std::vector<uint32_t> cut(uint32_t total, unsigned pieces) {
  pieces = std::max(1u, std::min<unsigned>(pieces, std::max<uint32_t>(total, 1)));
  std::vector<uint32_t> sizes(pieces, total / pieces);
  for (unsigned i = 0; i < total % pieces; ++i) ++sizes[i];
  return sizes;
}

}  // namespace

Ticket GuestDriver::submit(Queue q, std::span<const uint8_t> request, uint32_t response_capacity,
                           const ChainLayout& layout, bool kick) {
  Pending p;
  p.queue = q;
  p.capacity = response_capacity;
  std::vector<BufferRef> refs;
  PageAllocator& alloc = vmm_.allocator();

  auto place = [&](uint32_t bytes, bool writable, const uint8_t* data, uint8_t filler) {
    GuestAllocation a = alloc.allocate(bytes, layout.placement);
    if (a.empty()) throw FrontendError("guest RAM exhausted (" + std::to_string(bytes) + " bytes wanted)");
    if (data) a.write(0, {data, bytes});
    else a.fill(filler);
    if (bytes == 0) refs.push_back({a.gpa(), 0, writable});
    for (const Extent& e : a.entries()) {
      refs.push_back({e.gpa, uint32_t(e.len), writable});
      if (writable) p.response_pieces.push_back({e.gpa, uint32_t(e.len)});
    }
    p.buffers.push_back(std::move(a));
  };

  uint32_t offset = 0;
  for (uint32_t size : cut(uint32_t(request.size()), layout.request_pieces)) {
    if (size == 0) break;
    place(size, false, request.data() + offset, 0);
    offset += size;
  }
  if (response_capacity > 0)
    for (uint32_t size : cut(response_capacity, layout.response_pieces)) place(size, true, nullptr, 0xee);
  if (refs.empty()) place(0, false, nullptr, 0);  // a chain has at least one (here empty) buffer

  SplitVirtqueue& vq = vmm_.queue(q);
  std::optional<uint16_t> head;
  const Deadline room(Millis(5000));
  for (;;) {
    if (layout.indirect) {
      if (vq.free_descriptors() >= 1) {
        GuestAllocation table = alloc.allocate(16 * refs.size());
        if (table.empty()) throw FrontendError("guest RAM exhausted (indirect table)");
        head = vq.add_indirect(refs, table.gpa());
        p.buffers.push_back(std::move(table));
      }
    } else {
      if (refs.size() > vq.size()) throw FrontendError("chain longer than the queue");
      head = vq.add_chain(refs);
    }
    if (head) break;
    // Queue full: let the device finish some (as a guest driver waits for free descriptors).
    vmm_.kick(q);
    if (vmm_.run_until([&] { return vq.has_used(); }, room) != WaitResult::Done)
      throw FrontendError("virtqueue full and nothing completes");
    reap();
  }
  p.head = *head;
  VUGPU_FE_TRACE("queue %u: %s head=%u (%zu buffers)", unsigned(q), command_name(response_type(request)).c_str(), *head, refs.size());
  p.submitted = Clock::now();
  vq.publish(*head);
  const Ticket t = next_ticket_++;
  by_head_[{unsigned(q), *head}] = t;
  pending_.emplace(t, std::move(p));
  if (kick) vmm_.kick_if_needed(q);
  return t;
}

Ticket GuestDriver::submit_raw(Queue q, uint16_t head, std::vector<uint16_t> slots, bool kick) {
  SplitVirtqueue& vq = vmm_.queue(q);
  vq.track_chain(head, std::move(slots));
  Pending p;
  p.queue = q;
  p.head = head;
  p.submitted = Clock::now();
  vq.publish(head);
  const Ticket t = next_ticket_++;
  by_head_[{unsigned(q), head}] = t;
  pending_.emplace(t, std::move(p));
  if (kick) vmm_.kick_if_needed(q);
  return t;
}

Ticket GuestDriver::submit_descriptors(Queue q, std::vector<Descriptor> descs, bool kick) {
  SplitVirtqueue& vq = vmm_.queue(q);
  std::vector<uint16_t> slots = vq.take_descriptors(uint16_t(descs.size()));
  for (size_t i = 0; i < descs.size(); ++i) {
    Descriptor d = descs[i];
    if (d.next & kLiteralNext) d.next &= uint16_t(~kLiteralNext);
    else if (d.next < descs.size()) d.next = slots[d.next];
    vq.write_descriptor(slots[i], d);
  }
  const uint16_t head = slots[0];
  return submit_raw(q, head, std::move(slots), kick);
}

void GuestDriver::kick(Queue q) { vmm_.kick_if_needed(q); }

void GuestDriver::complete(Queue q, const UsedEntry& e) {
  VUGPU_FE_TRACE("queue %u: used head=%u len=%u", unsigned(q), e.id, e.len);
  auto it = by_head_.find({unsigned(q), uint16_t(e.id)});
  if (it == by_head_.end()) return;  // the queue recorded the device's mistake
  const Ticket t = it->second;
  by_head_.erase(it);
  auto pit = pending_.find(t);
  Pending& p = pit->second;
  Completion c;
  c.ticket = t;
  c.sequence = next_sequence_++;
  c.written = e.len;
  c.submitted = p.submitted;
  c.completed = Clock::now();
  uint32_t left = std::min(e.len, p.capacity);
  for (const auto& [gpa, len] : p.response_pieces) {
    if (left == 0) break;
    const uint32_t n = std::min(left, len);
    const uint8_t* src = vmm_.ram().host(gpa, n);
    c.response.insert(c.response.end(), src, src + n);
    left -= n;
  }
  pending_.erase(pit);
  done_.emplace(t, std::move(c));
}

size_t GuestDriver::reap() {
  size_t n = 0;
  for (unsigned i = 0; i < kQueueCount; ++i) {
    SplitVirtqueue& vq = vmm_.queue(Queue(i));
    while (auto e = vq.pop_used()) {
      complete(Queue(i), *e);
      ++n;
    }
  }
  return n;
}

std::optional<Completion> GuestDriver::take(Ticket t) {
  auto it = done_.find(t);
  if (it == done_.end()) return std::nullopt;
  Completion c = std::move(it->second);
  done_.erase(it);
  return c;
}

std::optional<Completion> GuestDriver::wait(Ticket t, Millis timeout) {
  reap();
  if (!done_.count(t)) {
    vmm_.run_until([&] { reap(); return done_.count(t) > 0; }, Deadline(timeout));
  }
  // Display messages the backend sent before completing are in the socket by now: take them,
  // so a test that reads the display right after a RESOURCE_FLUSH sees its UPDATE.
  vmm_.display().drain(Deadline(timeout));
  return take(t);
}

bool GuestDriver::wait_all(Millis timeout) {
  reap();
  const bool ok = vmm_.run_until([&] { reap(); return pending_.empty(); }, Deadline(timeout)) == WaitResult::Done;
  vmm_.display().drain(Deadline(timeout));
  return ok;
}

Completion GuestDriver::execute(Queue q, std::span<const uint8_t> request, uint32_t response_capacity,
                                const ChainLayout& layout, Millis timeout) {
  const Ticket t = submit(q, request, response_capacity, layout);
  auto c = wait(t, timeout);
  if (!c) {
    const uint32_t type = response_type(request);
    throw FrontendError(command_name(type) + ": no used entry within " + std::to_string(timeout.count()) + " ms (" +
                        (vmm_.backend_gone() ? "backend closed the connection" : "timed out") + ")");
  }
  return std::move(*c);
}

uint32_t GuestDriver::simple(std::span<const uint8_t> request, const ChainLayout& layout) {
  return execute(Queue::Control, request, sizeof(virtio_gpu_ctrl_hdr), layout).type();
}

std::optional<virtio_gpu_resp_display_info> GuestDriver::get_display_info() {
  Completion c = execute(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info));
  return c.as<virtio_gpu_resp_display_info>();
}

EdidReply GuestDriver::get_edid(uint32_t scanout) {
  Completion c = execute(Queue::Control, cmd::get_edid(scanout), sizeof(virtio_gpu_resp_edid));
  EdidReply r;
  r.type = c.type();
  if (auto resp = c.as<virtio_gpu_resp_edid>()) {
    const uint32_t n = std::min<uint32_t>(resp->size, sizeof(resp->edid));
    r.edid.assign(resp->edid, resp->edid + n);
  }
  return r;
}

uint32_t GuestDriver::resource_create_2d(uint32_t id, uint32_t format, uint32_t width, uint32_t height, const CmdOptions& o) {
  return simple(cmd::resource_create_2d(id, format, width, height, o));
}
uint32_t GuestDriver::resource_unref(uint32_t id, const CmdOptions& o) { return simple(cmd::resource_unref(id, o)); }
uint32_t GuestDriver::attach_backing(uint32_t id, std::span<const Extent> entries, const CmdOptions& o) {
  return simple(cmd::attach_backing(id, entries, o));
}
uint32_t GuestDriver::detach_backing(uint32_t id, const CmdOptions& o) { return simple(cmd::detach_backing(id, o)); }
uint32_t GuestDriver::set_scanout(uint32_t scanout, uint32_t resource, GpuRect r, const CmdOptions& o) {
  return simple(cmd::set_scanout(scanout, resource, r, o));
}
uint32_t GuestDriver::transfer_to_host_2d(uint32_t resource, GpuRect r, uint64_t offset, const CmdOptions& o) {
  return simple(cmd::transfer_to_host_2d(resource, r, offset, o));
}
uint32_t GuestDriver::resource_flush(uint32_t resource, GpuRect r, const CmdOptions& o) {
  return simple(cmd::resource_flush(resource, r, o));
}
uint32_t GuestDriver::resource_create_blob(uint32_t id, uint32_t blob_mem, uint32_t blob_flags, uint64_t size,
                                           std::span<const Extent> entries, const CmdOptions& o) {
  return simple(cmd::resource_create_blob(id, blob_mem, blob_flags, 0, size, entries, o));
}
uint32_t GuestDriver::set_scanout_blob(uint32_t scanout, uint32_t resource, GpuRect r, uint32_t width, uint32_t height,
                                       uint32_t format, uint32_t stride, uint32_t offset, const CmdOptions& o) {
  return simple(cmd::set_scanout_blob(scanout, resource, r, width, height, format, stride, offset, o));
}
Completion GuestDriver::update_cursor(uint32_t scanout, uint32_t x, uint32_t y, uint32_t resource, uint32_t hot_x, uint32_t hot_y) {
  return execute(Queue::Cursor, cmd::update_cursor(scanout, x, y, resource, hot_x, hot_y), 0);
}
Completion GuestDriver::move_cursor(uint32_t scanout, uint32_t x, uint32_t y, uint32_t resource) {
  return execute(Queue::Cursor, cmd::move_cursor(scanout, x, y, resource), 0);
}

}  // namespace vugpu::frontend
