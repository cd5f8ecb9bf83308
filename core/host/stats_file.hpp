// Counters for benchmarks and operators, as one JSON object:
//   {"bytes_copied": N, "commands": N, "errors": N, "frames_presented": N, "resources": N,
//    "host_bytes": N, ..., "plugins": {"present.egl-headless": {"frames": N, ...}}}
// bytes_copied = pixel bytes copied on the host (HostServices::count_copy, all plugins);
// the rest of the top level is Device::stats(); "plugins" holds what each plugin reports
// (Presenter::stats()), by plugin name, only plugins with counters ({} when none has any).
// The daemon writes it to --stats-file on SIGUSR1 and at exit, on the device loop.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "device/device.hpp"
#include "vugpu/stats.hpp"

namespace vugpu {

struct PluginCounters {
  std::string plugin;  // "present.egl-headless"
  StatCounters counters;
};

// presenter_bytes_copied: the presenters' part of bytes_copied; the rest is written as
// device_bytes_copied (renderer and blob provider: 0 for the guest's blob frames).
std::string stats_json(uint64_t bytes_copied, const DeviceStats& device, uint64_t presenter_bytes_copied = 0,
                       const std::vector<PluginCounters>& plugins = {});

// Writes `json` (plus a newline) to `path` atomically (temporary file + rename), so a reader
// sees the old or the new file, never half of one. Returns "" or the reason it failed.
std::string write_stats_file(const std::string& path, const std::string& json);

}  // namespace vugpu
