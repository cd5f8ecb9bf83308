#include "child_process.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace vugpu::test {

namespace {

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  off_t offset = 0;
  while ((n = ::pread(fd, buffer, sizeof buffer, offset)) > 0) {
    text.append(buffer, size_t(n));
    offset += n;
  }
  return text;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ProcessOptions& options) {
  out_fd_ = ::memfd_create("child-stdout", MFD_CLOEXEC);
  err_fd_ = ::memfd_create("child-stderr", MFD_CLOEXEC);
  if (out_fd_ < 0 || err_fd_ < 0) throw std::runtime_error("memfd_create failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: only async-signal-safe calls matter little here (single-threaded test harness).
    ::dup2(out_fd_, 1);
    ::dup2(err_fd_, 2);
    if (options.pass_fd) {
      if (*options.pass_fd == 3) ::fcntl(3, F_SETFD, 0);
      else ::dup2(*options.pass_fd, 3);
    }
    for (const auto& name : options.unset_env) ::unsetenv(name.c_str());
    for (const auto& [name, value] : options.env) ::setenv(name.c_str(), value.c_str(), 1);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void ChildProcess::signal(int signo) const { ::kill(pid_, signo); }

bool ChildProcess::exited_within(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
      break;
    }
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

ProcessResult ChildProcess::wait(std::chrono::milliseconds timeout) {
  ProcessResult r;
  if (!exited_within(timeout)) {
    r.timed_out = true;
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
    status_ = status;
  }
  if (WIFEXITED(*status_) && !r.timed_out) r.exit_code = WEXITSTATUS(*status_);
  r.out = read_all(out_fd_);
  r.err = read_all(err_fd_);
  return r;
}

ProcessResult run(const std::vector<std::string>& argv, const ProcessOptions& options, std::chrono::milliseconds timeout) {
  ChildProcess child(argv, options);
  return child.wait(timeout);
}

}  // namespace vugpu::test
