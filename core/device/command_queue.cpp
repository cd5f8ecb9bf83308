// The per-queue command pipeline: run in order, complete in order, wait for presenters'
// releases and renderer fences without blocking the loop.
#include <algorithm>
#include <stdexcept>
#include "device/device_impl.hpp"
#include "protocol/response.hpp"

namespace vugpu {

Device::Impl::Impl(DeviceSettings settings, Renderer& renderer, std::vector<Presenter*> presenters,
                   const GuestMemory& memory, HostServices& host, BlobProvider* blob)
    : settings_(std::move(settings)),
      renderer_(renderer),
      presenters_(std::move(presenters)),
      memory_(memory),
      host_(host),
      guest_log_(host.log()),
      resources_(settings_.limits),
      renderer_features_(renderer.features()),
      blob_provider_(blob) {
  if (settings_.scanouts.empty() || settings_.scanouts.size() > VIRTIO_GPU_MAX_SCANOUTS)
    throw std::invalid_argument("device: between 1 and 16 scanouts must be configured");
  std::erase(presenters_, nullptr);
  configured_scanouts_ = known_scanouts_ = static_cast<uint32_t>(settings_.scanouts.size());
  // The biggest request: the largest fixed struct plus the largest payload any command may
  // carry (attach-backing entries or a SUBMIT_3D buffer). Anything longer is refused unread.
  const uint64_t entries = uint64_t{settings_.limits.max_backing_entries} * sizeof(virtio_gpu_mem_entry);
  max_request_bytes_ = protocol::kMaxRequestSize + std::max<uint64_t>(entries, settings_.limits.max_submit_bytes);
  reply_.clear();
}

Device::Impl::~Impl() {
  // Renderer state must go while the renderer (and its library) is still there.
  reset();
}

void Device::Impl::submit(QueueId q, CommandChain chain) {
  if (static_cast<size_t>(q) >= queues_.size()) return;  // the transport has two queues only
  PendingCommand cmd;
  cmd.seq = next_seq_++;
  cmd.chain = std::move(chain);
  queue(q).commands.push_back(std::move(cmd));
  pump();
}

void Device::Impl::pump() {
  // Completions, releases and fences can arrive while we run a command (a presenter releasing
  // inline, a renderer signalling inside create_fence, a completion callback submitting): they
  // only mark state, and this loop goes round again.
  if (pumping_) {
    repump_ = true;
    return;
  }
  pumping_ = true;
  do {
    repump_ = false;
    pump_queue(QueueId::Control);
    pump_queue(QueueId::Cursor);
  } while (repump_);
  pumping_ = false;
}

void Device::Impl::pump_queue(QueueId q) {
  CommandQueue& cq = queue(q);
  for (;;) {
    while (!cq.commands.empty() && cq.commands.front().finished()) {
      PendingCommand done = std::move(cq.commands.front());
      cq.commands.pop_front();
      --cq.executed;
      if (complete_) complete_(q, done.chain.head, done.bytes_written);
    }
    if (cq.blocking != 0) {
      if (advance_question(q)) continue;  // a display question was answered: run on
      return;
    }
    if (cq.executed >= cq.commands.size()) return;
    execute(q, cq.commands[cq.executed]);
  }
}

void Device::Impl::execute(QueueId q, PendingCommand& cmd) {
  const protocol::Request req(cmd.chain.readable);
  current_type_ = req.type();
  current_queue_ = q;
  current_seq_ = cmd.seq;
  waiting_release_.reset();
  question_.reset();
  reply_.clear();

  const Status status = dispatch(q, req);
  ++stats_.commands;
  const bool waits = question_ && (status == Status::Ok || question_->rerun);
  if (status != Status::Ok && !waits) {
    ++stats_.errors;
    reply_.clear();  // an error carries the header only
  }

  CommandQueue& cq = queue(q);
  cmd.executed = true;
  ++cq.executed;
  if (waiting_release_) {
    cmd.waiting_release = true;
    ++cq.blocking;
    waiting_release_.reset();
  }

  if (waits) {
    // A display question: its response (and fence) is written when the presenters answered;
    // until then it holds back its queue (pump_queue -> advance_question).
    question_->request = req.header();
    cmd.question = std::move(question_);
    ++cq.blocking;
    return;
  }
  question_.reset();

  // The cursor queue has no responses (the driver gives it no writable buffer); the control
  // queue answers every command, errors included, echoing its fence.
  if (q != QueueId::Control) return;
  respond(cmd, req.header(), req.has_header(), status);
}

void Device::Impl::respond(PendingCommand& cmd, const virtio_gpu_ctrl_hdr& request, bool has_header, Status status) {
  const uint32_t type = status == Status::Ok ? reply_.type() : protocol::response_type(status);
  const virtio_gpu_ctrl_hdr hdr = protocol::response_header(request, type);
  std::memcpy(reply_.bytes().data(), &hdr, sizeof hdr);
  cmd.bytes_written = protocol::write_response(cmd.chain.writable, reply_.bytes());
  if (cmd.bytes_written < reply_.bytes().size())
    guest_log_.write(protocol::command_name(current_type_), "guest error: response of {} bytes truncated to the {} writable bytes",
                     reply_.bytes().size(), cmd.bytes_written);
  // A fenced command gets its fence whether it succeeded or not: the guest waits for the fence
  // either way, and it must not signal before the work submitted ahead of it.
  if (has_header && (request.flags & VIRTIO_GPU_FLAG_FENCE)) start_fence(cmd, request);
}

void Device::Impl::start_fence(PendingCommand& cmd, const virtio_gpu_ctrl_hdr& hdr) {
  // A context's ring only where the renderer offers CONTEXT_INIT (rings exist only then) and
  // the guest names a ring of a context it created; anything else is the device-wide timeline.
  const bool on_ring = renderer_features_.context_init && (hdr.flags & VIRTIO_GPU_FLAG_INFO_RING_IDX) &&
                       hdr.ring_idx < protocol::kMaxRings && contexts_.count(hdr.ctx_id) != 0;
  cmd.timeline = on_ring ? FenceTimeline{hdr.ctx_id, hdr.ring_idx} : FenceTimeline{};
  cmd.fence_id = hdr.fence_id;
  // Wait first, then ask: a renderer may signal from inside create_fence.
  cmd.waiting_fence = true;
  const bool later = renderer_.create_fence(hdr.ctx_id, on_ring, on_ring ? hdr.ring_idx : 0, hdr.fence_id);
  if (!later) cmd.waiting_fence = false;
}

void Device::Impl::fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id) {
  // "Every fence up to fence_id on this timeline is done" (virglrenderer's model).
  const FenceTimeline timeline = ctx_id == 0 ? FenceTimeline{} : FenceTimeline{ctx_id, ring_idx};
  bool any = false;
  for (CommandQueue& cq : queues_) {
    for (size_t i = 0; i < cq.executed; ++i) {
      PendingCommand& c = cq.commands[i];
      if (c.waiting_fence && c.timeline == timeline && c.fence_id <= fence_id) {
        c.waiting_fence = false;
        any = true;
      }
    }
  }
  if (any) pump();
}

