// Order statistics of a set of samples (latencies, per-round rates). Nearest-rank percentiles:
// with few samples an interpolated p99 would invent a value nobody measured.
#pragma once
#include <vector>

namespace vugpu::bench {

double percentile(std::vector<double> samples, double p);  // p in [0, 1]; NaN when empty
inline double median(std::vector<double> samples) { return percentile(std::move(samples), 0.5); }

}  // namespace vugpu::bench
