#include "memory/guarded_mapping.hpp"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>

namespace vugpu {

namespace {

// One registered mapping. `state` says who owns the slot (0 free, 1 taken); `begin` is written
// last when registering and cleared first when unregistering, so the handler (which reads
// begin, then end) never sees a half-written range as live.
struct Slot {
  std::atomic<uint32_t> state{0};
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<uint32_t> poisoned{0};
};
static_assert(std::atomic<uintptr_t>::is_always_lock_free && std::atomic<uint32_t>::is_always_lock_free,
              "the SIGBUS handler reads these: they must be lock-free");

std::array<Slot, GuardedMapping::kCapacity> g_slots;
std::atomic<size_t> g_high_water{0};  // slots at or past this were never used
std::atomic<size_t> g_registered{0};
std::atomic<uint64_t> g_poisonings{0};
std::atomic<int> g_poison_fd{-1};
struct sigaction g_previous {};
std::once_flag g_install_once;
bool g_installed = false;

void say(const char* text) {
  size_t n = 0;
  while (text[n] != '\0') ++n;
  [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, text, n);
}

// Async-signal-safe throughout: atomics, mmap, write, sigaction.
void on_sigbus(int, siginfo_t* info, void*) {
  const int saved_errno = errno;
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  const size_t used = g_high_water.load(std::memory_order_acquire);
  for (size_t i = 0; i < used; ++i) {
    Slot& s = g_slots[i];
    const uintptr_t begin = s.begin.load(std::memory_order_acquire);
    if (begin == 0 || addr < begin) continue;
    const uintptr_t end = s.end.load(std::memory_order_acquire);
    if (addr >= end) continue;
    void* zeros = ::mmap(reinterpret_cast<void*>(begin), end - begin, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (zeros == MAP_FAILED) {
      say("vugpu: SIGBUS in guest memory and the mapping could not be replaced; dying\n");
      break;
    }
    s.poisoned.store(1, std::memory_order_release);
    g_poisonings.fetch_add(1, std::memory_order_acq_rel);
    const int fd = g_poison_fd.load(std::memory_order_acquire);
    if (fd >= 0) {
      const uint64_t one = 1;
      [[maybe_unused]] ssize_t w = ::write(fd, &one, sizeof one);
    }
    errno = saved_errno;
    return;  // the access runs again, on zeros
  }
  // Not a guarded mapping: a bug of ours, or of a library. Let the previous disposition have
  // it (the fault repeats as soon as we return).
  if (g_previous.sa_handler == SIG_DFL) say("vugpu: SIGBUS outside guest memory\n");
  ::sigaction(SIGBUS, &g_previous, nullptr);
  errno = saved_errno;
}

void install_once() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return;
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;  // NODEFER: two mappings can fault in a row
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGBUS, &sa, &g_previous) != 0) {
    ::close(fd);
    return;
  }
  g_poison_fd.store(fd, std::memory_order_release);
  g_installed = true;
}

}  // namespace

bool install_sigbus_guard() {
  std::call_once(g_install_once, install_once);
  return g_installed;
}

namespace {
// At program start (before main, before any thread): the eventfd exists from the first fd
// count on, and no thread ever races the first sigaction().
[[maybe_unused]] const bool g_installed_at_start = install_sigbus_guard();
}  // namespace

uint64_t poison_count() { return g_poisonings.load(std::memory_order_acquire); }
int poison_fd() { return g_poison_fd.load(std::memory_order_acquire); }
size_t guarded_mapping_count() { return g_registered.load(std::memory_order_relaxed); }

GuardedMapping::GuardedMapping(void* base, size_t length) {
  if (base == nullptr || length == 0 || !install_sigbus_guard()) return;
  const auto begin = reinterpret_cast<uintptr_t>(base);
  uintptr_t end = 0;
  if (__builtin_add_overflow(begin, length, &end)) return;
  for (size_t i = 0; i < g_slots.size(); ++i) {
    uint32_t free_state = 0;
    if (!g_slots[i].state.compare_exchange_strong(free_state, 1, std::memory_order_acq_rel)) continue;
    Slot& s = g_slots[i];
    s.poisoned.store(0, std::memory_order_relaxed);
    s.end.store(end, std::memory_order_release);
    s.begin.store(begin, std::memory_order_release);
    size_t high = g_high_water.load(std::memory_order_acquire);
    while (high < i + 1 && !g_high_water.compare_exchange_weak(high, i + 1, std::memory_order_acq_rel)) {
    }
    g_registered.fetch_add(1, std::memory_order_relaxed);
    slot_ = i;
    return;
  }
}

GuardedMapping& GuardedMapping::operator=(GuardedMapping&& o) noexcept {
  if (this != &o) {
    reset();
    slot_ = o.slot_;
    o.slot_ = kNone;
  }
  return *this;
}

bool GuardedMapping::poisoned() const {
  return valid() && g_slots[slot_].poisoned.load(std::memory_order_acquire) != 0;
}

void GuardedMapping::reset() {
  if (!valid()) return;
  Slot& s = g_slots[slot_];
  s.begin.store(0, std::memory_order_release);
  s.end.store(0, std::memory_order_release);
  s.state.store(0, std::memory_order_release);
  g_registered.fetch_sub(1, std::memory_order_relaxed);
  slot_ = kNone;
}

}  // namespace vugpu
