// Starting and stopping the backend under test as a real process on a socket in a private
// temporary folder; its stdout+stderr go to a log file the test can read ("the daemon logs").
// Also knows where the candidate backends live: our vugpu daemon, QEMU 7.2's and QEMU 10's
// vhost-user-gpu.
#pragma once
#include <sys/types.h>
#include <chrono>
#include <optional>
#include <string>
#include <vector>
#include "deadline.hpp"
#include "process_stats.hpp"

namespace vugpu::frontend {

struct BackendCommand {
  std::string name;                   // "vugpu", "qemu-7.2", "qemu-10.0"
  std::vector<std::string> argv;      // without the socket option
  std::vector<std::string> env;       // NAME=VALUE added to ours
  std::string socket_option = "--socket-path=";
  bool serves_many_vmms = false;      // stays up after a VMM disconnects (vugpu); QEMU's exits
};

// Where a backend is: found, or why not (the reason a test prints when it skips).
struct BackendLookup {
  std::optional<BackendCommand> command;
  std::string missing_reason;
};

// vugpu: $VUGPU_DAEMON, else the build tree's core/vugpu (compiled-in path); plugins from
// $VUGPU_PLUGIN_PATH, else the build tree's plugins folder. extra_args: e.g. "--config=FILE".
BackendLookup find_vugpu(std::vector<std::string> extra_args = {});
// QEMU's vhost-user-gpu: "7.2" = /usr/lib/qemu/vhost-user-gpu (Debian's QEMU);
// "10.0" = $VUGPU_QEMU_DIR or the scripts/fetch-qemu cache, + usr/lib/qemu/vhost-user-gpu.
BackendLookup find_qemu_gpu(const std::string& version);

class BackendProcess {
 public:
  // Starts `cmd` listening on a fresh socket in a new temporary folder and waits (up to
  // `startup`) until the socket accepts connections. Throws std::runtime_error with the log's
  // tail when it exits or never listens.
  explicit BackendProcess(const BackendCommand& cmd, Millis startup = Millis(10000));
  ~BackendProcess();  // SIGTERM, then SIGKILL after 3 s; removes the folder
  BackendProcess(const BackendProcess&) = delete;
  BackendProcess& operator=(const BackendProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& socket_path() const { return socket_path_; }
  const std::string& log_path() const { return log_path_; }
  const std::string& dir() const { return dir_; }
  std::string log() const;  // everything it printed so far

  bool alive();  // reaps it when it has exited
  // Exit status as from waitpid (WIFEXITED...), once it exited; nothing while it runs.
  std::optional<int> exit_status() const { return status_; }
  std::optional<int> wait_exit(Millis timeout);
  void signal(int sig);
  std::optional<ProcessStats> stats() const { return read_process_stats(pid_); }
  // A one-line description of how it ended, e.g. "exited with 1" or "killed by SIGSEGV".
  std::string describe_exit() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string dir_, socket_path_, log_path_;
};

}  // namespace vugpu::frontend
