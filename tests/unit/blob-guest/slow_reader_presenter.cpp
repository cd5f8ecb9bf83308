// present.test-slow-reader: a test presenter plugin that reads every frame on a thread of its
// own, slowly (it checksums the damaged rows `passes` times), and keeps the frame (its
// FrameRelease) until it has finished. If the guest's pixels change while it reads, the
// device let the guest write into a buffer the host was still reading: it logs
// "TORN frame N" (warn). After each frame it logs "read frame N" (info).
//
// The integration test (tests/integration/vugpu_blob_test.cpp) runs the daemon with it next
// to present.vhost-user and reads the daemon's log. Not installed: built into the test plugin
// folder only.
//
// Threading: present/reset/shutdown on the device loop thread; reading and releasing on the
// reader thread (FrameRelease may be released on any thread).
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vugpu/plugin.hpp>

namespace {

using namespace vugpu;

class SlowReader final : public Presenter {
 public:
  SlowReader(HostServices& host, int64_t passes) : host_(host), passes_(passes), thread_([this] { run(); }) {}
  ~SlowReader() override { shutdown(); }

  void set_scanout(uint32_t, const DisplayMode&) override {}
  void present(uint32_t, const Frame& frame, const Rect& damage, FrameRelease release) override {
    if (frame.pixels == nullptr || damage.empty()) return;
    std::lock_guard lock(mutex_);
    jobs_.push_back(Job{++frames_, frame.at(damage.x, damage.y), frame.stride, uint64_t{damage.width} * 4,
                        damage.height, std::move(release)});
    wake_.notify_all();
  }
  void reset() override {
    // Drop every reference to guest state: wait until the jobs in hand are read and released.
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return jobs_.empty() && !busy_; });
  }
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
      stop_ = true;
      wake_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  struct Job {
    uint64_t number;
    const uint8_t* first_row;
    uint32_t stride;
    uint64_t row_bytes;
    uint32_t rows;
    FrameRelease release;
  };

  uint64_t checksum(const Job& j) const {
    uint64_t h = 1469598103934665603ull;
    for (uint32_t y = 0; y < j.rows; ++y) {
      const uint8_t* row = j.first_row + uint64_t{y} * j.stride;
      for (uint64_t x = 0; x < j.row_bytes; x += 8) {
        uint64_t v = 0;
        std::memcpy(&v, row + x, std::min<uint64_t>(8, j.row_bytes - x));
        h = (h ^ v) * 1099511628211ull;
      }
    }
    return h;
  }

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stop_ with nothing left
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      const uint64_t first = checksum(job);
      bool torn = false;
      for (int64_t i = 0; i < passes_ && !torn; ++i) torn = checksum(job) != first;
      job.release.release();
      if (torn) host_.log().warn("TORN frame {}: the guest wrote into it while it was read", job.number);
      host_.log().info("read frame {}", job.number);
      lock.lock();
      busy_ = false;
      idle_.notify_all();
    }
  }

  HostServices& host_;
  const int64_t passes_;
  std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Job> jobs_;
  bool busy_ = false, stop_ = false;
  uint64_t frames_ = 0;
  std::thread thread_;  // last: starts after the rest is built
};

const OptionSpec kOptions[] = {{"passes", OptionType::Int, "20", "checksums of each frame while it is held"}};

std::unique_ptr<Presenter> create(HostServices& host, const OptionValues& o) {
  return std::make_unique<SlowReader>(host, o.get_int("passes"));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_slow_reader_descriptor = vugpu::make_presenter_descriptor(
    "present.test-slow-reader", "1", "test: reads frames slowly on its own thread, logs torn frames", kOptions, create);
VUGPU_EXPORT_PLUGIN(vugpu_slow_reader_descriptor)
