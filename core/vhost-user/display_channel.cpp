#include "vhost-user/display_channel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <cerrno>
#include <cstring>
#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include "vhost-user/socket_io.hpp"

namespace vugpu::vhost {

namespace {

constexpr size_t kMaxPending = 16;  // unanswered requests before the VMM is declared broken
constexpr uint32_t kBytesPerPixel = 4;

const char* request_name(uint32_t r) {
  switch (r) {
    case gpu::kGetProtocolFeatures: return "GET_PROTOCOL_FEATURES";
    case gpu::kSetProtocolFeatures: return "SET_PROTOCOL_FEATURES";
    case gpu::kGetDisplayInfo: return "GET_DISPLAY_INFO";
    case gpu::kCursorPos: return "CURSOR_POS";
    case gpu::kCursorPosHide: return "CURSOR_POS_HIDE";
    case gpu::kCursorUpdate: return "CURSOR_UPDATE";
    case gpu::kScanout: return "SCANOUT";
    case gpu::kUpdate: return "UPDATE";
    case gpu::kDmabufScanout: return "DMABUF_SCANOUT";
    case gpu::kDmabufUpdate: return "DMABUF_UPDATE";
    case gpu::kGetEdid: return "GET_EDID";
    case gpu::kDmabufScanout2: return "DMABUF_SCANOUT2";
  }
  return "unknown";
}

bool expects_reply(uint32_t request) {
  return request == gpu::kGetProtocolFeatures || request == gpu::kGetDisplayInfo || request == gpu::kGetEdid ||
         request == gpu::kDmabufUpdate;
}

iovec piece(const void* p, size_t n) { return {const_cast<void*>(p), n}; }

}  // namespace

DisplayChannel::DisplayChannel(EventLoop& loop, UniqueFd socket, Log& log, int timeout_ms)
    : loop_(loop), log_(log), timeout_ms_(timeout_ms) {
  try {
    UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer) throw std::runtime_error(std::string("timerfd: ") + std::strerror(errno));
    timer_.watch(loop_, std::move(timer), [this] { on_timer(); });
    // Non-blocking for splice() too: SPLICE_F_NONBLOCK only covers the pipe, and a blocking
    // socket (QEMU makes a blocking socketpair) makes splice() sleep until the VMM reads.
    // Our end is our own open file: QEMU's is not affected.
    const int flags = ::fcntl(socket.get(), F_GETFL);
    if (flags < 0 || ::fcntl(socket.get(), F_SETFL, flags | O_NONBLOCK) != 0)
      throw std::runtime_error(std::string("O_NONBLOCK: ") + std::strerror(errno));
    socket_.watch(loop_, std::move(socket), [this] { on_readable(); });
  } catch (const std::exception& e) {
    log_.warn("vhost-user-gpu: cannot watch the display socket: {}", e.what());
  }
}

DisplayChannel::~DisplayChannel() {
  // Questions still waiting get their error now (posted: their owners may be gone by then and
  // check that themselves).
  close("the VMM's display went away", LogLevel::Debug);
}

bool DisplayChannel::start() {
  if (!is_open()) return false;
  return send_simple(gpu::kGetProtocolFeatures, nullptr, 0, &features_seq_) == Status::Ok;
}

void DisplayChannel::close(std::string_view why, LogLevel level) {
  if (is_open()) log_.log(level, "vhost-user-gpu: display channel closed: {}", why);
  socket_.reset();  // its read and write watches with it
  rx_.clear();
  writable_watched_ = false;
  consuming_ = false;
  recheck_ = false;
  // A message cut short leaves page references in the pipe: drop them. (Spliced pages already
  // in the socket stay readable by the VMM until it closes its end; they are the frame's.)
  splicer_.abandon();
  // Queued messages will never go: their callers get their bytes back now (posted).
  std::deque<Outgoing> unsent = std::move(out_);
  out_.clear();
  queued_bytes_ = 0;
  for (Outgoing& m : unsent)
    if (m.done) loop_.post([done = std::move(m.done)] { done(Status::Unspec); });
  while (!pending_.empty()) {
    // One at a time: a continuation may queue another question (it fails at once: closed).
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    if (!p.on_reply) continue;
    std::vector<Completion> one;
    one.push_back({std::move(p.on_reply), Status::Unspec, {}});
    run(one);
  }
  if (!after_features_.empty()) features_settled(Status::Unspec);
  if (timer_) arm_timer();
}

