// The snapshot options every PNG-writing presenter shares (present.headless,
// present.egl-headless): the same keys, defaults and help, checked the same way. A plugin's
// plugin.cpp lists kSnapshotOptionSpecs in its own option table; the factory calls from().
#pragma once
#include <cstdint>
#include <string>
#include "vugpu/options.hpp"

namespace vugpu::snapshots {

inline constexpr OptionSpec kSnapshotOptionSpecs[] = {
    {"snapshot_path", OptionType::String, "",
     "PNG file pattern: %s = scanout id, %n = frame number, %% = %; empty = no snapshots"},
    {"interval_ms", OptionType::Int, "1000",
     "-1 = no periodic snapshots; 0 = one per presented frame; N = every N ms, of scanouts that changed"},
    {"snapshot_on_exit", OptionType::Bool, "true", "at exit, write the last picture of every scanout"},
    {"trigger_fifo", OptionType::String, "",
     "FIFO to create; each write to it (echo > PATH) snapshots every scanout; empty = none"},
};

struct SnapshotOptions {
  // PNG file pattern (%s scanout id, %n frame number, %% percent); empty: never write PNGs.
  std::string snapshot_path;
  // -1: no periodic snapshots; 0: one per presented frame; N > 0: every N ms, one of each
  // scanout that changed since its last snapshot.
  int64_t interval_ms = 1000;
  // At shutdown, write the last picture each scanout showed (even if the guest or the VMM
  // disabled it just before: that is the picture one wants to see after a test run).
  bool snapshot_on_exit = true;
  // FIFO path; each write to it snapshots every scanout. Empty: none.
  std::string trigger_fifo;

  // Throws std::invalid_argument for values out of their domain.
  static SnapshotOptions from(const OptionValues& values);
};

}  // namespace vugpu::snapshots
