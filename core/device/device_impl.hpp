// Device internals (not part of the transport's API): the per-queue command pipeline, the
// state the guest can name, and one handler per command. Device loop thread only, except
// where a comment says otherwise.
#pragma once
#include <array>
#include <atomic>
#include <cstring>
#include <span>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include "device/device.hpp"
#include "device/blob_view_budget.hpp"
#include "device/resource_table.hpp"
#include "log/rate_limited_log.hpp"
#include "protocol/request.hpp"
#include "protocol/wire.hpp"

namespace vugpu {

// Where a fence lives: the device-wide timeline (ctx_id 0) or one ring of a context.
struct FenceTimeline {
  uint32_t ctx_id = 0;
  uint32_t ring_idx = 0;
  friend bool operator==(const FenceTimeline&, const FenceTimeline&) = default;
};

// A GET_DISPLAY_INFO / GET_EDID waiting for the presenters' answer (commands_scanout.cpp):
// they are asked one after another (Presenter::display_info_async / edid_async) until one
// answers Ok; then, or from the configuration when none does, the response is written. The
// command blocks its queue meanwhile; the device loop runs on.
struct DisplayQuestion {
  uint32_t type = 0;              // VIRTIO_GPU_CMD_GET_DISPLAY_INFO or VIRTIO_GPU_CMD_GET_EDID
  // Not the guest's question: the device asks for the display info before it can run the
  // command (a scanout id beyond the configured ones, an EDID to generate): once answered, the
  // command runs again from the start (it changed nothing before it asked).
  bool rerun = false;
  uint32_t scanout_id = 0;        // GET_EDID's, already validated
  virtio_gpu_ctrl_hdr request{};  // for the response header and the fence
  size_t next = 0;                // the presenter to ask next
  uint64_t attempt = 0;           // numbers the asks: a stale or repeated `done` finds no match
  bool asking = false;            // presenters_[next - 1] has not called `done` yet
  bool any_asked = false;         // a presenter took the question (it may have failed)
  bool answered = false;          // it has, with:
  Status status = Status::Unspec;
  std::vector<DisplayMode> modes;
  std::vector<uint8_t> edid;
};

struct PendingCommand {
  uint64_t seq = 0;              // unique for the device's life: stale releases find nothing
  CommandChain chain;
  bool executed = false;
  uint32_t bytes_written = 0;
  bool waiting_release = false;  // a RESOURCE_FLUSH whose frame a presenter still reads
  bool waiting_fence = false;    // the renderer signals this fence later
  FenceTimeline timeline;
  uint64_t fence_id = 0;
  std::unique_ptr<DisplayQuestion> question;  // waiting for a presenter's answer: no response yet
  bool finished() const { return executed && !waiting_release && !waiting_fence && !question; }
};

// Commands of one virtqueue in submission order. They run in order and complete in order. A
// flush waiting for presenters holds back both running and completing what comes after it (so
// no later transfer or unref touches a frame a presenter still reads); a fence holds back only
// completing (so the renderer keeps working on later submissions).
struct CommandQueue {
  std::deque<PendingCommand> commands;
  size_t executed = 0;  // commands[0, executed) have run
  size_t blocking = 0;  // of those, flushes or display questions still waiting for presenters
};

// Shared by a flush and the FrameRelease callbacks it hands out. Any thread.
struct ReleaseCounter {
  std::atomic<uint32_t> outstanding{1};  // the 1 is the device's own, dropped after presenting
  // What the frames need until the last release (a blob's view): dropped on the loop thread.
  std::shared_ptr<const void> keep_alive;
};

// How a scanout shows a blob (SET_SCANOUT_BLOB): the framebuffer's layout inside the blob.
struct BlobLayout {
  bool active = false;
  uint32_t width = 0, height = 0;  // of the framebuffer
  uint32_t fourcc = 0;
  uint32_t stride = 0;
  uint64_t offset = 0;             // of pixel (0,0) in the blob
};

// A guest blob's device-side state (commands_blob.cpp). The Resource of the same id carries the
// size of its last framebuffer (width/height/fourcc) for flush rectangles and the cursor.
struct BlobResource {
  uint32_t blob_mem = 0, flags = 0;
  uint64_t size = 0;
  std::vector<virtio_gpu_mem_entry> entries;  // as validated, to re-check after memory changes
  std::vector<GuestPiece> pieces;             // where they were when the view was made
  std::shared_ptr<BlobView> view;             // null: no backing
};

struct ScanoutState {
  uint32_t resource_id = 0;  // 0: disabled
  Rect view;                 // part of the resource shown (resource coordinates)
  BlobLayout blob;           // SET_SCANOUT_BLOB: the framebuffer shown
  DisplayMode announced;     // what presenters were last told by set_scanout
};

struct CursorState {
  uint32_t resource_id = 0;  // of the last UPDATE_CURSOR; 0 when it hid the cursor
  uint32_t scanout_id = 0;
  uint32_t hot_x = 0, hot_y = 0;
  bool visible = false;      // a MOVE_CURSOR with resource 0 hides it, a later one shows it again
  std::array<uint32_t, CursorImage::kSize * CursorImage::kSize> argb{};
};

// The response of the command being run: header-only OK_NODATA unless a handler sets data.
class Reply {
 public:
  void clear() {
    type_ = VIRTIO_GPU_RESP_OK_NODATA;
    bytes_.assign(sizeof(virtio_gpu_ctrl_hdr), 0);
  }
  // A data response of `size` bytes (header included), all zero; the header is filled later.
  std::span<uint8_t> data(uint32_t type, size_t size) {
    type_ = type;
    bytes_.assign(size, 0);
    return bytes_;
  }
  template <typename T>
  void set(uint32_t type, const T& body) {
    static_assert(protocol::kIsWireStruct<T>);
    std::memcpy(data(type, sizeof(T)).data(), &body, sizeof(T));
  }
  uint32_t type() const { return type_; }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  uint32_t type_ = VIRTIO_GPU_RESP_OK_NODATA;
  std::vector<uint8_t> bytes_;
};

template <typename T>
T zeroed() {
  static_assert(protocol::kIsWireStruct<T>);
  T v;
  std::memset(&v, 0, sizeof v);
  return v;
}

struct Device::Impl {
  Impl(DeviceSettings settings, Renderer& renderer, std::vector<Presenter*> presenters,
       const GuestMemory& memory, HostServices& host, BlobProvider* blob);
  ~Impl();

