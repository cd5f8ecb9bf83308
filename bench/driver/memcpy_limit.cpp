// The limit: how fast this machine copies one frame, measured in the same run as the backends.
// A backend that did nothing but copy each frame exactly once (and had the CPU to itself)
// would present 1 / (time of one frame-sized memcpy) frames per second; every B1 figure is
// shown as a percentage of that. Source and destination are distinct, page-faulted-in
// buffers, as a frame in guest RAM and its host copy are; the time is the median of many
// copies, each of a whole frame.
#include <sys/mman.h>
#include <cstring>
#include <stdexcept>
#include "deadline.hpp"
#include "summary.hpp"
#include "workloads.hpp"

namespace vugpu::bench {

using frontend::Clock;

namespace {

class Mapping {  // an anonymous mapping, touched so no page fault lands in a timed copy
 public:
  explicit Mapping(size_t bytes) : bytes_(bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    data_ = static_cast<uint8_t*>(p);
    std::memset(data_, 0x5a, bytes);
  }
  ~Mapping() { ::munmap(data_, bytes_); }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  uint8_t* data() { return data_; }

 private:
  uint8_t* data_ = nullptr;
  size_t bytes_;
};

}  // namespace

void memcpy_limit(Options& o, JsonWriter& w) {
  const auto sizes = o.sizes("sizes", "1280x800,1920x1080,3840x2160");
  const double seconds = o.number("seconds", 0.4);  // per size
  const unsigned min_copies = o.count("min-copies", 5);
  o.reject_unused();

  w.begin_object().field("workload", "memcpy");
  w.key("params").begin_object().field("seconds_per_size", seconds).end_object();
  w.key("sizes").begin_object();
  for (const auto& [width, height] : sizes) {
    const size_t bytes = size_t(width) * height * 4;
    Mapping src(bytes), dst(bytes);
    std::memcpy(dst.data(), src.data(), bytes);  // warm-up
    std::vector<double> ms;
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (ms.size() < min_copies || Clock::now() < end) {
      const auto t0 = Clock::now();
      std::memcpy(dst.data(), src.data(), bytes);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      src.data()[ms.size() % bytes] ^= 1;  // keep the compiler from proving the copies redundant
    }
    const double copy_ms = median(ms);
    w.key(std::to_string(width) + "x" + std::to_string(height)).begin_object();
    w.field("frame_bytes", uint64_t(bytes)).field("copy_ms_p50", copy_ms).field("copy_ms_min", percentile(ms, 0));
    w.field("gb_per_s", double(bytes) / (copy_ms / 1e3) / 1e9);
    w.field("fps_one_copy", 1e3 / copy_ms).field("copies", uint64_t(ms.size()));
    w.end_object();
  }
  w.end_object().end_object();
}

}  // namespace vugpu::bench
