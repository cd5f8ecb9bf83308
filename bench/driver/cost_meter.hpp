// What a backend spent over a stretch of work: CPU seconds (/proc/PID/stat utime + stime, all
// threads), pixel bytes copied on the host, and bytes it wrote into the display socket.
//
// Readings bracket the whole run of a workload rather than each round: /proc's CPU times come
// in clock ticks (10 ms), so one reading at each end keeps the error to one tick in total. The
// backends between their turns are idle, so nothing else lands in the bracket.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include "contender.hpp"

namespace vugpu::bench {

struct Cost {
  double cpu_seconds = 0;
  // Every pixel byte the backend copied, the write into the display socket included; nothing
  // when neither counted nor modelled.
  std::optional<uint64_t> copied_bytes;
  std::string copied_source;  // "counter ..." or the model's description
  // The backend's own code's copies, socket write excluded: vugpu's device counter (the
  // transfer copy), QEMU's model (transfer + compose into the message).
  std::optional<uint64_t> device_copied_bytes;
  uint64_t socket_bytes = 0;  // display channel, backend -> VMM (measured at the VMM's end)
  uint64_t rss_bytes = 0;                   // at the end
};

class CostMeter {
 public:
  void start(Contender& c);
  // `modelled_rect_bytes`: rectangle bytes presented since start(), for backends that keep no
  // copy count (QEMU's: see copy_model.hpp).
  Cost stop(Contender& c, uint64_t modelled_rect_bytes);

 private:
  double cpu0_ = 0;
  std::optional<uint64_t> copies0_, device0_;
  uint64_t socket0_ = 0;
};

}  // namespace vugpu::bench
