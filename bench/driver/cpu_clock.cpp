#include "cpu_clock.hpp"
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace vugpu::bench {

namespace {

// Sums `read_task(task folder)` over the threads of `pid` but `except_tid`; nothing when the
// process is gone or no thread gave a number.
std::optional<uint64_t> sum_over_tasks(pid_t pid, pid_t except_tid,
                                       const std::function<std::optional<uint64_t>(const std::filesystem::path&)>& read_task) {
  std::error_code ec;
  std::filesystem::directory_iterator tasks("/proc/" + std::to_string(pid) + "/task", ec);
  if (ec) return std::nullopt;
  uint64_t total = 0;
  bool any = false;
  for (const auto& t : tasks) {
    if (except_tid != 0 && t.path().filename() == std::to_string(except_tid)) continue;
    if (const auto v = read_task(t.path())) {
      total += *v;
      any = true;
    }
  }
  if (!any) return std::nullopt;
  return total;
}

}  // namespace

std::optional<uint64_t> process_cpu_ns(pid_t pid, pid_t except_tid) {
  return sum_over_tasks(pid, except_tid, [](const std::filesystem::path& task) -> std::optional<uint64_t> {
    std::ifstream in(task / "schedstat");
    uint64_t on_cpu = 0;
    if (in >> on_cpu) return on_cpu;
    return std::nullopt;
  });
}

std::map<std::string, uint64_t> process_cpu_ns_by_thread(pid_t pid, pid_t except_tid) {
  std::map<std::string, uint64_t> by_name;
  sum_over_tasks(pid, except_tid, [&](const std::filesystem::path& task) -> std::optional<uint64_t> {
    std::ifstream stat(task / "schedstat"), comm(task / "comm");
    uint64_t on_cpu = 0;
    std::string name;
    if (!(stat >> on_cpu) || !std::getline(comm, name)) return std::nullopt;
    by_name[name] += on_cpu;
    return on_cpu;
  });
  return by_name;
}

std::optional<uint64_t> process_context_switches(pid_t pid, pid_t except_tid) {
  return sum_over_tasks(pid, except_tid, [](const std::filesystem::path& task) -> std::optional<uint64_t> {
    std::ifstream in(task / "status");
    uint64_t switches = 0;
    bool found = false;
    for (std::string line; std::getline(in, line);)
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0) {
        switches += std::stoull(line.substr(line.find(':') + 1));
        found = true;
      }
    if (found) return switches;
    return std::nullopt;
  });
}

}  // namespace vugpu::bench
