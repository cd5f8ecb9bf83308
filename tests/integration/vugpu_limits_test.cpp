// Limits under load (issue 13 item 6), through the real daemon: 16 scanouts set, flushed and
// disabled; resources up to max_resources and one more; the host-memory cap hit round after
// round with the same count; blob views up to max_blob_views and one more, and their
// mappings up to max_blob_mappings and one more. Each round ends
// with every resource unreferenced, and then the daemon must be back where it started:
//
// - the stats file's `resources`, `host_bytes`, `blob_views` and `blob_mappings` are 0;
// - its open fds (/proc/PID/fd) are exactly the baseline's, and so is its number of memory
//   mappings (/proc/PID/maps): a leaked blob view would show in both;
// - its own resident memory is within kRssTolerance of the baseline: RssAnon (heap and
//   anonymous mappings) and VmRSS less RssShmem. RssShmem is guest RAM: the daemon maps all of
//   the guest's memfd, and every guest page it has read once (a transfer, a blob frame) stays in
//   its page tables; the guest's allocator hands out new pages each round, so VmRSS alone grows
//   by what the guest touched (2-9 MiB a round here, bounded by the guest's RAM), not by
//   anything the daemon keeps.
//
// The baseline is taken after a first (warm-up) round, not before it: the first round makes
// glibc's allocator grow its heap and keep freed chunks for reuse (it returns memory to the
// kernel only from the top of the heap, above M_TRIM_THRESHOLD = 128 KiB), and the resource
// table keeps its hash buckets after the erase (std::unordered_map never shrinks them). Those
// caches are reused, not grown, by later rounds; a real leak grows with every round. The
// tolerance is 256 KiB: the same as one 256x256 resource of the host-memory test, far below
// what one round allocates (8 MiB there; 16384 resources' bookkeeping here). Measured: RssAnon
// grew 128 KiB from round 0 to round 1 of the host-memory test (glibc keeping a freed chunk),
// then not at all; 0 in every other test; fds and mappings exactly flat everywhere.
//
// Fast (a few seconds in all). Prints the figures of every round.
#include <gtest/gtest.h>
#include <linux/virtio_gpu.h>
#include <signal.h>
#include <sys/resource.h>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include "blob_dumb_buffer.hpp"
#include "daemon_stats_file.hpp"
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
constexpr uint32_t kErrOom = VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
constexpr uint32_t kXrgb = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;
constexpr int64_t kRssTolerance = 256 << 10;
constexpr int kRounds = 5;  // the first one is the warm-up

// What the test watches in the daemon's process.
struct Footprint {
  uint64_t rss = 0, rss_anon = 0, rss_shmem = 0;  // bytes
  unsigned fds = 0, mappings = 0;
};

uint64_t status_kib(const std::string& status, const std::string& key) {
  const size_t at = status.find("\n" + key + ":");
  return at == std::string::npos ? 0 : std::stoull(status.substr(at + key.size() + 2));
}

