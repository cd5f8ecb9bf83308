#include "sandbox/capabilities.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <fmt/format.h>

namespace vugpu::sandbox {

namespace {

bool get_caps(__user_cap_data_struct (&data)[2]) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  return ::syscall(SYS_capget, &header, data) == 0;
}

}  // namespace

unsigned effective_capability_count() {
  __user_cap_data_struct data[2]{};
  if (!get_caps(data)) return 0;
  return static_cast<unsigned>(__builtin_popcount(data[0].effective) + __builtin_popcount(data[1].effective));
}

void drop_capabilities(Log& log) {
  const unsigned before = effective_capability_count();
  // The bounding set first: dropping from it needs CAP_SETPCAP, which goes next.
  for (int cap = 0; cap <= 63; ++cap) {
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM)
      throw std::runtime_error(fmt::format("PR_CAPBSET_DROP {}: {}", cap, std::strerror(errno)));
  }
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);  // EINVAL on old kernels: nothing to clear
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct none[2]{};
  if (::syscall(SYS_capset, &header, none) != 0)
    throw std::runtime_error(fmt::format("capset: {}", std::strerror(errno)));
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    throw std::runtime_error(fmt::format("PR_SET_NO_NEW_PRIVS: {}", std::strerror(errno)));
  if (before != 0) log.info("sandbox: dropped {} capabilities (running as uid {})", before, ::getuid());
}

}  // namespace vugpu::sandbox