  // --- pipeline (command_queue.cpp) ----------------------------------------------------------
  void submit(QueueId q, CommandChain chain);
  void fence_signalled(uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id);
  void release_done(QueueId q, uint64_t seq);
  void reset();
  void pump();
  void pump_queue(QueueId q);
  void execute(QueueId q, PendingCommand& cmd);
  void start_fence(PendingCommand& cmd, const virtio_gpu_ctrl_hdr& hdr);
  // Writes the control queue's response (reply_ or the error of `status`) and starts its fence.
  void respond(PendingCommand& cmd, const virtio_gpu_ctrl_hdr& request, bool has_header, Status status);
  Status dispatch(QueueId q, const protocol::Request& req);
  FrameRelease make_release(const std::shared_ptr<ReleaseCounter>& counter);
  CommandQueue& queue(QueueId q) { return queues_[static_cast<size_t>(q)]; }

  // Logs a guest error (rate-limited per command type) and returns s.
  template <typename... Args>
  Status fail(Status s, fmt::format_string<Args...> f, Args&&... args) {
    if (host_.log().enabled(LogLevel::Warn))
      guest_log_.write(protocol::command_name(current_type_), "guest error: {} -> {}",
                       fmt::format(f, std::forward<Args>(args)...), to_string(s));
    return s;
  }
  // The resource the guest names, or ERR_INVALID_RESOURCE_ID (logged) when there is none.
  Status find_resource(uint32_t id, Resource*& out) {
    out = resources_.find(id);
    return out != nullptr ? Status::Ok : fail(Status::InvalidResourceId, "no resource {}", id);
  }
  // The guest's rectangle, checked with 64-bit arithmetic (x + width cannot wrap) to lie inside res.
  Status rect_inside(const virtio_gpu_rect& in, const Resource& res, Rect& out) {
    out = Rect{in.x, in.y, in.width, in.height};
    if (out.inside(res.width, res.height)) return Status::Ok;
    return fail(Status::InvalidParameter, "rect {}x{}+{}+{} outside {}x{}", out.width, out.height, out.x, out.y,
                res.width, res.height);
  }
  template <typename T>
  Status decode(const protocol::Request& req, T& out) {
    // dispatch() already checked the size against the command table; this keeps it local.
    return req.read(out) ? Status::Ok : fail(Status::Unspec, "request too short");
  }

  // --- resources (commands_resource.cpp) -----------------------------------------------------
  Status cmd_resource_create_2d(const protocol::Request& req);
  Status cmd_resource_unref(const protocol::Request& req);
  Status cmd_attach_backing(const protocol::Request& req);
  Status cmd_detach_backing(const protocol::Request& req);
  Status cmd_transfer_to_host_2d(const protocol::Request& req);
  Status admit_new_resource(uint32_t id);
  Status add_resource(Resource&& res);
  void destroy_resource(Resource& res);
  void drop_backing(Resource& res);

  // --- scanouts and displays (commands_scanout.cpp) ------------------------------------------
  Status cmd_get_display_info(const protocol::Request& req);
  Status cmd_get_edid(const protocol::Request& req);
  Status cmd_set_scanout(const protocol::Request& req);
  Status cmd_resource_flush(const protocol::Request& req);
  Status check_scanout_id(uint32_t scanout_id);
  std::array<DisplayMode, VIRTIO_GPU_MAX_SCANOUTS> display_modes();
  bool prefer_mode(uint32_t scanout_id, const DisplayMode& mode);
  // Display questions (see DisplayQuestion). advance_question() asks on or answers the one
  // blocking queue q; true when it was answered (the queue may run on).
  bool advance_question(QueueId q);
  // For a handler that needs the presenters' display info first: returns Unspec with a rerun
  // question set (execute() then waits for it instead of answering the error).
  Status learn_displays();
  void display_answered(QueueId q, uint64_t seq, uint64_t attempt, Status s, std::span<const DisplayMode> modes,
                        std::span<const uint8_t> edid);
  Status answer_display_info(const DisplayQuestion& dq);
  Status answer_edid(const DisplayQuestion& dq);
  void announce(uint32_t scanout_id, const DisplayMode& mode);
  void disable_scanout(uint32_t scanout_id);

