// Shared by the integration tests: start a backend, boot the stand-in VMM on it, and say what
// went wrong (display protocol errors, virtqueue errors, the backend's log) when a test fails.
#pragma once
#include <gtest/gtest.h>
#include <memory>
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

}  // namespace vugpu::itest
