// Runs a program as a child with its output captured (tests only).
#pragma once
#include <sys/types.h>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vugpu::test {

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  bool timed_out = false;
  std::string out, err;
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  // set (on top of this process's environment)
  std::vector<std::string> unset_env;
  std::optional<int> pass_fd;              // becomes fd 3 in the child
};

// A started child; stdout/stderr go to anonymous files read at the end.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~ChildProcess();  // kills a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signo) const;
  // True when the child has exited (result available).
  bool exited_within(std::chrono::milliseconds timeout);
  // Waits at most `timeout`, kills on timeout; returns what it wrote.
  ProcessResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::optional<int> status_;
};

ProcessResult run(const std::vector<std::string>& argv, const ProcessOptions& options = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace vugpu::test
