// A test body in a child process under vugpu's sandbox, with one plugin's declared system calls:
// the child loads the plugin (so its declaration can be read, as the daemon reads it), runs the
// body, which prepares what a plugin's factory would (before the sandbox), calls `confine` (the
// daemon's own vugpu::sandbox::confine) and then does what the plugin's libraries do later. A
// call nobody declared kills the child with SIGSYS, the sandbox naming it on stderr.
// Call from a process with no other threads (the child is forked).
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace vugpu::test {

inline constexpr int kConfinedSetupFailed = 3;  // the plugin did not load, or confine threw

struct ConfinedResult {
  bool exited = false;
  int code = -1;       // exit status, when it exited
  int signal = 0;      // the signal that killed it, otherwise
  std::string output;  // its stderr

  bool killed_by_sandbox() const;  // SIGSYS
  std::string describe() const;    // "exit N" / "killed by signal N (SIGSYS)", and its stderr
};

// body(confine) returns the child's exit status; the child _exits with it (no destructor runs
// under the filter). A safety net kills a child still running after 60 s.
ConfinedResult run_confined(const std::filesystem::path& plugin,
                            const std::function<int(const std::function<void()>& confine)>& body);

}  // namespace vugpu::test
