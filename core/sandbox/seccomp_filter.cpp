#include "sandbox/seccomp_filter.hpp"

#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <fmt/format.h>

namespace vugpu::sandbox {

namespace {

// Syscall names by number, resolved before the filter is loaded: the SIGSYS handler may not
// allocate (libseccomp's resolver does).
constexpr int kNames = 512;
std::array<char[32], kNames> g_names{};

void remember_names() {
  for (int nr = 0; nr < kNames; ++nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (name == nullptr) continue;
    std::strncpy(g_names[nr], name, sizeof g_names[nr] - 1);
    std::free(name);
  }
}

void put(const char* s) {
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, s, std::strlen(s));
}

void put_number(long v) {
  char digits[24];
  int i = sizeof digits;
  digits[--i] = '\0';
  const bool negative = v < 0;
  unsigned long u = negative ? 0ul - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
  do digits[--i] = static_cast<char>('0' + u % 10);
  while ((u /= 10) != 0 && i > 1);
  if (negative && i > 0) digits[--i] = '-';
  put(digits + i);
}

// Async-signal-safe: write, rt_sigaction, rt_sigprocmask, tgkill (all on the allowlist).
void on_sigsys(int, siginfo_t* info, void*) {
  const int nr = info->si_syscall;
  put("vugpu: sandbox: forbidden system call ");
  put(nr >= 0 && nr < kNames && g_names[nr][0] != '\0' ? g_names[nr] : "?");
  put(" (");
  put_number(nr);
  put("); dying (run with --sandbox=off to compare, or declare it in the plugin: vugpu/sandbox.hpp)\n");
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGSYS, &dfl, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSYS);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::syscall(SYS_tgkill, ::getpid(), ::syscall(SYS_gettid), SIGSYS);
  ::syscall(SYS_exit_group, 128 + SIGSYS);  // not reached
}

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(fmt::format("seccomp: {}: {}", what, std::strerror(-rc)));
}

}  // namespace

void install_seccomp(std::span<const std::string> allowed, Log& log) {
  remember_names();
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  if (::sigaction(SIGSYS, &sa, nullptr) != 0)
    throw std::runtime_error(fmt::format("sigaction(SIGSYS): {}", std::strerror(errno)));
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGSYS);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);

  std::unique_ptr<void, ContextDeleter> ctx(seccomp_init(SCMP_ACT_TRAP));
  if (!ctx) throw std::runtime_error("seccomp_init failed");
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 1), "no_new_privs");
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1), "thread sync");
  bool clone_listed = false;
  for (const std::string& name : allowed) {
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      log.warn("sandbox: unknown system call '{}' in the allowlist; skipped", name);
      continue;
    }
    if (name == "clone") {
      clone_listed = true;  // threads only, below
      continue;
    }
    if (name == "clone3") continue;  // always ENOSYS (below): glibc falls back to clone()
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0), name.c_str());
  }
  if (clone_listed)
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                           SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)),
          "clone (threads)");
  check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    throw std::runtime_error(fmt::format("PR_SET_NO_NEW_PRIVS: {}", std::strerror(errno)));
  check(seccomp_load(ctx.get()), "load");
}

}  // namespace vugpu::sandbox
