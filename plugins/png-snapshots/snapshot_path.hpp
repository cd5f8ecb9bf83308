// File names of snapshots: a pattern where %s is the scanout id, %n the frame number (frames
// presented on that scanout so far) and %% a percent sign. Any other % sequence is an error,
// caught when the plugin starts.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace vugpu::snapshots {

// Throws std::invalid_argument naming the bad sequence.
void check_snapshot_pattern(std::string_view pattern);
std::string expand_snapshot_pattern(std::string_view pattern, uint32_t scanout_id, uint64_t frame_number);
// True when the pattern contains %s (several scanouts write distinct files).
bool pattern_names_scanout(std::string_view pattern);

}  // namespace vugpu::snapshots
