// Shared by the integration tests: start a backend, boot the stand-in VMM on it, and say what
// went wrong (display protocol errors, virtqueue errors, the backend's log) when a test fails.
#pragma once
#include <gtest/gtest.h>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "backend_process.hpp"
#include "framebuffer.hpp"
#include "guest_driver.hpp"
#include "test_vmm.hpp"

namespace vugpu::itest {

using namespace vugpu::frontend;

// A backend process with one VMM connected and booted (realize + start) and a guest driver.
struct Session {
  std::unique_ptr<BackendProcess> backend;
  std::unique_ptr<TestVmm> vmm;
  std::unique_ptr<GuestDriver> gpu;

  // Connects a new VMM (the previous one, if any, disconnects first).
  void connect(const VmmOptions& options, bool boot = true);
  // Everything a failing test should print: backend exit state, protocol errors, log tail.
  std::string diagnostics() const;
  // No display-protocol error, no virtqueue error, no used entry without a call.
  ::testing::AssertionResult clean() const;
};

// A vugpu configuration file in `dir` with these scanouts (and anything in `extra_toml`).
std::string write_vugpu_config(const std::string& dir, const std::vector<DisplayOutput>& scanouts,
                               const std::string& extra_toml = "");

// Starts vugpu with a config of these scanouts; GTEST_SKIP()s from the caller when it is not built.
#define VUGPU_START_OR_SKIP(session, ...)                                                   \
  do {                                                                                     \
    auto lookup_ = ::vugpu::itest::vugpu_lookup_with_config(__VA_ARGS__);                   \
    if (!lookup_.command) GTEST_SKIP() << lookup_.missing_reason;                          \
    (session).backend = std::make_unique<::vugpu::frontend::BackendProcess>(*lookup_.command); \
  } while (0)

// find_vugpu() with --config pointing at a file written for these scanouts (in a temp folder
// removed at exit).
BackendLookup vugpu_lookup_with_config(const std::vector<DisplayOutput>& scanouts = {DisplayOutput{}},
                                       const std::string& extra_toml = "", std::vector<std::string> extra_args = {});

// Where the daemon's plugins are ($VUGPU_PLUGIN_PATH's first folder, or the build tree's).
std::string plugin_dir();

// True when every thread of `pid` is asleep (state S or D in /proc/PID/task/*/stat): the daemon
// has finished what it was doing and waits in poll(). A thread that spins is never asleep.
bool all_threads_asleep(pid_t pid);

// Waits for the daemon's state after a VMM left: at most `idle_fds` open fds and every thread
// asleep (the reset that follows a hang-up has run to its end), checked `confirmations` times
// in a row. `safety` bounds a daemon that never gets there; nothing when it did not.
std::optional<ProcessStats> wait_until_idle(BackendProcess& backend, unsigned idle_fds,
                                            Millis safety = Millis(30000), int confirmations = 3);

// Polls `done` (with short pauses: a state to reach, not a time to wait) until it is true or
// `safety` passed; returns done().
bool eventually(const std::function<bool()>& done, Millis safety = Millis(30000));

}  // namespace vugpu::itest
