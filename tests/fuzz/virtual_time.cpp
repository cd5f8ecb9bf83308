#include "virtual_time.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <array>
#include <cstdint>
#include <ctime>

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)  // linux/timerfd.h (not in every libc's header)
#endif

namespace vugpu::fuzz::virtual_time {

namespace {

using std::chrono::nanoseconds;

// Plain globals (constant-initialised): the interposers below may run before main.
bool g_active = false;
int64_t g_now_ns = 0;  // the virtual steady clock while g_active

struct Timer {
  int fd = -1;  // -1: free slot
  int64_t deadline_ns = 0;
  bool due = false;        // armed (virtually): advance() fires it when the deadline is passed
  bool real_armed = true;  // the kernel's timer may be armed (unknown until we disarmed it once)
};
std::array<Timer, 16> g_timers{};  // timerfds armed under the current Frozen (the channel has one)

int64_t real_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The kernel's calls, past this file's interposers.
int real_poll(pollfd* fds, nfds_t n, int timeout_ms) {
  timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1'000'000L};
  return static_cast<int>(::syscall(SYS_ppoll, fds, n, timeout_ms < 0 ? nullptr : &ts, nullptr, 0));
}
int real_timerfd_settime(int fd, int flags, const itimerspec* value, itimerspec* old) {
  return static_cast<int>(::syscall(SYS_timerfd_settime, fd, flags, value, old));
}

Timer* slot_for(int fd) {
  Timer* free_slot = nullptr;
  for (Timer& t : g_timers) {
    if (t.fd == fd) return &t;
    if (t.fd < 0 && free_slot == nullptr) free_slot = &t;
  }
  return free_slot;
}

}  // namespace

Frozen::Frozen() {
  g_now_ns = real_now_ns();
  g_timers.fill({});
  g_active = true;
}

Frozen::~Frozen() {
  g_active = false;
  g_timers.fill({});
}

bool advance(nanoseconds by) {
  g_now_ns += by.count();
  bool fired = false;
  for (Timer& t : g_timers) {
    if (t.fd < 0 || !t.due || t.deadline_ns > g_now_ns) continue;
    t.due = false;
    t.real_armed = true;
    fired = true;
    // One expiry, as the kernel counts them, readable at once: no timer interrupt (in a VM
    // each costs an exit), no waiting for one.
    const uint64_t one = 1;
    if (::ioctl(t.fd, TFD_IOC_SET_TICKS, &one) == 0) continue;
    // A kernel without it (CONFIG_CHECKPOINT_RESTORE): a real timer 1 ns from now, and spin until
    // it is readable (a sleeping thread at nice 19 on a loaded machine wakes milliseconds late).
    const itimerspec now{{0, 0}, {0, 1}};
    real_timerfd_settime(t.fd, 0, &now, nullptr);
    pollfd p{t.fd, POLLIN, 0};
    for (int spin = 0; spin < 1'000'000 && real_poll(&p, 1, 0) == 0; ++spin) {
    }
  }
  return fired;
}

}  // namespace vugpu::fuzz::virtual_time

namespace vt = vugpu::fuzz::virtual_time;

// The definitions that take the place of libstdc++'s and libc's in the programs linking this file.
std::chrono::steady_clock::time_point std::chrono::steady_clock::now() noexcept {
  const int64_t ns = vt::g_active ? vt::g_now_ns : vt::real_now_ns();
  return time_point(std::chrono::duration_cast<duration>(std::chrono::nanoseconds(ns)));
}

extern "C" int poll(pollfd* fds, nfds_t n, int timeout_ms) {
  if (!vt::g_active || timeout_ms == 0) return vt::real_poll(fds, n, timeout_ms);
  const int ready = vt::real_poll(fds, n, 0);
  if (ready != 0) return ready;
  if (timeout_ms < 0) return vt::real_poll(fds, n, timeout_ms);  // forever: only the real world ends it
  vt::advance(std::chrono::milliseconds(timeout_ms));
  return 0;
}

// Under a Frozen the real timer stays disarmed: it fires when advance() passes its deadline,
// never on its own (so the same input takes the same paths). Intervals are not modelled (the
// channel arms one-shot timers).
extern "C" int timerfd_settime(int fd, int flags, const itimerspec* value, itimerspec* old) {
  if (!vt::g_active || value == nullptr) return vt::real_timerfd_settime(fd, flags, value, old);
  vt::Timer* t = vt::slot_for(fd);
  if (t == nullptr) return vt::real_timerfd_settime(fd, flags, value, old);  // slots full: real time
  if (t->fd != fd) *t = {fd};
  // A system call only when the kernel's timer may be armed (it costs: the channel re-arms its
  // timer after every reply, and system calls are this target's main cost).
  if (t->real_armed || old != nullptr) {
    const itimerspec off{};
    const int r = vt::real_timerfd_settime(fd, 0, &off, old);
    if (r != 0) return r;
    t->real_armed = false;
  }
  const int64_t v = int64_t{value->it_value.tv_sec} * 1'000'000'000 + value->it_value.tv_nsec;
  t->due = v != 0;
  t->deadline_ns = (flags & TFD_TIMER_ABSTIME) ? v : vt::g_now_ns + v;
  return 0;
}
