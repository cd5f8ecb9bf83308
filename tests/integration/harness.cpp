#include "harness.hpp"
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace vugpu::itest {

namespace {

std::string tail(const std::string& s, size_t n = 3000) { return s.size() <= n ? s : "..." + s.substr(s.size() - n); }

// Config files live in one folder per test process, removed when it exits.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vugpu-itest-config-XXXXXX";
    path_ = ::mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string& config_dir() {
  static const TempDir dir;
  return dir.path();
}

}  // namespace

void Session::connect(const VmmOptions& options, bool boot) {
  if (vmm) vmm->disconnect();
  gpu.reset();
  vmm = std::make_unique<TestVmm>(options);
  vmm->connect(backend->socket_path());
  if (boot) {
    vmm->realize();
    vmm->start();
  }
  gpu = std::make_unique<GuestDriver>(*vmm);
}

std::string Session::diagnostics() const {
  std::string out;
  if (backend) {
    out += "backend " + std::string(const_cast<BackendProcess&>(*backend).alive() ? "is running" : backend->describe_exit()) + "\n";
  }
  if (vmm) {
    for (const auto& e : vmm->display().errors()) out += "display protocol error: " + e + "\n";
    for (unsigned q = 0; q < kQueueCount; ++q)
      for (const auto& e : vmm->queue(Queue(q)).errors()) out += "virtqueue " + std::to_string(q) + " error: " + e + "\n";
    if (vmm->completions_without_call()) out += std::to_string(vmm->completions_without_call()) + " used entries without a call\n";
  }
  if (backend) out += "backend log:\n" + tail(backend->log());
  return out;
}

::testing::AssertionResult Session::clean() const {
  bool ok = vmm->display().errors().empty() && vmm->completions_without_call() == 0;
  for (unsigned q = 0; q < kQueueCount; ++q) ok = ok && vmm->queue(Queue(q)).errors().empty();
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << diagnostics();
}

std::string write_vugpu_config(const std::string& dir, const std::vector<DisplayOutput>& scanouts,
                               const std::string& extra_toml) {
  static int counter = 0;
  const std::string path = dir + "/vugpu-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".toml";
  std::ofstream f(path);
  f << "renderer = \"renderer.pixman\"\npresenters = [\"present.vhost-user\"]\n";
  f << extra_toml << "\n";
  for (const auto& s : scanouts)
    f << "[[display.scanout]]\nwidth = " << s.width << "\nheight = " << s.height << "\nenabled = " << (s.enabled ? "true" : "false")
      << "\n";
  return path;
}

bool all_threads_asleep(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream f(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) continue;  // the thread just ended
    const char state = stat[paren + 2];
    if (state != 'S' && state != 'D') return false;
    any = true;
  }
  return any && !ec;
}

bool eventually(const std::function<bool()>& done, Millis safety) {
  const Deadline deadline(safety);
  while (!done()) {
    if (deadline.expired()) return done();
    std::this_thread::sleep_for(Millis(5));
  }
  return true;
}

std::optional<ProcessStats> wait_until_idle(BackendProcess& backend, unsigned idle_fds, Millis safety,
                                            int confirmations) {
  std::optional<ProcessStats> st;
  int in_a_row = 0;
  const bool reached = eventually(
      [&] {
        st = backend.stats();
        const bool idle = st && st->fd_count <= idle_fds && all_threads_asleep(backend.pid());
        in_a_row = idle ? in_a_row + 1 : 0;
        return in_a_row >= confirmations;
      },
      safety);
  if (!reached) return std::nullopt;
  return st;
}

std::string plugin_dir() {
  const char* env = std::getenv("VUGPU_PLUGIN_PATH");
  std::string path = env && *env ? env : VUGPU_TEST_PLUGIN_DIR;
  return path.substr(0, path.find(':'));
}

BackendLookup vugpu_lookup_with_config(const std::vector<DisplayOutput>& scanouts, const std::string& extra_toml,
                                       std::vector<std::string> extra_args) {
  std::vector<std::string> args{"--config=" + write_vugpu_config(config_dir(), scanouts, extra_toml)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // VUGPU_ITEST_DAEMON_ARGS="-v" (space-separated) adds daemon arguments, e.g. for a debug log.
  if (const char* extra = std::getenv("VUGPU_ITEST_DAEMON_ARGS")) {
    std::istringstream in(extra);
    for (std::string a; in >> a;) args.push_back(a);
  }
  return find_vugpu(args);
}

}  // namespace vugpu::itest
