// Ring indexes are 16 bits and wrap at 65536: 70000 commands through small queues (with and
// without EVENT_IDX, whose event indexes wrap too), in batches, checking every answer and that
// no used entry arrives without a call. Label e2e (a few seconds).
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <cstdio>
#include <iostream>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;

struct Wrap {
  const char* name;
  uint16_t queue_size;
  bool event_idx;
  unsigned batch;
};
void PrintTo(const Wrap& w, std::ostream* os) { *os << w.name; }

class VugpuRingWrap : public ::testing::TestWithParam<Wrap> {
 protected:
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
  }
  Session s_;
};

TEST_P(VugpuRingWrap, SeventyThousandCommandsAllAnswered) {
  const Wrap& w = GetParam();
  VUGPU_START_OR_SKIP(s_, {{640, 480, true}});
  VmmOptions o;
  o.control_queue_size = w.queue_size;
  o.event_idx = w.event_idx;
  s_.connect(o);
  ASSERT_EQ(s_.vmm->has_feature(vu::kFeatureEventIdx), w.event_idx);
  GuestDriver& gpu = *s_.gpu;
  ASSERT_EQ(gpu.resource_create_2d(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 16, 16), kOk);
  const Bytes flush = cmd::resource_flush(1, {0, 0, 1, 1});  // not on a scanout: cheap
  const auto t0 = Clock::now();
  uint64_t done = 0, wrong = 0;
  for (uint32_t n = 0; n < 70000; n += w.batch) {
    std::vector<Ticket> tickets;
    for (unsigned i = 0; i < w.batch; ++i) tickets.push_back(gpu.submit(Queue::Control, flush, 24, {}, false));
    gpu.kick(Queue::Control);
    for (Ticket t : tickets) {
      auto c = gpu.wait(t, Millis(3000));
      ASSERT_TRUE(c) << "command " << n << " never came back (avail idx " << s_.vmm->queue(Queue::Control).avail_idx()
                     << ", used idx " << s_.vmm->queue(Queue::Control).used_idx() << ")";
      wrong += c->type() != kOk;
      ++done;
    }
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%s: %llu commands in %.2f s (%.1f us each), %llu calls\n", w.name, static_cast<unsigned long long>(done), s,
              s * 1e6 / double(done), static_cast<unsigned long long>(s_.vmm->calls(Queue::Control)));
  EXPECT_EQ(wrong, 0u);
  EXPECT_GT(uint32_t(s_.vmm->queue(Queue::Control).avail_idx()), 0u);
  EXPECT_TRUE(s_.clean());
}

const Wrap kWraps[] = {
    {"size2_one_at_a_time", 2, false, 1},
    {"size8_event_idx_batches", 8, true, 8},
    {"size4_event_idx_half_batches", 4, true, 3},
};
INSTANTIATE_TEST_SUITE_P(Wraps, VugpuRingWrap, ::testing::ValuesIn(kWraps),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace vugpu::itest