void DisplayChannel::run(std::vector<Completion>& done) {
  for (Completion& c : done) c.fn(c.status, c.payload);
  done.clear();
}

bool DisplayChannel::has_edid() const { return negotiated_ && (features_ & (1ull << gpu::kProtocolEdid)); }
bool DisplayChannel::has_dmabuf2() const { return negotiated_ && (features_ & (1ull << gpu::kProtocolDmabuf2)); }

Status DisplayChannel::check_scanout_id(uint32_t scanout_id) const {
  if (!is_open()) return Status::Unspec;
  return scanout_id < kMaxScanouts ? Status::Ok : Status::InvalidScanoutId;
}

// --- sending ----------------------------------------------------------------------------------

DisplayChannel::Outgoing DisplayChannel::message(uint32_t request, std::span<const iovec> payload, int fd) {
  Outgoing m;
  m.request = request;
  uint64_t size = 0;
  for (const iovec& v : payload) size += v.iov_len;
  m.head.resize(sizeof(gpu::Header) + size);
  const gpu::Header header{request, 0, static_cast<uint32_t>(size)};
  std::memcpy(m.head.data(), &header, sizeof header);
  size_t at = sizeof header;
  for (const iovec& v : payload) {
    if (v.iov_len != 0) std::memcpy(m.head.data() + at, v.iov_base, v.iov_len);
    at += v.iov_len;
  }
  if (fd >= 0) m.fd = UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));  // the caller may close its own
  return m;
}

Status DisplayChannel::enqueue(Outgoing m, uint64_t* seq) {
  if (!is_open()) return Status::Unspec;
  // Replies already there (e.g. the protocol features, which decide what a frame is sent as) are
  // taken first. With no question open there is nothing to take: the watch sees a hang-up, and
  // the steady stream of UPDATEs costs no poll() each.
  if (!pending_.empty()) receive();
  if (!is_open()) return Status::Unspec;
  if (m.head.size() - sizeof(gpu::Header) + m.rows_bytes > UINT32_MAX) return Status::InvalidParameter;
  if (m.request == gpu::kCursorPos || m.request == gpu::kCursorPosHide || m.request == gpu::kCursorUpdate)
    coalesce_cursor(m.request, m.scanout);
  if (out_.size() >= kMaxQueued || queued_bytes_ + m.head.size() > kMaxQueuedBytes) {
    close(fmt::format("the VMM does not read its display socket: {} messages ({} bytes) wait to be sent", out_.size(),
                      queued_bytes_));
    return Status::Unspec;
  }
  const bool expects = expects_reply(m.request);
  if (expects && pending_.size() >= kMaxPending) {
    close("the VMM left too many requests unanswered");
    return Status::Unspec;
  }
  if (expects) {
    const uint64_t s = next_seq_++;
    pending_.push_back({s, m.request, Clock::now() + std::chrono::milliseconds(timeout_ms_), {}});
    if (seq != nullptr) *seq = s;
  }
  const bool has_done = static_cast<bool>(m.done);
  queued_bytes_ += m.head.size();
  out_.push_back(std::move(m));
  // With the watch armed the socket was full a moment ago: the watch goes on when it has room.
  if (!writable_watched_) flush();
  return is_open() || has_done ? Status::Ok : Status::Unspec;
}

Status DisplayChannel::send(uint32_t request, std::span<const iovec> payload, int fd, uint64_t* seq) {
  if (!is_open()) return Status::Unspec;
  uint64_t size = 0;
  for (const iovec& v : payload) size += v.iov_len;
  if (size > UINT32_MAX) return Status::InvalidParameter;
  Outgoing m = message(request, payload, fd);
  if (fd >= 0 && !m.fd) {
    log_.warn("vhost-user-gpu: {} not sent: cannot duplicate its fd: {}", request_name(request), std::strerror(errno));
    return Status::Unspec;
  }
  return enqueue(std::move(m), seq);
}

Status DisplayChannel::send_simple(uint32_t request, const void* payload, size_t size, uint64_t* seq) {
  const iovec v = piece(payload, size);
  return send(request, size == 0 ? std::span<const iovec>() : std::span<const iovec>(&v, 1), -1, seq);
}

