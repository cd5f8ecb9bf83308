#include "config/config_error.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <vector>

namespace vugpu {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string make_message(const SourcePos& where, std::string_view what, std::string_view key, std::string_view hint) {
  std::string details;
  if (!key.empty()) details = fmt::format("key '{}'", key);
  if (!hint.empty()) details += details.empty() ? std::string(hint) : fmt::format("; {}", hint);
  if (details.empty()) return fmt::format("{}: {}", where.to_string(), what);
  return fmt::format("{}: {} ({})", where.to_string(), what, details);
}

}  // namespace

std::string SourcePos::to_string() const {
  if (line == 0) return origin;
  return fmt::format("{}:{}:{}", origin, line, column);
}

ConfigError::ConfigError(SourcePos where, std::string_view what, std::string_view key, std::string_view hint)
    : std::runtime_error(make_message(where, what, key, hint)), where_(std::move(where)) {}

std::string suggest_key(std::string_view unknown, std::span<const std::string_view> known) {
  std::string_view best;
  size_t best_distance = SIZE_MAX;
  for (auto k : known) {
    const size_t d = edit_distance(unknown, k);
    if (d < best_distance) {
      best_distance = d;
      best = k;
    }
  }
  // Close enough to be a typo: a third of the name, at least two edits.
  if (!best.empty() && best_distance <= std::max<size_t>(2, unknown.size() / 3))
    return fmt::format("did you mean '{}'?", best);
  if (known.empty()) return {};
  std::string list;
  for (auto k : known) list += list.empty() ? std::string(k) : fmt::format(", {}", k);
  return "known keys: " + list;
}

}  // namespace vugpu