Footprint footprint(pid_t pid) {
  Footprint f;
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream st(proc + "/status");
  const std::string status((std::istreambuf_iterator<char>(st)), std::istreambuf_iterator<char>());
  f.rss = status_kib(status, "VmRSS") << 10;
  f.rss_anon = status_kib(status, "RssAnon") << 10;
  f.rss_shmem = status_kib(status, "RssShmem") << 10;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(proc + "/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++f.fds;
  std::ifstream maps(proc + "/maps");
  for (std::string line; std::getline(maps, line);) ++f.mappings;
  return f;
}

// A daemon with these scanouts and this extra TOML, a booted VMM, the stats file, and the
// footprint check every round ends with.
class LimitsTest : public ::testing::Test {
 protected:
  // False (and the test skips) when the daemon is not built.
  bool start(const std::vector<DisplayOutput>& scanouts, const std::string& toml, uint64_t extra_features = 0) {
    auto lookup = vugpu_lookup_with_config(scanouts, toml, {stats_.arg()});
    if (!lookup.command) {
      missing_ = lookup.missing_reason;
      return false;
    }
    s_.backend = std::make_unique<BackendProcess>(*lookup.command);
    VmmOptions o;
    o.display.outputs = scanouts;
    o.device_features |= extra_features;
    s_.connect(o);
    return true;
  }

  // Waits until the daemon is asleep again (done with what the last command started), then
  // checks the round left nothing: stats at 0, fds and mappings as the baseline, RSS within
  // kRssTolerance. The first call (after the warm-up round) takes the baseline.
  void end_round(int round) {
    ASSERT_TRUE(s_.backend->alive()) << s_.diagnostics();
    eventually([&] { return all_threads_asleep(s_.backend->pid()); }, Millis(10000));
    const auto stats = stats_.read(*s_.backend);
    EXPECT_EQ(stats.get<uint64_t>("resources"), 0u) << "round " << round;
    EXPECT_EQ(stats.get<uint64_t>("host_bytes"), 0u) << "round " << round;
    EXPECT_EQ(stats.get<uint64_t>("blob_views"), 0u) << "round " << round;
    EXPECT_EQ(stats.get<uint64_t>("blob_mappings"), 0u) << "round " << round;
    const Footprint now = footprint(s_.backend->pid());
    std::printf("round %d: VmRSS %llu KiB (RssShmem %llu KiB: guest RAM), RssAnon %llu KiB, fds %u, mappings %u\n", round,
                static_cast<unsigned long long>(now.rss >> 10), static_cast<unsigned long long>(now.rss_shmem >> 10),
                static_cast<unsigned long long>(now.rss_anon >> 10), now.fds, now.mappings);
    std::fflush(stdout);
    if (round == 0) {
      baseline_ = now;
      return;
    }
    EXPECT_EQ(now.fds, baseline_.fds) << "round " << round << " left open fds";
    EXPECT_EQ(now.mappings, baseline_.mappings) << "round " << round << " left memory mappings";
    const auto own = [](const Footprint& f) { return int64_t(f.rss) - int64_t(f.rss_shmem); };
    EXPECT_LE(own(now) - own(baseline_), kRssTolerance) << "round " << round << ": VmRSS less guest RAM grows";
    EXPECT_LE(int64_t(now.rss_anon) - int64_t(baseline_.rss_anon), kRssTolerance) << "round " << round << ": RssAnon grows";
  }

  Session s_;
  DaemonStatsFile stats_{"vugpu-limits-stats"};
  Footprint baseline_;
  std::string missing_;
};

#define START_OR_SKIP(...) \
  if (!start(__VA_ARGS__)) GTEST_SKIP() << missing_

// Every one of the 16 scanouts virtio-gpu has: set, flushed, shown by the VMM, disabled.
TEST_F(LimitsTest, SixteenScanoutsSetFlushedAndDisabled) {
  const std::vector<DisplayOutput> sixteen(16, DisplayOutput{160, 100, true});
  START_OR_SKIP(sixteen, "");
  GuestDriver& gpu = *s_.gpu;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::unique_ptr<Framebuffer>> fbs;
    for (uint32_t i = 0; i < 16; ++i) {
      fbs.push_back(std::make_unique<Framebuffer>(gpu, 100 + i, 160, 100));
      fbs.back()->draw_pattern(uint32_t(round) * 16 + i);
      ASSERT_EQ(fbs.back()->show_on(i), kOk) << "scanout " << i << ", round " << round;
    }
    for (uint32_t i = 0; i < 16; ++i)  // all 16 at once, each with its own picture
      ASSERT_EQ(fbs[i]->compare(s_.vmm->display().surface(i)), "") << "scanout " << i << ", round " << round;
    EXPECT_EQ(gpu.set_scanout(16, 100, {0, 0, 160, 100}), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID));
    for (uint32_t i = 0; i < 16; ++i) {
      ASSERT_EQ(gpu.set_scanout(i, 0, {0, 0, 0, 0}), kOk) << "disabling scanout " << i;
      EXPECT_EQ(s_.vmm->display().surface(i), nullptr) << "scanout " << i << " still shows a surface";
    }
    for (auto& fb : fbs) ASSERT_EQ(fb->unref(), kOk);
    fbs.clear();  // their guest pages
    end_round(round);
  }
  EXPECT_TRUE(s_.clean());
}