void DisplayChannel::coalesce_cursor(uint32_t request, uint32_t scanout_id) {
  // Only messages not started yet: a started one is part of the stream already.
  std::erase_if(out_, [&](Outgoing& m) {
    if (m.sent != 0 || m.scanout != scanout_id) return false;
    const bool superseded = m.request == gpu::kCursorPos || m.request == gpu::kCursorPosHide ||
                            (m.request == gpu::kCursorUpdate && request == gpu::kCursorUpdate);
    if (superseded) queued_bytes_ -= m.head.size();
    return superseded;
  });
}

void DisplayChannel::set_writable_watch(bool on) {
  // Armed again after a spliced UPDATE's wait began: the call makes epoll look at the socket
  // under the send buffer that wait shrank.
  if (on == writable_watched_ && !(on && recheck_)) return;
  recheck_ = false;
  try {
    socket_.watch_writable(on ? std::function<void()>([this] { flush(); }) : std::function<void()>());
  } catch (const std::exception& e) {
    close(fmt::format("cannot watch the display socket for room: {}", e.what()));
    return;
  }
  const bool was = writable_watched_;
  writable_watched_ = on;
  if (on && !was) {  // the time-out of a VMM that stopped reading starts now
    last_progress_ = Clock::now();
    arm_timer();
  }
}

DisplayChannel::Step DisplayChannel::write_front(io::IoResult& why) {
  Outgoing& m = out_.front();
  const uint64_t head = m.head.size();
  const uint64_t total = head + m.rows_bytes;
  std::vector<iovec> iov;
  while (m.sent < total) {
    uint64_t n = 0;
    io::IoResult r;
    iov.clear();
    if (m.sent < head) {
      // The header (with the fd) first; with the rows when none of them is spliced.
      iov.push_back(piece(m.head.data() + m.sent, head - m.sent));
      if (m.by_reference == 0) iov.insert(iov.end(), m.rows.begin(), m.rows.end());
      const int fds[1] = {m.fd.get()};
      r = io::send_some(socket_.get(), iov, m.fd ? std::span<const int>(fds) : std::span<const int>(), n);
      if (n > 0) m.fd.reset();  // it went with the first byte
    } else if (m.sent < head + m.by_reference) {
      iov = m.rows;
      io::drop_front(iov, m.sent - head);
      uint64_t left = head + m.by_reference - m.sent;  // only the spliced part
      for (size_t i = 0; i < iov.size(); ++i) {
        if (iov[i].iov_len >= left) {
          iov[i].iov_len = left;
          iov.resize(i + 1);
          break;
        }
        left -= iov[i].iov_len;
      }
      const auto how = splicer_.send_some(socket_.get(), iov, n, r);
      if (how == io::SplicedSender::Result::Unsupported) {
        m.by_reference = m.sent + n - head;  // copy the rest
        r = io::IoResult::Ok;
      } else if (how == io::SplicedSender::Result::Full) {
        r = io::IoResult::Full;
      }
    } else {
      iov = m.rows;
      io::drop_front(iov, m.sent - head);
      r = io::send_some(socket_.get(), iov, {}, n);
    }
    m.sent += n;
    bytes_sent_ += n;
    if (n > 0) last_progress_ = Clock::now();
    if (r == io::IoResult::Full) return Step::Full;
    if (r != io::IoResult::Ok) {
      why = r;
      return Step::Failed;
    }
  }
  return Step::Done;
}

void DisplayChannel::finish_front(Status s) {
  Outgoing m = std::move(out_.front());
  out_.pop_front();
  queued_bytes_ -= m.head.size();
  if (m.done) loop_.post([done = std::move(m.done), s] { done(s); });
}

void DisplayChannel::flush() {
  while (is_open() && !out_.empty()) {
    if (consuming_) {
      // Woken by room in the socket: with the smallest send buffer that is the VMM having
      // read the spliced UPDATE to its last byte (spliced_send.hpp).
      const io::IoResult r = splicer_.consumed(socket_.get(), send_buffer_value_);
      if (r == io::IoResult::Full) return set_writable_watch(true);
      if (r != io::IoResult::Ok) return close(fmt::format("sending UPDATE: {}", io::to_string(r)));
      consuming_ = false;
      last_progress_ = Clock::now();
      finish_front(Status::Ok);
      continue;
    }
    io::IoResult why = io::IoResult::Ok;
    switch (write_front(why)) {
      case Step::Full: return set_writable_watch(true);
      case Step::Failed:
        return close(fmt::format("sending {}: {}", request_name(out_.front().request), io::to_string(why)));
      case Step::Done: break;
    }
    if (out_.front().by_reference > 0) {
      // The pages may change only once the VMM has read them all: wait for that, by watch.
      if (!splicer_.begin_wait_consumed(socket_.get()))
        return close(fmt::format("SO_SNDBUF: {}", std::strerror(errno)));
      consuming_ = true;
      recheck_ = true;
      last_progress_ = Clock::now();
      continue;  // it may be read already
    }
    finish_front(Status::Ok);
  }
  if (is_open()) set_writable_watch(false);
}

