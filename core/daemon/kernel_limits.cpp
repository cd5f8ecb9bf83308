#include "daemon/kernel_limits.hpp"

#include <sys/resource.h>
#include <cstdint>
#include <fstream>

namespace vugpu {

namespace {
// What the daemon keeps for itself: fds (idle ~22: socket, eventfds, epoll, guest memory,
// plugins' own) and mappings (idle ~80; GL plugins' libraries and threads a few hundred more).
constexpr uint64_t kOwnFds = 64;
constexpr uint64_t kOwnMappings = 4096;
}  // namespace

int warn_if_blob_limits_exceed_the_kernels(const Limits& limits, Log& log) {
  int warnings = 0;
  rlimit nofile{};
  if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
      uint64_t{limits.max_blob_views} + kOwnFds > nofile.rlim_cur) {
    log.warn("[limits] max_blob_views = {} does not leave the daemon {} of the {} open files it may have "
             "(RLIMIT_NOFILE): a guest's blob views could take the daemon's last fds; lower it or raise the limit "
             "(ulimit -n, LimitNOFILE=)",
             limits.max_blob_views, kOwnFds, static_cast<uint64_t>(nofile.rlim_cur));
    ++warnings;
  }
  uint64_t max_map_count = 0;
  if (std::ifstream("/proc/sys/vm/max_map_count") >> max_map_count &&
      uint64_t{limits.max_blob_mappings} + kOwnMappings > max_map_count) {
    log.warn("[limits] max_blob_mappings = {} does not leave the daemon {} of the {} memory mappings it may have "
             "(vm.max_map_count): a guest's blob views could take the mappings every allocation needs; lower it or "
             "raise vm.max_map_count",
             limits.max_blob_mappings, kOwnMappings, max_map_count);
    ++warnings;
  }
  return warnings;
}

}  // namespace vugpu