// Commands in batches of a queue's worth (one kick each, as a busy guest sends them); returns
// each command's response type in order.
std::vector<uint32_t> run_batched(GuestDriver& gpu, const std::vector<Bytes>& commands) {
  constexpr size_t kBatch = 64;
  std::vector<uint32_t> types;
  for (size_t at = 0; at < commands.size(); at += kBatch) {
    std::vector<Ticket> tickets;
    for (size_t i = at; i < std::min(commands.size(), at + kBatch); ++i)
      tickets.push_back(gpu.submit(Queue::Control, commands[i], sizeof(virtio_gpu_ctrl_hdr), {}, false));
    gpu.kick(Queue::Control);
    for (Ticket t : tickets) {
      auto c = gpu.wait(t);
      types.push_back(c ? c->type() : 0);
    }
  }
  return types;
}

// max_resources at its default (16384): all of them, then one more (ERR_OUT_OF_MEMORY), then
// unref all; round after round.
TEST_F(LimitsTest, MaxResourcesThenOneMoreRoundAfterRound) {
  constexpr uint32_t kMax = 16384;
  START_OR_SKIP({DisplayOutput{640, 480, true}}, "[limits]\nmax_resources = 16384\n");
  std::vector<Bytes> create, unref;
  for (uint32_t id = 1; id <= kMax + 1; ++id) {
    create.push_back(cmd::resource_create_2d(id, kXrgb, 4, 4));
    unref.push_back(cmd::resource_unref(id));
  }
  unref.pop_back();
  for (int round = 0; round < kRounds; ++round) {
    const std::vector<uint32_t> created = run_batched(*s_.gpu, create);
    ASSERT_EQ(created.size(), size_t{kMax} + 1);
    size_t ok = 0;
    for (uint32_t t : created) ok += t == kOk;
    EXPECT_EQ(ok, kMax) << "round " << round;
    EXPECT_EQ(created.back(), kErrOom) << "round " << round << ": resource " << kMax + 1 << " got "
                                       << response_name(created.back());
    EXPECT_EQ(stats_.read(*s_.backend).get<uint64_t>("resources"), kMax);
    const std::vector<uint32_t> gone = run_batched(*s_.gpu, unref);
    EXPECT_EQ(size_t(std::count(gone.begin(), gone.end(), kOk)), size_t{kMax}) << "round " << round;
    end_round(round);
  }
  EXPECT_TRUE(s_.clean());
}

// The host-memory cap (8 MiB) hit again and again by 256x256 resources with backing, each
// filled by a transfer (so the daemon really touches their pages): the same number fits every
// round, the next one gets ERR_OUT_OF_MEMORY, and everything is given back.
TEST_F(LimitsTest, HostMemoryCapHitAgainAndAgainWithTheSameCount) {
  constexpr uint64_t kCap = 8 << 20;
  constexpr uint32_t kSide = 256;
  constexpr uint64_t kBytes = uint64_t{kSide} * kSide * 4;
  START_OR_SKIP({DisplayOutput{640, 480, true}}, "[limits]\nhost_memory_mib = 8\n");
  GuestDriver& gpu = *s_.gpu;
  std::optional<size_t> first_count;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::unique_ptr<Framebuffer>> fbs;
    uint32_t refused = 0;
    for (uint32_t id = 1; id <= 2 * kCap / kBytes && refused == 0; ++id) {
      auto fb = std::make_unique<Framebuffer>(gpu, id, kSide, kSide);
      fb->draw_pattern(id);
      uint32_t t = fb->create();
      if (t == kOk) {
        fbs.push_back(std::move(fb));
        t = fbs.back()->attach();
        if (t == kOk) t = fbs.back()->transfer(fbs.back()->whole());
      }
      if (t != kOk) {
        ASSERT_EQ(t, kErrOom) << "round " << round << ", resource " << id << ": " << response_name(t);
        refused = id;
      }
    }
    ASSERT_NE(refused, 0u) << "round " << round << ": twice the cap fitted";
    const auto at_cap = stats_.read(*s_.backend);
    const uint64_t host_bytes = at_cap.get<uint64_t>("host_bytes");
    EXPECT_LE(host_bytes, kCap);
    EXPECT_GT(host_bytes + kBytes, kCap) << "refused while a whole resource still fitted";
    const size_t complete = refused - 1;  // resources that got everything
    std::printf("round %d: %zu resources of %llu KiB fit (host_bytes %llu), resource %u refused\n", round, complete,
                static_cast<unsigned long long>(kBytes >> 10), static_cast<unsigned long long>(host_bytes), refused);
    if (!first_count) first_count = complete;
    EXPECT_EQ(complete, *first_count) << "round " << round << " fitted a different number";
    for (auto& fb : fbs) ASSERT_EQ(fb->unref(), kOk);
    fbs.clear();
    end_round(round);
  }
  EXPECT_TRUE(s_.clean());
}