void DisplayChannel::fit_send_buffer(uint64_t bytes) {
  if (!is_open() || bytes <= send_buffer_asked_) return;
  send_buffer_asked_ = bytes;
  // The kernel doubles what is asked (its bookkeeping) and caps it at net.core.wmem_max.
  const int want = static_cast<int>(std::min<uint64_t>(bytes, INT32_MAX / 2));
  if (consuming_) {  // set when that wait ends (SplicedSender::consumed)
    send_buffer_value_ = want;
    return;
  }
  if (::setsockopt(socket_.get(), SOL_SOCKET, SO_SNDBUF, &want, sizeof want) != 0) {
    log_.debug("vhost-user-gpu: SO_SNDBUF {}: {}", want, std::strerror(errno));
    return;
  }
  send_buffer_value_ = want;
}

// --- replies ----------------------------------------------------------------------------------

// Replies are taken as they arrive, never waited for: what came of a reply cut short stays in
// rx_ until the rest comes (the device loop goes on meanwhile), and the timer closes the channel
// if the rest does not come within timeout_ms. One recvmsg() per readable event (level-
// triggered: more data fires again), no poll() first: a GET_DISPLAY_INFO costs one read.
void DisplayChannel::receive() {
  if (!is_open() || reading_) return;  // reading_: a reply's continuation sent something
  reading_ = true;
  struct Done {
    bool& flag;
    ~Done() { flag = false; }
  } done{reading_};
  std::array<uint8_t, kReadChunk> chunk;
  std::vector<UniqueFd> fds;  // a reply carries none; any that come are closed on return
  bool truncated = false;
  const ssize_t n = io::recv_some(socket_.get(), chunk.data(), chunk.size(), fds, truncated);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) close(fmt::format("reading a reply: {}", std::strerror(errno)));
    return;
  }
  if (n == 0) {
    const bool owed = !rx_.empty() || std::any_of(pending_.begin(), pending_.end(), [](const Pending& p) { return p.on_reply; });
    if (owed)
      close(fmt::format("the VMM closed the display socket{}", rx_.empty() ? " with replies owed" : " in the middle of a reply"));
    else
      close("the VMM closed the display socket", LogLevel::Info);  // it stopped the device
    return;
  }
  const bool was_empty = rx_.empty();
  rx_.insert(rx_.end(), chunk.begin(), chunk.begin() + n);
  // Taken out while replies run: a continuation may close the channel (which clears rx_).
  std::vector<uint8_t> data = std::move(rx_);
  rx_.clear();
  size_t at = 0;
  while (is_open() && data.size() - at >= sizeof(gpu::Header)) {
    gpu::Header h;
    std::memcpy(&h, data.data() + at, sizeof h);
    if (!(h.flags & gpu::kFlagReply) || h.size > gpu::kMaxReplyPayload) {
      close(fmt::format("unexpected message from the VMM (request {}, flags {:#x}, size {})", h.request, h.flags, h.size));
      return;
    }
    if (data.size() - at - sizeof h < h.size) break;  // the rest is still on its way
    const auto first = data.begin() + static_cast<ptrdiff_t>(at + sizeof h);
    take_reply(h.request, std::vector<uint8_t>(first, first + h.size));
    at += sizeof h + h.size;
  }
  if (!is_open()) return;
  rx_.assign(data.begin() + static_cast<ptrdiff_t>(at), data.end());
  // A reply cut short is given timeout_ms from when its first bytes came.
  if (!rx_.empty() && (was_empty || at != 0)) partial_since_ = Clock::now();
  if (!rx_.empty() || !was_empty) arm_timer();
}

