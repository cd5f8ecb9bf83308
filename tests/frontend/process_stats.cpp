#include "process_stats.hpp"
#include <dirent.h>
#include <unistd.h>
#include <fstream>
#include <sstream>
#include <string>

namespace vugpu::frontend {

std::optional<ProcessStats> read_process_stats(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  ProcessStats s;
  {
    std::ifstream stat(dir + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream in(line.substr(close + 2));
    std::string field;
    // Field 3 is the first after ')'; utime and stime are fields 14 and 15, threads field 20.
    for (int n = 3; n <= 20 && in >> field; ++n) {
      if (n == 3 && field == "Z") return std::nullopt;  // zombie: gone but not reaped
      if (n == 14) s.utime_ticks = std::stoull(field);
      if (n == 15) s.stime_ticks = std::stoull(field);
      if (n == 20) s.threads = unsigned(std::stoul(field));
    }
  }
  s.cpu_seconds = double(s.utime_ticks + s.stime_ticks) / double(::sysconf(_SC_CLK_TCK));
  {
    std::ifstream status(dir + "/status");
    std::string key;
    uint64_t kb;
    while (status >> key) {
      if (key == "VmRSS:" && status >> kb) s.rss_bytes = kb * 1024;
      else if (key == "VmHWM:" && status >> kb) s.hwm_bytes = kb * 1024;
      status.ignore(1 << 20, '\n');
    }
  }
  if (DIR* d = ::opendir((dir + "/fd").c_str())) {
    while (const dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') ++s.fd_count;
    ::closedir(d);
  }
  return s;
}

}  // namespace vugpu::frontend
