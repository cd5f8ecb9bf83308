#include "snapshot_options.hpp"

#include <stdexcept>
#include "snapshot_path.hpp"

namespace vugpu::snapshots {

SnapshotOptions SnapshotOptions::from(const OptionValues& values) {
  SnapshotOptions o;
  o.snapshot_path = values.get_string("snapshot_path");
  o.interval_ms = values.get_int("interval_ms");
  o.snapshot_on_exit = values.get_bool("snapshot_on_exit");
  o.trigger_fifo = values.get_string("trigger_fifo");
  if (o.interval_ms < -1)
    throw std::invalid_argument("interval_ms = " + std::to_string(o.interval_ms) +
                                ": use -1 (never), 0 (every frame) or a number of milliseconds");
  check_snapshot_pattern(o.snapshot_path);
  if (o.snapshot_path.empty() && !o.trigger_fifo.empty())
    throw std::invalid_argument("trigger_fifo is set but snapshot_path is empty: there is nowhere to write snapshots");
  return o;
}

}  // namespace vugpu::snapshots