void DisplayChannel::take_reply(uint32_t request, std::vector<uint8_t> payload) {
  // Continuations run once the queue is settled: one may send a new question, which must not
  // be taken for one of the requests matched here.
  std::vector<Completion> completions;
  // Requests the VMM skipped (it never answers GET_EDID for a scanout it lacks) come first.
  while (!pending_.empty() && pending_.front().request != request) {
    Pending& skipped = pending_.front();
    log_.debug("vhost-user-gpu: the VMM did not answer {}", request_name(skipped.request));
    if (skipped.on_reply) completions.push_back({std::move(skipped.on_reply), Status::Unspec, {}});
    pending_.pop_front();
  }
  if (pending_.empty()) {
    run(completions);
    close(fmt::format("reply {} to no request", request_name(request)));
    return;
  }
  Pending p = std::move(pending_.front());
  pending_.pop_front();
  if (p.seq == features_seq_) take_features(payload);
  if (p.on_reply) {
    completions.push_back({std::move(p.on_reply), Status::Ok, std::move(payload)});
  } else if (p.seq != features_seq_) {
    log_.debug("vhost-user-gpu: late {} reply dropped", request_name(request));
  }
  run(completions);
  arm_timer();
}

void DisplayChannel::on_readable() { receive(); }

// --- questions and their time-outs ------------------------------------------------------------

void DisplayChannel::arm_timer() {
  std::optional<Clock::time_point> first;
  for (const Pending& p : pending_)
    if (p.on_reply && (!first || p.deadline < *first)) first = p.deadline;
  if (writable_watched_) {  // messages wait for the VMM to read
    const Clock::time_point stalled = last_progress_ + std::chrono::milliseconds(timeout_ms_);
    if (!first || stalled < *first) first = stalled;
  }
  if (!rx_.empty()) {  // a reply cut short waits for its rest
    const Clock::time_point stalled = partial_since_ + std::chrono::milliseconds(timeout_ms_);
    if (!first || stalled < *first) first = stalled;
  }
  // Set lazily: a timer that fires no later than needed is left alone (on_timer() finds nothing
  // due and sets it again), and one whose deadlines all went stays armed. So a question and its
  // reply cost no timerfd_settime() each while an earlier one is armed; an idle channel gets
  // at most one wake-up, timeout_ms after its last question.
  if (!first || (timer_at_ && *timer_at_ <= *first)) return;
  timer_at_ = first;
  const auto ns = std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::nanoseconds>(*first - Clock::now()).count());
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (::timerfd_settime(timer_.get(), 0, &spec, nullptr) != 0)
    log_.warn("vhost-user-gpu: timerfd_settime: {}", std::strerror(errno));
}

void DisplayChannel::on_timer() {
  uint64_t expirations = 0;
  [[maybe_unused]] const ssize_t n = ::read(timer_.get(), &expirations, sizeof expirations);
  timer_at_.reset();
  const Clock::time_point now = Clock::now();
  if (writable_watched_ && now - last_progress_ >= std::chrono::milliseconds(timeout_ms_)) {
    // last_progress_ moves with every byte the socket takes, and the timer is set again below
    // while the VMM still reads: this is a VMM that read nothing for timeout_ms.
    close(fmt::format("the VMM did not read its display socket for {} ms ({} {} waiting{})", timeout_ms_, out_.size(),
                      out_.size() == 1 ? "message" : "messages", consuming_ ? ", an UPDATE read only in part" : ""));
    return;
  }
  if (!rx_.empty() && now - partial_since_ >= std::chrono::milliseconds(timeout_ms_)) {
    close(fmt::format("a reply cut short: {} bytes came, the rest not within {} ms", rx_.size(), timeout_ms_));
    return;
  }
  std::vector<Completion> expired;
  // A question that timed out stays queued without its continuation: its late reply is still
  // matched to it (and dropped), so it cannot be taken for a newer question's answer.
  for (Pending& p : pending_) {
    if (!p.on_reply || p.deadline > now) continue;
    log_.warn("vhost-user-gpu: no reply from the VMM to {} within {} ms", request_name(p.request), timeout_ms_);
    expired.push_back({std::move(p.on_reply), Status::Unspec, {}});
    p.on_reply = nullptr;
  }
  run(expired);
  arm_timer();
}

Status DisplayChannel::send_question(uint32_t request, const void* payload, size_t size, ReplyFn then) {
  uint64_t seq = 0;
  if (Status s = send_simple(request, payload, size, &seq); s != Status::Ok) return s;
  for (Pending& p : pending_) {
    if (p.seq != seq) continue;
    p.on_reply = std::move(then);
    break;
  }
  arm_timer();
  return Status::Ok;
}