FrameRelease Device::Impl::make_release(const std::shared_ptr<ReleaseCounter>& counter) {
  counter->outstanding.fetch_add(1);
  // Runs on any thread, possibly after a reset or after the device is gone: it only posts,
  // and the posted work checks that the device and the command still exist.
  return FrameRelease([counter, alive = std::weak_ptr<int>(alive_), self = this, host = &host_,
                       q = current_queue_, seq = current_seq_] {
    if (counter->outstanding.fetch_sub(1) != 1) return;
    // The last release: what the frame kept alive (a blob's view) goes on the loop thread.
    host->post([alive, self, q, seq, keep = std::move(counter->keep_alive)] {
      if (auto still_here = alive.lock()) self->release_done(q, seq);
    });
  });
}

void Device::Impl::release_done(QueueId q, uint64_t seq) {
  CommandQueue& cq = queue(q);
  for (size_t i = 0; i < cq.executed; ++i) {
    PendingCommand& c = cq.commands[i];
    if (c.seq != seq) continue;
    if (c.waiting_release) {
      c.waiting_release = false;
      --cq.blocking;
      pump();
    }
    return;
  }
}

void Device::Impl::reset() {
  // Pending commands are dropped, not completed: their queues are gone. Releases still held by
  // presenters, and answers to display questions still coming, find no command (seq numbers
  // are never reused) and do nothing.
  for (CommandQueue& cq : queues_) cq = CommandQueue{};
  // Presenters let go of every frame before the resources behind them go.
  for (Presenter* p : presenters_) p->reset();
  for (uint32_t id : resources_.ids()) {
    if (Resource* res = resources_.find(id)) destroy_resource(*res);
  }
  blobs_.clear();
  for (uint32_t ctx : contexts_) renderer_.context_destroy(ctx);
  contexts_.clear();
  renderer_.reset();
  scanouts_ = {};
  cursor_ = CursorState{};
  known_scanouts_ = configured_scanouts_;
  presenter_modes_.reset();  // the next VMM's display may differ
  displays_asked_ = false;
}

