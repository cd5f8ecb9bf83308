#include "daemon/signals.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <cerrno>
#include <system_error>

namespace vugpu {

namespace {

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  return set;
}

}  // namespace

void block_daemon_signals() {
  const sigset_t set = handled_signals();
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0)
    throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
  ::signal(SIGPIPE, SIG_IGN);
}

SignalWatch::SignalWatch(EventLoop& loop, std::function<void(int)> on_signal)
    : loop_(loop), on_signal_(std::move(on_signal)) {
  const sigset_t set = handled_signals();
  fd_ = UniqueFd(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "signalfd");
  watch_ = loop_.watch(fd_.get(), [this] { drain(); });
}

SignalWatch::~SignalWatch() { loop_.unwatch(watch_); }

void SignalWatch::drain() {
  signalfd_siginfo info;
  while (::read(fd_.get(), &info, sizeof info) == ssize_t(sizeof info)) on_signal_(int(info.ssi_signo));
}

}  // namespace vugpu