// max_blob_views (64 here) blob dumb buffers as Linux makes them (scattered pages: each view
// maps several runs of the guest's memory file), then one more: ERR_OUT_OF_MEMORY; the views'
// mappings are really there at the cap and really gone after the unrefs.
TEST_F(LimitsTest, BlobViewsUpToTheCapThenOneMore) {
  constexpr uint32_t kCap = 64;
  START_OR_SKIP({DisplayOutput{640, 480, true}}, "blob = \"blob.guest\"\n[limits]\nmax_blob_views = 64\n",
                vu::bit(vu::kFeatureResourceBlob));
  ASSERT_TRUE(s_.vmm->has_feature(vu::kFeatureResourceBlob)) << s_.diagnostics();
  GuestDriver& gpu = *s_.gpu;
  for (int round = 0; round < kRounds; ++round) {
    const unsigned mappings_before = footprint(s_.backend->pid()).mappings;
    std::vector<std::unique_ptr<BlobDumbBuffer>> blobs;
    for (uint32_t id = 1; id <= kCap + 1; ++id) {
      blobs.push_back(std::make_unique<BlobDumbBuffer>(gpu, id, 64, 64));  // 4 pages
      const uint32_t t = blobs.back()->create();
      if (id <= kCap) {
        ASSERT_EQ(t, kOk) << "round " << round << ", blob " << id;
      } else {
        EXPECT_EQ(t, kErrOom) << "round " << round << ": blob " << id << " over max_blob_views got " << response_name(t);
        blobs.pop_back();
      }
    }
    const unsigned mappings_at_cap = footprint(s_.backend->pid()).mappings;
    EXPECT_EQ(stats_.read(*s_.backend).get<uint64_t>("blob_views"), kCap) << "round " << round;
    EXPECT_GE(mappings_at_cap, mappings_before + kCap) << "the views are not mappings of guest memory?";
    // The cap holds while one blob is shown: a flip to a new buffer needs a view too.
    ASSERT_EQ(gpu.set_scanout_blob(0, 1, {0, 0, 64, 64}, 64, 64, kXrgb, 64 * 4), kOk);
    ASSERT_EQ(gpu.resource_flush(1, {0, 0, 64, 64}, with_fence(uint64_t(round) + 1)), kOk);
    for (auto& b : blobs) ASSERT_EQ(b->unref(), kOk);
    blobs.clear();
    end_round(round);
  }
  EXPECT_NE(s_.backend->log().find("max_blob_views"), std::string::npos) << "no log line names the limit";
  EXPECT_TRUE(s_.clean());
}