void DisplayChannel::ask(uint32_t request, const void* payload, size_t size, ReplyFn then) {
  // `then` is moved from only once the request went out.
  auto shared = std::make_shared<ReplyFn>(std::move(then));
  if (send_question(request, payload, size, [shared](Status s, std::vector<uint8_t>& r) { (*shared)(s, r); }) != Status::Ok) {
    std::vector<uint8_t> none;
    (*shared)(Status::Unspec, none);
  }
}

void DisplayChannel::after_negotiation(std::function<void()> fn) {
  if (negotiated_ || !is_open()) {
    fn();
    return;
  }
  after_features_.push_back(std::move(fn));
  for (Pending& p : pending_) {
    if (p.seq != features_seq_) continue;
    if (!p.on_reply) p.on_reply = [this](Status s, std::vector<uint8_t>&) { features_settled(s); };
    arm_timer();
    return;
  }
  features_settled(Status::Unspec);  // never asked, or already given up on
}

void DisplayChannel::features_settled(Status s) {
  if (!negotiated_ && s != Status::Ok) {
    // No features until the VMM answers (a late answer is still taken when it comes).
    if (is_open()) log_.warn("vhost-user-gpu: no answer to GET_PROTOCOL_FEATURES; going on without EDID and DMABUF2");
    negotiated_ = true;
    features_ = 0;
  }
  std::vector<std::function<void()>> waiting = std::move(after_features_);
  after_features_.clear();
  for (auto& fn : waiting) fn();
}

void DisplayChannel::take_features(const std::vector<uint8_t>& payload) {
  if (payload.size() != sizeof(uint64_t)) {
    log_.warn("vhost-user-gpu: GET_PROTOCOL_FEATURES reply of {} bytes; using none", payload.size());
    features_ = 0;
  } else {
    uint64_t offered;
    std::memcpy(&offered, payload.data(), sizeof offered);
    features_ = offered & kWantedFeatures;
  }
  negotiated_ = true;
  log_.info("vhost-user-gpu: display protocol features {:#x} (EDID {}, DMABUF2 {})", features_,
            has_edid() ? "yes" : "no", has_dmabuf2() ? "yes" : "no");
  send_simple(gpu::kSetProtocolFeatures, &features_, sizeof features_);
}

Status DisplayChannel::take_display_info(const std::vector<uint8_t>& reply) {
  virtio_gpu_resp_display_info info{};
  if (reply.size() != sizeof info) {
    log_.warn("vhost-user-gpu: GET_DISPLAY_INFO reply of {} bytes, expected {}", reply.size(), sizeof info);
    return Status::Unspec;
  }
  std::memcpy(&info, reply.data(), sizeof info);
  if (info.hdr.type != VIRTIO_GPU_RESP_OK_DISPLAY_INFO) {
    log_.warn("vhost-user-gpu: GET_DISPLAY_INFO answered with type {:#x}", info.hdr.type);
    return Status::Unspec;
  }
  reported_scanouts_ = 0;
  for (uint32_t i = 0; i < kMaxScanouts; ++i) {
    const auto& m = info.pmodes[i];
    if (m.enabled) reported_scanouts_ |= 1u << i;
    modes_[i] = DisplayMode{m.r.width, m.r.height, m.enabled != 0};
  }
  display_info_known_ = true;
  return Status::Ok;
}

void DisplayChannel::ask_display_info(std::function<void(Status)> then) {
  ask(gpu::kGetDisplayInfo, nullptr, 0, [this, then = std::move(then)](Status s, std::vector<uint8_t>& reply) {
    if (s == Status::Ok) s = take_display_info(reply);
    then(s);
  });
}

// --- VmmDisplay -------------------------------------------------------------------------------

bool DisplayChannel::display_info_async(DisplayInfoDone done) {
  if (!is_open()) return false;
  ask_display_info([this, done = std::move(done)](Status s) {
    std::array<DisplayMode, kMaxScanouts> modes{};
    if (s == Status::Ok) modes = modes_;
    loop_.post([done, s, modes] { done(s, modes); });
  });
  return true;
}

