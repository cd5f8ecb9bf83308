#include "confined_child.hpp"

#include <dlfcn.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>
#include <thread>
#include "sandbox/sandbox.hpp"

namespace vugpu::test {

namespace {

using namespace std::chrono_literals;

class StderrLog final : public Log {
 public:
  void write(LogLevel, std::string_view message) override {
    std::fprintf(stderr, "[sandbox] %.*s\n", int(message.size()), message.data());
  }
  bool enabled(LogLevel level) const override { return level >= LogLevel::Info; }
};

[[noreturn]] void child(const std::filesystem::path& plugin, const std::filesystem::path& stderr_file,
                        const std::function<int(const std::function<void()>&)>& body) {
  if (std::freopen(stderr_file.c_str(), "w", stderr) == nullptr) ::_exit(kConfinedSetupFailed);
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  if (::dlopen(plugin.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
    std::fprintf(stderr, "cannot load %s: %s\n", plugin.c_str(), ::dlerror());
    ::_exit(kConfinedSetupFailed);
  }
  const auto confine = [&plugin] {
    StderrLog log;
    try {
      sandbox::confine(std::span(&plugin, 1), log);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "confine: %s\n", e.what());
      ::_exit(kConfinedSetupFailed);
    }
  };
  ::_exit(body(confine));
}

}  // namespace

bool ConfinedResult::killed_by_sandbox() const { return !exited && signal == SIGSYS; }

std::string ConfinedResult::describe() const {
  std::string what = exited ? "exit " + std::to_string(code)
                            : "killed by signal " + std::to_string(signal) + (signal == SIGSYS ? " (SIGSYS)" : "");
  return what + "; its stderr:\n" + output;
}

ConfinedResult run_confined(const std::filesystem::path& plugin,
                            const std::function<int(const std::function<void()>& confine)>& body) {
  char name[] = "/tmp/vugpu-confined-stderr-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) return {};
  ::close(fd);
  const std::filesystem::path stderr_file = name;
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) child(plugin, stderr_file, body);
  int status = 0;
  pid_t done = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (pid > 0 && (done = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  if (pid > 0 && done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ConfinedResult result;
  if (pid > 0 && WIFEXITED(status)) result = {true, WEXITSTATUS(status), 0, {}};
  if (pid > 0 && WIFSIGNALED(status)) result = {false, -1, WTERMSIG(status), {}};
  std::ifstream written(stderr_file);
  result.output.assign(std::istreambuf_iterator<char>(written), {});
  std::error_code ignored;
  std::filesystem::remove(stderr_file, ignored);
  return result;
}

}  // namespace vugpu::test
