// The sandbox as the daemon runs it (core/sandbox): on by default; capabilities dropped,
// no_new_privs and seccomp (filter mode) on every thread; a system call nobody declared kills
// the daemon with its name in the log; a plugin's declared calls are allowed; --sandbox=off and
// `sandbox = false` turn it off. Every other integration and e2e test runs with it on (default).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include "harness.hpp"

#ifndef VUGPU_TESTS_PLUGINS_DIR
#error "VUGPU_TESTS_PLUGINS_DIR (tests/plugins' build folder) must be defined"
#endif

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;

// "Key:\tvalue" lines of /proc/PID/status.
std::map<std::string, std::string> proc_status(pid_t pid) {
  std::map<std::string, std::string> out;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    out[line.substr(0, colon)] = value;
  }
  return out;
}

// A daemon whose presenters are present.vhost-user and `presenter` (from tests/plugins).
BackendLookup probe_daemon(const std::string& presenter, const std::string& extra_toml = "",
                           std::vector<std::string> args = {}) {
  const std::string path = ::testing::TempDir() + "vugpu-sandbox-" + std::to_string(::getpid()) + "-" + presenter + ".toml";
  std::ofstream f(path);
  f << "renderer = \"renderer.pixman\"\npresenters = [\"present.vhost-user\", \"" << presenter
    << "\"]\nplugin_path = [\"" VUGPU_TESTS_PLUGINS_DIR "\"]\n" << extra_toml
    << "[[display.scanout]]\nwidth = 320\nheight = 200\nenabled = true\n";
  f.close();
  args.insert(args.begin(), "--config=" + path);
  return find_vugpu(args);
}

#define START_PROBE_OR_SKIP(...)                                                       \
  do {                                                                                 \
    auto lookup_ = probe_daemon(__VA_ARGS__);                                          \
    if (!lookup_.command) GTEST_SKIP() << lookup_.missing_reason;                      \
    s_.backend = std::make_unique<::vugpu::frontend::BackendProcess>(*lookup_.command); \
  } while (0)

class VugpuSandbox : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
  }
  // Boots a VMM and shows one frame (a presenter's first present() runs then).
  void show_a_frame() {
    VmmOptions o;
    o.display.outputs = {{320, 200, true}};
    s_.connect(o);
    Framebuffer fb(*s_.gpu, 1, 320, 200);
    fb.draw_pattern(1);
    try {
      fb.show_on(0);
    } catch (const FrontendError&) {
      // the daemon died in the middle: the test says whether it should have
    } catch (const std::runtime_error&) {
    }
  }
  // The daemon's exit, waiting for it (safety net: 10 s).
  std::optional<int> exit_status() { return s_.backend->wait_exit(Millis(10000)); }

  Session s_;
};

TEST_F(VugpuSandbox, OnByDefaultEveryThreadConfinedNoCapabilities) {
  VUGPU_START_OR_SKIP(s_, {{320, 200, true}});
  VmmOptions o;
  o.display.outputs = {{320, 200, true}};
  s_.connect(o);
  Framebuffer fb(*s_.gpu, 1, 320, 200);
  fb.draw_pattern(2);
  ASSERT_EQ(fb.show_on(0), kOk);
  EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
  // Every thread of the daemon, not only the main one.
  const std::string tasks = "/proc/" + std::to_string(s_.backend->pid()) + "/task";
  size_t threads = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    const pid_t tid = pid_t(std::stol(task.path().filename().string()));
    auto st = proc_status(tid);
    ++threads;
    EXPECT_EQ(st["Seccomp"], "2") << "thread " << tid << " is not under a seccomp filter";
    EXPECT_EQ(st["NoNewPrivs"], "1") << "thread " << tid;
    EXPECT_EQ(st["CapEff"], "0000000000000000") << "thread " << tid;
    EXPECT_EQ(st["CapPrm"], "0000000000000000") << "thread " << tid;
    EXPECT_EQ(st["CapBnd"], "0000000000000000") << "thread " << tid;
  }
  EXPECT_GE(threads, 1u);
  EXPECT_NE(s_.backend->log().find("sandbox: seccomp on"), std::string::npos);
}

TEST_F(VugpuSandbox, UndeclaredSystemCallInAPluginKillsTheDaemonNamingIt) {
  START_PROBE_OR_SKIP("test.forbidden-syscall");
  show_a_frame();
  const auto status = exit_status();
  ASSERT_TRUE(status) << "the daemon survived a forbidden socket() call";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGSYS) << s_.backend->describe_exit();
  EXPECT_NE(s_.backend->log().find("forbidden system call socket"), std::string::npos) << s_.backend->log();
  EXPECT_EQ(s_.backend->log().find("sandbox-probe: socket() ="), std::string::npos) << "the call returned";
}

TEST_F(VugpuSandbox, DeclaredSystemCallIsAllowed) {
  START_PROBE_OR_SKIP("test.declared-syscall");
  show_a_frame();
  ASSERT_TRUE(s_.gpu->get_display_info());  // a round trip after the frame
  EXPECT_TRUE(s_.backend->alive()) << s_.backend->describe_exit();
  EXPECT_NE(s_.backend->log().find("sandbox-probe: socket() = "), std::string::npos) << s_.backend->log();
  EXPECT_NE(s_.backend->log().find("adds socket"), std::string::npos) << "the declaration was not read";
}

TEST_F(VugpuSandbox, CommandLineOffLetsTheSameCallThrough) {
  START_PROBE_OR_SKIP("test.forbidden-syscall", "", {"--sandbox=off"});
  show_a_frame();
  ASSERT_TRUE(s_.gpu->get_display_info());
  EXPECT_TRUE(s_.backend->alive()) << s_.backend->describe_exit();
  EXPECT_NE(s_.backend->log().find("sandbox-probe: socket() = "), std::string::npos);
  EXPECT_EQ(proc_status(s_.backend->pid())["Seccomp"], "0");
  EXPECT_NE(s_.backend->log().find("sandbox off"), std::string::npos) << "turning it off must leave a warning";
}

TEST_F(VugpuSandbox, ConfigKeyOffLetsTheSameCallThrough) {
  START_PROBE_OR_SKIP("test.forbidden-syscall", "sandbox = false\n");
  show_a_frame();
  ASSERT_TRUE(s_.gpu->get_display_info());
  EXPECT_TRUE(s_.backend->alive()) << s_.backend->describe_exit();
  EXPECT_EQ(proc_status(s_.backend->pid())["Seccomp"], "0");
}

}  // namespace
}  // namespace vugpu::itest