bool DisplayChannel::edid_async(uint32_t scanout_id, EdidDone done) {
  if (!is_open()) return false;
  auto finish = [this, done = std::move(done)](Status s, std::vector<uint8_t> edid) {
    loop_.post([done, s, edid = std::move(edid)] { done(s, edid); });
  };
  if (Status s = check_scanout_id(scanout_id); s != Status::Ok) {
    finish(s, {});
    return true;
  }
  after_negotiation([this, scanout_id, finish] {
    if (!has_edid()) return finish(is_open() ? Status::NotSupported : Status::Unspec, {});
    auto ask_edid = [this, scanout_id, finish] {
      // QEMU never answers GET_EDID for a scanout it does not have: asking would cost a timeout.
      if (!(reported_scanouts_ & (1u << scanout_id))) return finish(Status::InvalidScanoutId, {});
      const gpu::EdidRequest req{scanout_id};
      ask(gpu::kGetEdid, &req, sizeof req, [this, finish](Status s, std::vector<uint8_t>& reply) {
        if (s != Status::Ok) return finish(s, {});
        virtio_gpu_resp_edid resp{};
        if (reply.size() != sizeof resp) {
          log_.warn("vhost-user-gpu: GET_EDID reply of {} bytes, expected {}", reply.size(), sizeof resp);
          return finish(Status::Unspec, {});
        }
        std::memcpy(&resp, reply.data(), sizeof resp);
        if (resp.hdr.type != VIRTIO_GPU_RESP_OK_EDID || resp.size > sizeof resp.edid) {
          log_.warn("vhost-user-gpu: GET_EDID answered with type {:#x}, size {}", resp.hdr.type, resp.size);
          return finish(Status::Unspec, {});
        }
        finish(Status::Ok, std::vector<uint8_t>(resp.edid, resp.edid + resp.size));
      });
    };
    if (display_info_known_) return ask_edid();
    ask_display_info([ask_edid, finish](Status s) {
      if (s != Status::Ok) return finish(s, {});
      ask_edid();
    });
  });
  return true;
}

Status DisplayChannel::scanout(uint32_t scanout_id, uint32_t width, uint32_t height) {
  if (Status s = check_scanout_id(scanout_id); s != Status::Ok) return s;
  ScanoutState& st = scanouts_[scanout_id];
  if ((width == 0 || height == 0) && st.dmabuf) {
    // A dmabuf scanout is switched off by DMABUF_SCANOUT without a descriptor.
    gpu::DmabufScanout off{};
    off.scanout_id = scanout_id;
    if (Status s = send_simple(gpu::kDmabufScanout, &off, sizeof off); s != Status::Ok) return s;
    st = ScanoutState{};
    return Status::Ok;
  }
  if (width == 0 || height == 0) width = height = 0;
  const gpu::Scanout msg{scanout_id, width, height};
  if (Status s = send_simple(gpu::kScanout, &msg, sizeof msg); s != Status::Ok) return s;
  st = ScanoutState{width, height, false};
  return Status::Ok;
}

Status DisplayChannel::update(uint32_t scanout_id, const Rect& r, const uint8_t* first_row, uint32_t stride,
                              std::function<void(Status)> done) {
  if (Status s = check_scanout_id(scanout_id); s != Status::Ok) return s;
  const ScanoutState& st = scanouts_[scanout_id];
  if (st.dmabuf || st.width == 0) return Status::InvalidScanoutId;  // no SCANOUT on this channel
  if (!r.empty() && (!r.inside(st.width, st.height) || first_row == nullptr)) return Status::InvalidParameter;
  if (r.empty()) {  // nothing to send; the caller still hears of it as promised
    if (done) loop_.post([done = std::move(done)] { done(Status::Ok); });
    return Status::Ok;
  }
  const uint64_t row_bytes = uint64_t{r.width} * kBytesPerPixel;
  if (stride < row_bytes) return Status::InvalidParameter;
  const uint64_t pixels = row_bytes * r.height;
  const uint64_t payload = sizeof(gpu::Update) + pixels;
  if (payload > UINT32_MAX) return Status::InvalidParameter;

  fit_send_buffer(payload + sizeof(gpu::Header));
  const gpu::Update msg{scanout_id, r.x, r.y, r.width, r.height};
  const iovec fixed = piece(&msg, sizeof msg);
  Outgoing m = message(gpu::kUpdate, std::span<const iovec>(&fixed, 1));
  // The header says the whole payload; the rows follow it from the caller's memory.
  const gpu::Header header{gpu::kUpdate, 0, static_cast<uint32_t>(payload)};
  std::memcpy(m.head.data(), &header, sizeof header);
  if (stride == row_bytes) {  // rows are back to back: one piece
    m.rows.push_back(piece(first_row, pixels));
  } else {
    m.rows.reserve(r.height);
    for (uint32_t y = 0; y < r.height; ++y) m.rows.push_back(piece(first_row + uint64_t{y} * stride, row_bytes));
  }
  m.rows_bytes = pixels;
  // Large ones by reference, all but a copied tail, so the last queued skb is a copy large
  // enough for the wait for the VMM's reading to see (spliced_send.hpp).
  if (pixels >= kSpliceMinBytes && splicer_.available()) m.by_reference = pixels - std::min(pixels, kCopiedTailBytes);
  m.done = std::move(done);
  return enqueue(std::move(m));
}

