// The options of present.headless (declared in plugin.cpp, documented in config/vugpu.toml).
#pragma once
#include <cstdint>
#include <string>
#include "vugpu/options.hpp"

namespace vugpu::headless {

struct HeadlessOptions {
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
  static HeadlessOptions from(const OptionValues& values);
};

}  // namespace vugpu::headless
