#include "display_peer.hpp"
#include <linux/virtio_gpu.h>
#include <poll.h>
#include <algorithm>
#include <cstring>
#include <string>
#include "edid.hpp"
#include "trace.hpp"

namespace vugpu::frontend {

namespace {
constexpr uint32_t kMaxScanouts = VIRTIO_GPU_MAX_SCANOUTS;
}

DisplayPeer::DisplayPeer(DisplayPeerOptions options) : options_(std::move(options)) { reset_state(); }

void DisplayPeer::reset_state() {
  header_got_ = 0;
  payload_.clear();
  payload_got_ = 0;
  fds_.clear();
  negotiated_ = 0;
  features_set_ = false;
  surfaces_.assign(kMaxScanouts, std::nullopt);
  cursors_.assign(kMaxScanouts, CursorState{});
  dmabufs_.clear();
  dmabufs_.resize(kMaxScanouts);
}

UniqueFd DisplayPeer::open() {
  close();
  auto [ours, theirs] = stream_socketpair();
  sock_ = std::move(ours);
  backend_closed_ = false;
  read_total_ = 0;
  return std::move(theirs);
}

void DisplayPeer::close() {
  sock_.reset();
  reset_state();
}

const Surface* DisplayPeer::surface(uint32_t scanout) const {
  return scanout < kMaxScanouts && surfaces_[scanout] ? &*surfaces_[scanout] : nullptr;
}
const CursorState& DisplayPeer::cursor(uint32_t scanout) const { return cursors_.at(scanout); }
const DmabufScanoutState& DisplayPeer::dmabuf(uint32_t scanout) const { return dmabufs_.at(scanout); }

void DisplayPeer::error(std::string what) { errors_.push_back(std::move(what)); }

void DisplayPeer::record(uint32_t request, uint32_t scanout, uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
  if (events_.size() < options_.max_recorded_events) events_.push_back({request, scanout, x, y, w, h, Clock::now()});
}

void DisplayPeer::service() {
  // At most what read_limit leaves of `want`.
  auto allowed = [this](size_t want) {
    return size_t(std::min<uint64_t>(want, options_.read_limit - std::min(read_total_, options_.read_limit)));
  };
  while (sock_ && !reading_stopped()) {
    if (header_got_ < sizeof(header_)) {
      const ssize_t n = recv_some(sock_.get(), reinterpret_cast<uint8_t*>(&header_) + header_got_,
                                  allowed(sizeof(header_) - header_got_), &fds_);
      if (n == 0) { backend_closed_ = true; sock_.reset(); return; }
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) { backend_closed_ = true; sock_.reset(); }
        return;
      }
      header_got_ += size_t(n);
      read_total_ += uint64_t(n);
      if (header_got_ < sizeof(header_)) continue;
      if (header_.size > options_.max_message_bytes) {
        error(std::string("display message ") + gpu::request_name(header_.request) + " announces " +
              std::to_string(header_.size) + " payload bytes; dropping the channel");
        sock_.reset();
        return;
      }
      payload_.resize(header_.size);
      payload_got_ = 0;
    }
    if (payload_got_ < payload_.size()) {
      const ssize_t n =
          recv_some(sock_.get(), payload_.data() + payload_got_, allowed(payload_.size() - payload_got_), &fds_);
      if (n == 0) { backend_closed_ = true; sock_.reset(); return; }
      if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) { backend_closed_ = true; sock_.reset(); }
        return;
      }
      payload_got_ += size_t(n);
      read_total_ += uint64_t(n);
      if (payload_got_ < payload_.size()) continue;
    }
    handle();
    header_got_ = 0;
    payload_got_ = 0;
    fds_.clear();
  }
}

bool DisplayPeer::drain(const Deadline& deadline) {
  for (;;) {
    service();
    if (!sock_) return true;
    if (reading_stopped()) return !mid_message();  // this VMM reads nothing more: no waiting
    pollfd p{sock_.get(), POLLIN, 0};
    // Nothing half read: only what is already queued counts, so do not wait.
    const int wait = mid_message() ? deadline.poll_ms() : 0;
    if (::poll(&p, 1, wait) <= 0) return !mid_message();
  }
}

void DisplayPeer::reply(uint32_t request, const void* payload, uint32_t size) {
  gpu::Header h{request, gpu::kReplyFlag, size};
  iovec iov[2] = {{&h, sizeof(h)}, {const_cast<void*>(payload), size}};
  const IoStatus s = send_all(sock_.get(), iov, {}, Deadline(Millis(5000)));
  if (s != IoStatus::Ok) error(std::string("could not send the reply to ") + gpu::request_name(request) + ": " + to_string(s));
}