  // --- cursor (commands_cursor.cpp) ----------------------------------------------------------
  Status cmd_update_cursor(const protocol::Request& req);
  Status cmd_move_cursor(const protocol::Request& req);

  // --- blobs (commands_blob.cpp) -------------------------------------------------------------
  bool blobs_served() const { return blob_provider_ != nullptr && !renderer_features_.virgl; }
  Status blobs_refused();
  BlobResource* find_blob(uint32_t id);
  Status cmd_resource_create_blob(const protocol::Request& req);
  Status cmd_set_scanout_blob(const protocol::Request& req);
  Status cmd_map_blob(const protocol::Request& req);
  Status read_blob_entries(const protocol::Request& req, uint64_t payload_offset, uint32_t nr_entries,
                           uint64_t size, std::vector<virtio_gpu_mem_entry>& out);
  Status make_blob_view(Resource& res, BlobResource& blob, std::vector<virtio_gpu_mem_entry> entries);
  void drop_blob_view(BlobResource& blob);
  Status blob_attach_backing(const protocol::Request& req, Resource& res, BlobResource& blob);
  Status blob_flush(Resource& res, BlobResource& blob, const Rect& r);
  Status blob_cursor_frame(Resource& res, BlobResource& blob, Frame& out);
  void memory_changed();

  // --- 3D (commands_3d.cpp) ------------------------------------------------------------------
  Status cmd_ctx_create(const protocol::Request& req);
  Status cmd_ctx_destroy(const protocol::Request& req);
  Status cmd_ctx_resource(const protocol::Request& req, bool attach);
  Status cmd_resource_create_3d(const protocol::Request& req);
  Status cmd_transfer_3d(const protocol::Request& req, bool to_host);
  Status cmd_submit_3d(const protocol::Request& req);
  Status cmd_get_capset_info(const protocol::Request& req);
  Status cmd_get_capset(const protocol::Request& req);
  Status check_context(uint32_t ctx_id);

  // --- state ---------------------------------------------------------------------------------
  DeviceSettings settings_;
  Renderer& renderer_;
  std::vector<Presenter*> presenters_;
  const GuestMemory& memory_;
  HostServices& host_;
  CompleteFn complete_;

  RateLimitedLog guest_log_;
  ResourceTable resources_;
  RendererFeatures renderer_features_;  // asked once: a renderer's features do not change
  std::array<ScanoutState, VIRTIO_GPU_MAX_SCANOUTS> scanouts_{};
  // Sizes displays would like (prefer_mode), over the configured ones; width 0: none. They
  // outlive a reset: the window still has that size.
  std::array<DisplayMode, VIRTIO_GPU_MAX_SCANOUTS> preferred_{};
  uint32_t configured_scanouts_ = 1;
  uint32_t known_scanouts_ = 1;  // max(configured, reported by a presenter): valid ids are below
  // The last display info a presenter gave (the VMM's): GET_EDID's size when it generates one.
  std::optional<std::array<DisplayMode, VIRTIO_GPU_MAX_SCANOUTS>> presenter_modes_;
  bool config_answer_noted_ = false;  // "answered from the configuration" is logged once
  bool displays_asked_ = false;       // the presenters were asked for the display info since the last reset
  CursorState cursor_;
  std::unordered_set<uint32_t> contexts_;
  BlobProvider* blob_provider_ = nullptr;
  std::unordered_map<uint32_t, BlobResource> blobs_;  // ids also in resources_
  // Every live view, the blobs' and those only presenters still hold (settings_ comes first).
  BlobViewBudget blob_views_{settings_.limits.max_blob_views, settings_.limits.max_blob_mappings};
  bool blobs_refusal_noted_ = false;

  std::array<CommandQueue, 2> queues_;
  uint64_t next_seq_ = 1;
  uint64_t max_request_bytes_ = 0;
  bool pumping_ = false, repump_ = false;

  // The command being run (execute() sets these for the handlers).
  uint32_t current_type_ = 0;
  QueueId current_queue_ = QueueId::Control;
  uint64_t current_seq_ = 0;
  Reply reply_;
  std::shared_ptr<ReleaseCounter> waiting_release_;  // set by a flush that must wait
  std::unique_ptr<DisplayQuestion> question_;        // set by GET_DISPLAY_INFO / GET_EDID
  std::vector<uint8_t> submit_buffer_;

  // Lets a FrameRelease that outlives the device (or a reset) find out, on the loop thread.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  DeviceStats stats_;
};

}  // namespace vugpu