Status DisplayChannel::cursor_pos(uint32_t scanout_id, uint32_t x, uint32_t y, bool visible) {
  if (Status s = check_scanout_id(scanout_id); s != Status::Ok) return s;
  const gpu::CursorPos msg{scanout_id, x, y};
  const iovec v = piece(&msg, sizeof msg);
  Outgoing m = message(visible ? gpu::kCursorPos : gpu::kCursorPosHide, std::span<const iovec>(&v, 1));
  m.scanout = scanout_id;
  return enqueue(std::move(m));
}

Status DisplayChannel::cursor_update(uint32_t scanout_id, uint32_t x, uint32_t y, const CursorImage& image) {
  if (Status s = check_scanout_id(scanout_id); s != Status::Ok) return s;
  if (image.argb == nullptr) return Status::InvalidParameter;
  struct {
    gpu::CursorPos pos;
    uint32_t hot_x, hot_y;
  } head{{scanout_id, x, y}, image.hot_x, image.hot_y};
  static_assert(sizeof head == offsetof(gpu::CursorUpdate, data));
  const iovec iov[2] = {piece(&head, sizeof head),
                        piece(image.argb, sizeof(uint32_t) * CursorImage::kSize * CursorImage::kSize)};
  Outgoing m = message(gpu::kCursorUpdate, iov);  // the image is copied: the caller's may go
  m.scanout = scanout_id;
  return enqueue(std::move(m));
}

Status DisplayChannel::dmabuf_scanout(uint32_t scanout_id, const Frame& frame) {
  if (Status s = check_scanout_id(scanout_id); s != Status::Ok) return s;
  if (frame.dmabuf_fd < 0 || frame.view.empty() || !frame.view.inside(frame.width, frame.height))
    return Status::InvalidParameter;
  if (frame.fourcc > INT32_MAX) return Status::InvalidParameter;
  const bool linear = frame.modifier == DRM_FORMAT_MOD_LINEAR || frame.modifier == DRM_FORMAT_MOD_INVALID;
  // The modifier needs DMABUF_SCANOUT2. Not waited for: before the VMM's features are in (they
  // normally are long before the first frame) a linear buffer goes as DMABUF_SCANOUT.
  const bool use2 = has_dmabuf2();
  if (!linear && !use2) return Status::NotSupported;
  gpu::DmabufScanout2 msg{};
  msg.base = {scanout_id,   frame.view.x, frame.view.y, frame.view.width, frame.view.height,
              frame.width,  frame.height, frame.stride, frame.y0_top ? kDmabufFlagY0Top : 0u,
              static_cast<int32_t>(frame.fourcc)};
  msg.modifier = frame.modifier;
  const iovec iov = use2 ? piece(&msg, sizeof msg) : piece(&msg.base, sizeof msg.base);
  const Status s = send(use2 ? gpu::kDmabufScanout2 : gpu::kDmabufScanout, std::span<const iovec>(&iov, 1), frame.dmabuf_fd);
  if (s == Status::Ok) scanouts_[scanout_id] = ScanoutState{frame.view.width, frame.view.height, true};
  return s;
}

Status DisplayChannel::dmabuf_update(uint32_t scanout_id, const Rect& r, std::function<void(Status)> done) {
  if (Status s = check_scanout_id(scanout_id); s != Status::Ok) return s;
  const ScanoutState& st = scanouts_[scanout_id];
  if (!st.dmabuf) return Status::InvalidScanoutId;
  if (!r.inside(st.width, st.height)) return Status::InvalidParameter;
  const gpu::Update msg{scanout_id, r.x, r.y, r.width, r.height};
  // QEMU answers once its GL display has drawn the buffer (at once, without GL).
  return send_question(gpu::kDmabufUpdate, &msg, sizeof msg, [this, done = std::move(done)](Status s, std::vector<uint8_t>&) {
    loop_.post([done, s] { done(s); });
  });
}

}  // namespace vugpu::vhost