void DisplayPeer::handle() {
  ++stats_.messages;
  stats_.bytes += sizeof(header_) + payload_.size();
  const uint32_t req = header_.request;
  VUGPU_FE_TRACE("display <- %s size=%zu fds=%zu", gpu::request_name(req), payload_.size(), fds_.size());
  auto need = [&](size_t bytes) {
    if (payload_.size() >= bytes) return true;
    error(std::string(gpu::request_name(req)) + ": payload of " + std::to_string(payload_.size()) +
          " bytes, needs " + std::to_string(bytes));
    return false;
  };
  switch (req) {
    case gpu::kGetProtocolFeatures: {
      ++stats_.protocol_feature_requests;
      record(req, 0);
      const uint64_t f = options_.protocol_features;
      if (options_.answer_protocol_features) reply(req, &f, sizeof(f));
      break;
    }
    case gpu::kSetProtocolFeatures: {
      record(req, 0);
      if (!need(sizeof(uint64_t))) break;
      std::memcpy(&negotiated_, payload_.data(), sizeof(uint64_t));
      features_set_ = true;
      if (negotiated_ & ~options_.protocol_features)
        error("SET_PROTOCOL_FEATURES asks for bits the VMM never offered: " + std::to_string(negotiated_));
      break;
    }
    case gpu::kGetDisplayInfo: {
      ++stats_.display_info_requests;
      record(req, 0);
      virtio_gpu_resp_display_info info{};
      info.hdr.type = VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
      // As virtio_gpu_base_fill_display_info(): a disabled output is all zeroes, exactly like
      // one the VMM does not have (its EDID is still answered, with its size).
      for (size_t i = 0; i < options_.outputs.size() && i < kMaxScanouts; ++i) {
        if (!options_.outputs[i].enabled) continue;
        info.pmodes[i].enabled = 1;
        info.pmodes[i].r.width = options_.outputs[i].width;
        info.pmodes[i].r.height = options_.outputs[i].height;
      }
      if (options_.answer_display_info) reply(req, &info, sizeof(info));
      break;
    }
    case gpu::kGetEdid: {
      ++stats_.edid_requests;
      if (!need(sizeof(gpu::EdidRequest))) break;
      gpu::EdidRequest r;
      std::memcpy(&r, payload_.data(), sizeof(r));
      record(req, r.scanout_id);
      if (!(negotiated_ & (1u << gpu::kProtocolEdid)))
        error("GET_EDID without VHOST_USER_GPU_PROTOCOL_F_EDID negotiated");
      if (!valid_scanout(r.scanout_id)) {
        error("GET_EDID for scanout " + std::to_string(r.scanout_id) + ", which the VMM does not have" +
              (options_.answer_edid_for_unknown_scanout ? "" : " (QEMU never answers this: the backend would hang)"));
        if (!options_.answer_edid_for_unknown_scanout) break;
      }
      virtio_gpu_resp_edid resp{};
      resp.hdr.type = VIRTIO_GPU_RESP_OK_EDID;
      const DisplayOutput out = valid_scanout(r.scanout_id) ? options_.outputs[r.scanout_id] : DisplayOutput{};
      const auto edid = make_edid(out.width, out.height);
      resp.size = uint32_t(edid.size());
      std::memcpy(resp.edid, edid.data(), edid.size());
      if (options_.answer_edid) reply(req, &resp, sizeof(resp));
      break;
    }
    case gpu::kScanout: {
      if (!need(sizeof(gpu::Scanout))) break;
      gpu::Scanout m;
      std::memcpy(&m, payload_.data(), sizeof(m));
      ++stats_.scanouts;
      record(req, m.scanout_id, 0, 0, m.width, m.height);
      if (!valid_scanout(m.scanout_id)) {
        error("SCANOUT for scanout " + std::to_string(m.scanout_id) + ", which the VMM does not have");
        break;
      }
      if (m.width == 0 || m.height == 0) {
        surfaces_[m.scanout_id].reset();
      } else {
        Surface s;
        s.width = m.width;
        s.height = m.height;
        s.pixels.assign(size_t(m.width) * m.height, 0);
        surfaces_[m.scanout_id] = std::move(s);
      }
      break;
    }
    case gpu::kUpdate: on_update(); break;
    case gpu::kCursorPos:
    case gpu::kCursorPosHide:
    case gpu::kCursorUpdate: on_cursor(); break;
    case gpu::kDmabufScanout:
    case gpu::kDmabufScanout2: on_dmabuf_scanout(); break;
    case gpu::kDmabufUpdate: {
      ++stats_.dmabuf_updates;
      gpu::UpdateHead m{};
      if (need(sizeof(m))) std::memcpy(&m, payload_.data(), sizeof(m));
      record(req, m.scanout_id, m.x, m.y, m.width, m.height);
      if (!dmabufs_[std::min(m.scanout_id, kMaxScanouts - 1)].active)
        error("DMABUF_UPDATE for scanout " + std::to_string(m.scanout_id) + " without a DMABUF_SCANOUT");
      if (options_.reply_to_dmabuf_update) reply(req, nullptr, 0);
      break;
    }
    default:
      record(req, 0);
      error("unknown display request " + std::to_string(req) + " (" + std::to_string(payload_.size()) + " bytes)");
  }
}

