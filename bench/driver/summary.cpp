#include "summary.hpp"
#include <algorithm>
#include <cmath>
#include <limits>

namespace vugpu::bench {

double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(p * double(samples.size()));
  const size_t index = rank < 1 ? 0 : std::min(samples.size() - 1, size_t(rank) - 1);
  return samples[index];
}

}  // namespace vugpu::bench
