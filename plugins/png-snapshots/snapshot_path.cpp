#include "snapshot_path.hpp"

#include <stdexcept>

namespace vugpu::snapshots {

namespace {

// Calls on_literal / on_field for each piece; throws on an unknown sequence.
template <typename Literal, typename Field>
void walk(std::string_view pattern, Literal on_literal, Field on_field) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      on_literal(pattern[i]);
      continue;
    }
    const char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (next == '%') on_literal('%');
    else if (next == 's' || next == 'n') on_field(next);
    else
      throw std::invalid_argument("snapshot_path '" + std::string(pattern) + "': unknown sequence '%" +
                                  (next ? std::string(1, next) : std::string()) +
                                  "' (use %s for the scanout id, %n for the frame number, %% for a percent sign)");
    ++i;
  }
}

}  // namespace

void check_snapshot_pattern(std::string_view pattern) {
  walk(pattern, [](char) {}, [](char) {});
}

std::string expand_snapshot_pattern(std::string_view pattern, uint32_t scanout_id, uint64_t frame_number) {
  std::string out;
  walk(
      pattern, [&](char c) { out += c; },
      [&](char field) { out += field == 's' ? std::to_string(scanout_id) : std::to_string(frame_number); });
  return out;
}

bool pattern_names_scanout(std::string_view pattern) {
  bool found = false;
  walk(pattern, [](char) {}, [&](char field) { found |= field == 's'; });
  return found;
}

}  // namespace vugpu::snapshots
