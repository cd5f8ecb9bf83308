#include "backend_process.hpp"
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace vugpu::frontend {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string tail(const std::string& text, size_t max = 2000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

}  // namespace

BackendLookup find_vugpu(std::vector<std::string> extra_args) {
  BackendLookup r;
  const std::string path = env_or("VUGPU_DAEMON", VUGPU_TEST_DAEMON_PATH);
  if (!executable(path)) {
    r.missing_reason = "the vugpu daemon is not built: " + path + " (set VUGPU_DAEMON to use another)";
    return r;
  }
  BackendCommand c;
  c.name = "vugpu";
  c.argv = {path};
  c.argv.insert(c.argv.end(), extra_args.begin(), extra_args.end());
  c.env = {"VUGPU_PLUGIN_PATH=" + env_or("VUGPU_PLUGIN_PATH", VUGPU_TEST_PLUGIN_DIR)};
  c.serves_many_vmms = true;
  r.command = std::move(c);
  return r;
}

BackendLookup find_qemu_gpu(const std::string& version) {
  BackendLookup r;
  std::string path;
  if (version == "7.2") {
    path = "/usr/lib/qemu/vhost-user-gpu";
  } else if (version == "10.0") {
    const std::string home = env_or("HOME", "/root");
    const std::string cache = env_or("VUGPU_CACHE", env_or("XDG_CACHE_HOME", home + "/.cache") + "/vugpu");
    path = env_or("VUGPU_QEMU_DIR", cache + "/qemu-backports") + "/usr/lib/qemu/vhost-user-gpu";
  } else {
    r.missing_reason = "unknown QEMU version " + version;
    return r;
  }
  if (!executable(path)) {
    r.missing_reason = "QEMU " + version + "'s vhost-user-gpu is not installed: " + path +
                       (version == "10.0" ? " (run scripts/fetch-qemu, or set VUGPU_QEMU_DIR)" : " (package qemu-system-gui)");
    return r;
  }
  BackendCommand c;
  c.name = "qemu-" + version;
  c.argv = {path};
  c.serves_many_vmms = false;
  r.command = std::move(c);
  return r;
}

BackendProcess::BackendProcess(const BackendCommand& cmd, Millis startup) {
  char tmpl[] = "/tmp/vugpu-test-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  dir_ = tmpl;
  socket_path_ = dir_ + "/gpu.sock";
  log_path_ = dir_ + "/backend.log";

  // Everything the child needs is prepared before fork: after it, only exec-safe calls.
  std::vector<std::string> args = cmd.argv;
  args.push_back(cmd.socket_option + socket_path_);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& extra : cmd.env) {
    const std::string key = extra.substr(0, extra.find('=') + 1);
    std::erase_if(env_strings, [&](const std::string& s) { return s.rfind(key, 0) == 0; });
    env_strings.push_back(extra);
  }
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log_path_);
  const pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test leaves no backend behind
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    const char msg[] = "exec failed\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(log_fd);

  // Wait for the socket to exist (a connect would count as the VMM's connection: QEMU's
  // backend serves exactly one and then exits).
  const Deadline deadline(startup);
  struct stat st{};
  while (::stat(socket_path_.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    if (!alive())
      throw std::runtime_error(cmd.name + " " + describe_exit() + " before listening; its output:\n" + tail(log()));
    if (deadline.expired())
      throw std::runtime_error(cmd.name + " did not create " + socket_path_ + " within " +
                               std::to_string(startup.count()) + " ms; its output:\n" + tail(log()));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

BackendProcess::~BackendProcess() {
  if (pid_ > 0 && alive()) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(Millis(3000))) {
      ::kill(pid_, SIGKILL);
      wait_exit(Millis(3000));
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string BackendProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool BackendProcess::alive() {
  if (status_) return false;
  int st = 0;
  const pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return r == 0;
}

std::optional<int> BackendProcess::wait_exit(Millis timeout) {
  const Deadline d(timeout);
  while (alive()) {
    if (d.expired()) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return status_;
}

void BackendProcess::signal(int sig) {
  if (alive()) ::kill(pid_, sig);
}

std::string BackendProcess::describe_exit() const {
  if (!status_) return "is running";
  if (WIFEXITED(*status_)) return "exited with " + std::to_string(WEXITSTATUS(*status_));
  if (WIFSIGNALED(*status_)) return std::string("was killed by SIG") + ::sigabbrev_np(WTERMSIG(*status_));
  return "ended (status " + std::to_string(*status_) + ")";
}

}  // namespace vugpu::frontend