Status Device::Impl::dispatch(QueueId q, const protocol::Request& req) {
  if (!req.has_header()) return fail(Status::Unspec, "request of {} bytes is shorter than a header", req.size());
  if (req.size() > max_request_bytes_)
    return fail(Status::Unspec, "request of {} bytes is longer than any command may be ({})", req.size(), max_request_bytes_);
  const protocol::CommandInfo* info = protocol::find_command(req.type());
  if (info == nullptr) return fail(Status::Unspec, "unknown command type {:#x}", req.type());
  if (req.size() < info->request_size)
    return fail(Status::Unspec, "request of {} bytes is shorter than its {} byte struct", req.size(), info->request_size);
  if (protocol::is_cursor_command(req.type()) != (q == QueueId::Cursor))
    return fail(Status::Unspec, "sent on the wrong queue");

  switch (req.type()) {
    case VIRTIO_GPU_CMD_GET_DISPLAY_INFO: return cmd_get_display_info(req);
    case VIRTIO_GPU_CMD_GET_EDID: return cmd_get_edid(req);
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D: return cmd_resource_create_2d(req);
    case VIRTIO_GPU_CMD_RESOURCE_UNREF: return cmd_resource_unref(req);
    case VIRTIO_GPU_CMD_SET_SCANOUT: return cmd_set_scanout(req);
    case VIRTIO_GPU_CMD_RESOURCE_FLUSH: return cmd_resource_flush(req);
    case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D: return cmd_transfer_to_host_2d(req);
    case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: return cmd_attach_backing(req);
    case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING: return cmd_detach_backing(req);
    case VIRTIO_GPU_CMD_GET_CAPSET_INFO: return cmd_get_capset_info(req);
    case VIRTIO_GPU_CMD_GET_CAPSET: return cmd_get_capset(req);
    case VIRTIO_GPU_CMD_CTX_CREATE: return cmd_ctx_create(req);
    case VIRTIO_GPU_CMD_CTX_DESTROY: return cmd_ctx_destroy(req);
    case VIRTIO_GPU_CMD_CTX_ATTACH_RESOURCE: return cmd_ctx_resource(req, true);
    case VIRTIO_GPU_CMD_CTX_DETACH_RESOURCE: return cmd_ctx_resource(req, false);
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_3D: return cmd_resource_create_3d(req);
    case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_3D: return cmd_transfer_3d(req, true);
    case VIRTIO_GPU_CMD_TRANSFER_FROM_HOST_3D: return cmd_transfer_3d(req, false);
    case VIRTIO_GPU_CMD_SUBMIT_3D: return cmd_submit_3d(req);
    case VIRTIO_GPU_CMD_UPDATE_CURSOR: return cmd_update_cursor(req);
    case VIRTIO_GPU_CMD_MOVE_CURSOR: return cmd_move_cursor(req);
    case VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB: return cmd_resource_create_blob(req);
    case VIRTIO_GPU_CMD_SET_SCANOUT_BLOB: return cmd_set_scanout_blob(req);
    case VIRTIO_GPU_CMD_RESOURCE_MAP_BLOB:
    case VIRTIO_GPU_CMD_RESOURCE_UNMAP_BLOB: return cmd_map_blob(req);
    default:
      // UUIDs: a feature this device does not offer.
      return fail(Status::Unspec, "not supported by this device");
  }
}

}  // namespace vugpu
