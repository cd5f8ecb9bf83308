// Displays and scanouts: GET_DISPLAY_INFO, GET_EDID, SET_SCANOUT, RESOURCE_FLUSH.
#include <algorithm>
#include "device/device_impl.hpp"
#include "device/edid.hpp"

namespace vugpu {

// The configuration's modes: the answer when no presenter answers. A size a display would like
// (a resized window: prefer_mode) replaces the configured one of that scanout.
std::array<DisplayMode, VIRTIO_GPU_MAX_SCANOUTS> Device::Impl::display_modes() {
  std::array<DisplayMode, VIRTIO_GPU_MAX_SCANOUTS> modes{};
  for (uint32_t i = 0; i < configured_scanouts_; ++i) {
    const ScanoutSettings& s = settings_.scanouts[i];
    if (s.enabled) modes[i] = DisplayMode{s.width, s.height, true};
    if (preferred_[i].width != 0) modes[i] = preferred_[i];
  }
  return modes;
}

bool Device::Impl::prefer_mode(uint32_t scanout_id, const DisplayMode& mode) {
  if (scanout_id >= configured_scanouts_ || !settings_.scanouts[scanout_id].enabled) return false;
  // Within what a guest may create and what an EDID detailed timing can say.
  if (mode.width == 0 || mode.height == 0 || mode.width > settings_.limits.max_dimension ||
      mode.height > settings_.limits.max_dimension || !make_edid(mode.width, mode.height, scanout_id + 1))
    return false;
  const DisplayMode wanted{mode.width, mode.height, true};
  const DisplayMode before = display_modes()[scanout_id];
  preferred_[scanout_id] = wanted;
  return before.width != wanted.width || before.height != wanted.height || !before.enabled;
}

Status Device::Impl::check_scanout_id(uint32_t scanout_id) {
  if (scanout_id < known_scanouts_) return Status::Ok;
  // A presenter may know more scanouts than we were told about (the VMM's max_outputs): ask
  // once since the last reset, without blocking the loop; the command runs again after.
  if (scanout_id < VIRTIO_GPU_MAX_SCANOUTS && !displays_asked_) return learn_displays();
  return fail(Status::InvalidScanoutId, "scanout {} (valid: 0..{})", scanout_id, known_scanouts_ - 1);
}

// --- display questions ----------------------------------------------------------------------

Status Device::Impl::learn_displays() {
  question_ = std::make_unique<DisplayQuestion>();
  question_->type = VIRTIO_GPU_CMD_GET_DISPLAY_INFO;
  question_->rerun = true;
  return Status::Unspec;  // stops the handler before it changes anything
}

bool Device::Impl::advance_question(QueueId q) {
  CommandQueue& cq = queue(q);
  if (cq.executed == 0) return false;
  PendingCommand& cmd = cq.commands[cq.executed - 1];  // a blocking command is the last one run
  if (!cmd.question) return false;
  DisplayQuestion& dq = *cmd.question;
  while (!dq.asking) {
    if (dq.answered) {
      dq.answered = false;
      if (dq.status == Status::Ok) break;  // this presenter's answer wins
    }
    if (dq.next >= presenters_.size()) break;  // nobody answered: the configuration does
    Presenter& p = *presenters_[dq.next++];
    // `done` may run inside the call (then dq.answered is set when it returns) or later, from
    // the loop; it finds the command by seq and attempt, or nothing after a reset.
    const uint64_t attempt = ++dq.attempt;
    auto found = [alive = std::weak_ptr<int>(alive_), self = this, q, seq = cmd.seq, attempt](
                     Status s, std::span<const DisplayMode> modes, std::span<const uint8_t> edid) {
      if (auto still_here = alive.lock()) self->display_answered(q, seq, attempt, s, modes, edid);
    };
    dq.asking = true;
    const bool asked =
        dq.type == VIRTIO_GPU_CMD_GET_DISPLAY_INFO
            ? p.display_info_async([found](Status s, std::span<const DisplayMode> m) { found(s, m, {}); })
            : p.edid_async(dq.scanout_id, [found](Status s, std::span<const uint8_t> e) { found(s, {}, e); });
    if (asked) dq.any_asked = true;
    else dq.asking = false;  // this presenter does not answer: the next one
  }
  if (dq.asking) return false;  // still waiting: the queue stays blocked, the loop runs on

  if (dq.rerun) {
    // The device's own question: take what it learnt, then run the command again.
    reply_.clear();
    answer_display_info(dq);
    cmd.question.reset();
    --cq.blocking;
    cmd.executed = false;
    --cq.executed;
    --stats_.commands;  // counted again when it runs
    return true;
  }
  // Answered (or nobody could): write the response now, in the queue's order.
  current_type_ = dq.type;
  current_queue_ = q;
  current_seq_ = cmd.seq;
  reply_.clear();
  Status status = dq.type == VIRTIO_GPU_CMD_GET_DISPLAY_INFO ? answer_display_info(dq) : answer_edid(dq);
  if (status != Status::Ok) {
    ++stats_.errors;
    reply_.clear();
  }
  const virtio_gpu_ctrl_hdr request = dq.request;
  cmd.question.reset();
  --cq.blocking;
  respond(cmd, request, true, status);
  return true;
}

void Device::Impl::display_answered(QueueId q, uint64_t seq, uint64_t attempt, Status s,
                                    std::span<const DisplayMode> modes, std::span<const uint8_t> edid) {
  CommandQueue& cq = queue(q);
  for (size_t i = 0; i < cq.executed; ++i) {
    PendingCommand& c = cq.commands[i];
    if (c.seq != seq) continue;
    if (!c.question || !c.question->asking || c.question->attempt != attempt) return;  // stale or repeated
    DisplayQuestion& dq = *c.question;
    dq.asking = false;
    dq.answered = true;
    dq.status = s;
    if (s == Status::Ok && dq.type == VIRTIO_GPU_CMD_GET_EDID &&
        (edid.empty() || edid.size() % 128 != 0 || edid.size() > sizeof(virtio_gpu_resp_edid::edid)))
      dq.status = Status::InvalidParameter;  // not an EDID the guest can take: the next presenter
    dq.modes.assign(modes.begin(), modes.begin() + std::min<size_t>(modes.size(), VIRTIO_GPU_MAX_SCANOUTS));
    dq.edid.assign(edid.begin(), edid.end());
    pump();  // inside advance_question (an answer given inside the call) this only marks a repump
    return;
  }
  // No such command: the device was reset while the question was out.
}

Status Device::Impl::answer_display_info(const DisplayQuestion& dq) {
  auto modes = display_modes();
  displays_asked_ = true;
  if (dq.status == Status::Ok) {
    // A presenter that answers is the VMM's display, and the VMM decides how many scanouts the
    // guest has: QEMU writes its own max_outputs into the guest's config space and reports a
    // disabled output as all zeroes, exactly like one that does not exist. So every id the
    // protocol allows is valid; the VMM ignores scanouts it does not have.
    modes = {};
    std::copy(dq.modes.begin(), dq.modes.end(), modes.begin());
    presenter_modes_ = modes;
    known_scanouts_ = VIRTIO_GPU_MAX_SCANOUTS;
  } else if (dq.any_asked && !config_answer_noted_) {
    host_.log().info("GET_DISPLAY_INFO answered from the configuration: no presenter gave the display's modes");
    config_answer_noted_ = true;
  }
  auto info = zeroed<virtio_gpu_resp_display_info>();
  for (size_t i = 0; i < modes.size(); ++i) {
    info.pmodes[i].r.width = modes[i].width;
    info.pmodes[i].r.height = modes[i].height;
    info.pmodes[i].enabled = modes[i].enabled ? 1 : 0;
  }
  reply_.set(VIRTIO_GPU_RESP_OK_DISPLAY_INFO, info);
  return Status::Ok;
}

Status Device::Impl::answer_edid(const DisplayQuestion& dq) {
  std::vector<uint8_t> blob = dq.edid;
  if (dq.status != Status::Ok) {
    // The size the display last reported for this scanout, else the configuration's.
    DisplayMode mode = presenter_modes_ ? (*presenter_modes_)[dq.scanout_id] : display_modes()[dq.scanout_id];
    if (mode.width == 0 || mode.height == 0) {
      const ScanoutSettings fallback =
          dq.scanout_id < configured_scanouts_ ? settings_.scanouts[dq.scanout_id] : ScanoutSettings{};
      mode = DisplayMode{fallback.width, fallback.height, true};
    }
    const std::optional<EdidBlock> generated = make_edid(mode.width, mode.height, dq.scanout_id + 1);
    if (!generated) return fail(Status::Unspec, "mode {}x{} does not fit an EDID detailed timing", mode.width, mode.height);
    blob.assign(generated->begin(), generated->end());
  }
  auto resp = zeroed<virtio_gpu_resp_edid>();
  resp.size = static_cast<uint32_t>(blob.size());
  std::copy(blob.begin(), blob.end(), resp.edid);
  reply_.set(VIRTIO_GPU_RESP_OK_EDID, resp);
  return Status::Ok;
}

void Device::Impl::announce(uint32_t scanout_id, const DisplayMode& mode) {
  DisplayMode& was = scanouts_[scanout_id].announced;
  if (was.enabled == mode.enabled && was.width == mode.width && was.height == mode.height) return;
  was = mode;
  for (Presenter* p : presenters_) p->set_scanout(scanout_id, mode);
}

void Device::Impl::disable_scanout(uint32_t scanout_id) {
  ScanoutState& s = scanouts_[scanout_id];
  s.resource_id = 0;
  s.view = {};
  s.blob = {};
  announce(scanout_id, DisplayMode{});
}

Status Device::Impl::cmd_get_display_info(const protocol::Request&) {
  // Answered by advance_question(): the presenters first, without blocking the loop.
  question_ = std::make_unique<DisplayQuestion>();
  question_->type = VIRTIO_GPU_CMD_GET_DISPLAY_INFO;
  return Status::Ok;
}

Status Device::Impl::cmd_get_edid(const protocol::Request& req) {
  virtio_gpu_cmd_get_edid c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (!settings_.edid) return fail(Status::Unspec, "VIRTIO_GPU_F_EDID is not offered");
  // The display info first (the Linux driver asks for EDIDs before it): it tells which
  // scanouts exist and the size of an EDID generated for a display that has none.
  if (!displays_asked_) return learn_displays();
  // Validate before asking anyone: QEMU never answers GET_EDID for a scanout it does not have.
  if (Status s = check_scanout_id(c.scanout); s != Status::Ok) return s;
  question_ = std::make_unique<DisplayQuestion>();
  question_->type = VIRTIO_GPU_CMD_GET_EDID;
  question_->scanout_id = c.scanout;
  return Status::Ok;
}

Status Device::Impl::cmd_set_scanout(const protocol::Request& req) {
  virtio_gpu_set_scanout c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  if (Status s = check_scanout_id(c.scanout_id); s != Status::Ok) return s;
  if (c.resource_id == 0) {  // the driver disables a scanout this way, whatever the rect says
    disable_scanout(c.scanout_id);
    return Status::Ok;
  }
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (find_blob(c.resource_id) != nullptr)
    return fail(Status::InvalidParameter, "resource {} is a blob: SET_SCANOUT_BLOB shows it", c.resource_id);
  Rect r;
  if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;
  if (r.empty()) return fail(Status::InvalidParameter, "an empty rect cannot be shown");
  ScanoutState& s = scanouts_[c.scanout_id];
  s.resource_id = c.resource_id;
  s.view = r;
  s.blob = {};
  // Presenters hear about size changes; a new resource at the same size shows in the next frame.
  announce(c.scanout_id, DisplayMode{r.width, r.height, true});
  return Status::Ok;
}

Status Device::Impl::cmd_resource_flush(const protocol::Request& req) {
  virtio_gpu_resource_flush c;
  if (Status s = decode(req, c); s != Status::Ok) return s;
  Resource* res = nullptr;
  if (Status s = find_resource(c.resource_id, res); s != Status::Ok) return s;
  if (BlobResource* blob = find_blob(res->id)) {
    if (res->width == 0) return Status::Ok;  // never shown: nothing to flush, no size to check against
    Rect r;
    if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;
    return blob_flush(*res, *blob, r);
  }
  Rect r;
  if (Status s = rect_inside(c.r, *res, r); s != Status::Ok) return s;

  // Damage per scanout showing this resource, in resource coordinates.
  std::array<Rect, VIRTIO_GPU_MAX_SCANOUTS> damage{};
  Rect all;
  for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; ++i) {
    if (scanouts_[i].resource_id != c.resource_id) continue;
    damage[i] = r.intersected(scanouts_[i].view);
    all = all.united(damage[i]);
  }
  if (all.empty() || presenters_.empty()) return Status::Ok;

  Frame frame;
  if (Status s = renderer_.frame(*res, all, frame); s != Status::Ok) return fail(s, "renderer has no frame for resource {}", res->id);
  frame.resource_id = res->id;

  auto counter = std::make_shared<ReleaseCounter>();
  for (uint32_t i = 0; i < VIRTIO_GPU_MAX_SCANOUTS; ++i) {
    if (damage[i].empty()) continue;
    frame.view = scanouts_[i].view;
    const Rect local{damage[i].x - frame.view.x, damage[i].y - frame.view.y, damage[i].width, damage[i].height};
    for (Presenter* p : presenters_) {
      p->present(i, frame, local, make_release(counter));
      ++stats_.frames_presented;
    }
  }
  // Drop the device's own count; if a presenter still holds its release, wait for it.
  if (counter->outstanding.fetch_sub(1) != 1) waiting_release_ = std::move(counter);
  return Status::Ok;
}

}  // namespace vugpu