void DisplayPeer::on_update() {
  gpu::UpdateHead m;
  if (payload_.size() < sizeof(m)) {
    error("UPDATE shorter than its header: " + std::to_string(payload_.size()) + " bytes");
    return;
  }
  std::memcpy(&m, payload_.data(), sizeof(m));
  ++stats_.updates;
  stats_.update_pixels += uint64_t(m.width) * m.height;
  record(gpu::kUpdate, m.scanout_id, m.x, m.y, m.width, m.height);
  const uint64_t expected = sizeof(m) + uint64_t(m.width) * m.height * 4;
  if (payload_.size() != expected) {
    error("UPDATE " + std::to_string(m.width) + "x" + std::to_string(m.height) + " carries " +
          std::to_string(payload_.size()) + " bytes, expected " + std::to_string(expected));
    if (payload_.size() < expected) return;  // QEMU would read past its buffer here
  }
  if (!valid_scanout(m.scanout_id)) {
    error("UPDATE for scanout " + std::to_string(m.scanout_id) + ", which the VMM does not have");
    return;
  }
  if (!surfaces_[m.scanout_id]) {
    error("UPDATE for scanout " + std::to_string(m.scanout_id) + " before any SCANOUT (QEMU would crash)");
    return;
  }
  if (!options_.compose) return;
  // PIXMAN_OP_SRC into the surface, clipped to it, as QEMU's pixman_image_composite does.
  const auto start = Clock::now();
  Surface& s = *surfaces_[m.scanout_id];
  const uint8_t* src = payload_.data() + sizeof(m);
  if (m.x < s.width && m.y < s.height) {
    const uint32_t w = uint32_t(std::min<uint64_t>(m.width, s.width - m.x));
    const uint32_t h = uint32_t(std::min<uint64_t>(m.height, s.height - m.y));
    for (uint32_t row = 0; row < h; ++row)
      std::memcpy(&s.pixels[size_t(m.y + row) * s.width + m.x], src + size_t(row) * m.width * 4, size_t(w) * 4);
  }
  stats_.compose_ns += uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
}

void DisplayPeer::on_cursor() {
  const uint32_t req = header_.request;
  const size_t need = req == gpu::kCursorUpdate ? sizeof(gpu::CursorUpdate) : sizeof(gpu::CursorPos);
  if (payload_.size() < need) {
    error(std::string(gpu::request_name(req)) + " of " + std::to_string(payload_.size()) + " bytes, needs " + std::to_string(need));
    return;
  }
  gpu::CursorPos pos;
  std::memcpy(&pos, payload_.data(), sizeof(pos));
  record(req, pos.scanout_id, pos.x, pos.y);
  if (!valid_scanout(pos.scanout_id)) {
    error(std::string(gpu::request_name(req)) + " for scanout " + std::to_string(pos.scanout_id) + ", which the VMM does not have");
    return;
  }
  CursorState& c = cursors_[pos.scanout_id];
  if (req == gpu::kCursorUpdate) {
    ++stats_.cursor_updates;
    const auto* up = reinterpret_cast<const gpu::CursorUpdate*>(payload_.data());
    c.defined = true;
    c.hot_x = up->hot_x;
    c.hot_y = up->hot_y;
    c.image.resize(gpu::kCursorSize * gpu::kCursorSize);
    std::memcpy(c.image.data(), payload_.data() + offsetof(gpu::CursorUpdate, data), c.image.size() * 4);
  } else if (req == gpu::kCursorPos) {
    ++stats_.cursor_pos;
  } else {
    ++stats_.cursor_hide;
  }
  c.x = pos.x;
  c.y = pos.y;
  c.visible = req != gpu::kCursorPosHide;
}

void DisplayPeer::on_dmabuf_scanout() {
  const uint32_t req = header_.request;
  const size_t need = req == gpu::kDmabufScanout2 ? sizeof(gpu::DmabufScanout2) : sizeof(gpu::DmabufScanout);
  ++stats_.dmabuf_scanouts;
  if (payload_.size() < need) {
    error(std::string(gpu::request_name(req)) + " of " + std::to_string(payload_.size()) + " bytes, needs " + std::to_string(need));
    return;
  }
  gpu::DmabufScanout m;
  std::memcpy(&m, payload_.data(), sizeof(m));
  record(req, m.scanout_id, m.x, m.y, m.width, m.height);
  if (req == gpu::kDmabufScanout2 && !(negotiated_ & (1u << gpu::kProtocolDmabuf2)))
    error("DMABUF_SCANOUT2 without VHOST_USER_GPU_PROTOCOL_F_DMABUF2 negotiated");
  if (!valid_scanout(m.scanout_id)) {
    error(std::string(gpu::request_name(req)) + " for scanout " + std::to_string(m.scanout_id) + ", which the VMM does not have");
    return;
  }
  if (fds_.size() > 1) error(std::string(gpu::request_name(req)) + " carries " + std::to_string(fds_.size()) + " fds");
  DmabufScanoutState& d = dmabufs_[m.scanout_id];
  d = DmabufScanoutState{};
  if (fds_.empty()) return;  // no fd: scanout disabled
  d.active = true;
  d.info = m;
  if (req == gpu::kDmabufScanout2) std::memcpy(&d.modifier, payload_.data() + sizeof(m), sizeof(d.modifier));
  d.fd = std::move(fds_.front());
}

}  // namespace vugpu::frontend
