// Counters a plugin reports for the daemon's --stats-file. The core writes them under the
// plugin's name, after the core's own keys:
//   {"bytes_copied": N, ..., "plugins": {"present.egl-headless": {"frames": N, "composed": N}}}
// Names are stable snake_case words (benchmarks and tests read them); values count up from 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vugpu {

struct StatCounter {
  std::string name;
  uint64_t value = 0;
};
using StatCounters = std::vector<StatCounter>;

}  // namespace vugpu