// max_blob_mappings (130 here): each blob is charged its pieces (one per run of guest pages:
// the frontend scatters them as a guest's allocator does), so the blob whose runs would take the
// total past 130 gets ERR_OUT_OF_MEMORY (predicted from its entries, every round), and a
// one-run blob that still fits is taken.
TEST_F(LimitsTest, BlobMappingsUpToTheCapThenOneMore) {
  constexpr uint64_t kCap = 130;  // not a multiple of a blob's runs: a one-run blob fits after the refusal
  START_OR_SKIP({DisplayOutput{640, 480, true}}, "blob = \"blob.guest\"\n[limits]\nmax_blob_mappings = 130\n",
                vu::bit(vu::kFeatureResourceBlob));
  ASSERT_TRUE(s_.vmm->has_feature(vu::kFeatureResourceBlob)) << s_.diagnostics();
  GuestDriver& gpu = *s_.gpu;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::unique_ptr<BlobDumbBuffer>> blobs;
    uint64_t charged = 0;
    uint32_t refused = 0;
    for (uint32_t id = 1; refused == 0 && id < 1000; ++id) {
      auto b = std::make_unique<BlobDumbBuffer>(gpu, id, 128, 64);  // 8 pages, scattered
      const uint64_t runs = b->entries().size();
      const uint32_t t = b->create();
      if (charged + runs <= kCap) {
        ASSERT_EQ(t, kOk) << "round " << round << ", blob " << id << ": " << charged << " + " << runs << " mappings fit";
        charged += runs;
        blobs.push_back(std::move(b));
      } else {
        EXPECT_EQ(t, kErrOom) << "round " << round << ", blob " << id << ": " << charged << " + " << runs
                              << " mappings exceed " << kCap << " but it got " << response_name(t);
        refused = id;
      }
    }
    ASSERT_NE(refused, 0u);
    EXPECT_EQ(stats_.read(*s_.backend).get<uint64_t>("blob_mappings"), charged) << "round " << round;
    std::printf("round %d: %llu mappings charged to %u blobs, blob %u refused\n", round,
                static_cast<unsigned long long>(charged), refused - 1, refused);
    // What is left below the cap still serves a blob of one run.
    EXPECT_LT(charged, kCap);
    {
      BlobDumbBuffer one(gpu, 2000, 32, 32, Placement::Contiguous);  // 1 page
      EXPECT_EQ(one.create(), kOk) << "round " << round << ": " << charged << " + 1 mapping fits " << kCap;
      EXPECT_EQ(one.unref(), kOk);
    }
    for (auto& b : blobs) ASSERT_EQ(b->unref(), kOk);
    blobs.clear();
    end_round(round);
  }
  EXPECT_NE(s_.backend->log().find("max_blob_mappings"), std::string::npos) << "no log line names the limit";
  EXPECT_TRUE(s_.clean());
}

// Caps above what the kernel gives the process are said at start-up, with the fix: the open
// file limit (lowered to 1024 for the daemon here) against max_blob_views, vm.max_map_count
// against max_blob_mappings. The defaults fit both and say nothing.
TEST(VugpuLimitsAtStartUp, CapsAboveTheKernelsLimitsAreWarnedAbout) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit lowered = saved;
  lowered.rlim_cur = std::min<rlim_t>(saved.rlim_cur, 1024);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);  // the daemon inherits it
  const auto start = [](const std::string& toml) {
    auto lookup = vugpu_lookup_with_config({DisplayOutput{640, 480, true}}, "blob = \"blob.guest\"\n" + toml);
    return lookup.command ? std::make_unique<BackendProcess>(*lookup.command) : nullptr;
  };
  const auto serving = [](BackendProcess& b) {
    return eventually([&] { return b.log().find("serving") != std::string::npos || !b.alive(); }, Millis(10000));
  };
  auto over = start("[limits]\nmax_blob_views = 1000\nmax_blob_mappings = 16000000\n");
  auto defaults = start("");
  ::setrlimit(RLIMIT_NOFILE, &saved);
  if (!over || !defaults) GTEST_SKIP() << "the daemon is not built";
  ASSERT_TRUE(serving(*over)) << over->log();
  ASSERT_TRUE(serving(*defaults)) << defaults->log();
  const std::string log = over->log();
  EXPECT_NE(log.find("max_blob_views = 1000 does not leave the daemon"), std::string::npos) << log;
  EXPECT_NE(log.find("(RLIMIT_NOFILE)"), std::string::npos) << log;
  EXPECT_NE(log.find("max_blob_mappings = 16000000 does not leave the daemon"), std::string::npos) << log;
  EXPECT_NE(log.find("vm.max_map_count"), std::string::npos) << log;
  EXPECT_EQ(defaults->log().find("does not leave the daemon"), std::string::npos) << defaults->log();
  EXPECT_TRUE(over->alive()) << "a warning, not a refusal";
}

}  // namespace
}  // namespace vugpu::itest
