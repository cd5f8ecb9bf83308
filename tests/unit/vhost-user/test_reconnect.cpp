// Listening, reconnecting, and what must not leak over connect/disconnect cycles: fds (socket,
// kick/call/err eventfds, region memfds, display socket) and guest memory mappings.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include "test_support.hpp"
#include "vhost-user/server.hpp"
#include "vhost_frontend.hpp"

namespace vugpu {
namespace {

using namespace vhost;
using namespace std::chrono_literals;
using test::DriverRing;
using test::GuestRam;

constexpr uint64_t kFeatures = bit(kFeatureVersion1) | bit(kFeatureIndirectDesc) | bit(kFeatureEventIdx) |
                               bit(kFeatureProtocolFeatures);

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/vugpu-vhost-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

UniqueFd connect_to(const std::string& path) {
  UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return UniqueFd();
  return s;
}

// Lines of /proc/self/maps that map the test's guest RAM memfd.
size_t ram_mappings() {
  std::ifstream maps("/proc/self/maps");
  size_t n = 0;
  for (std::string line; std::getline(maps, line);)
    if (line.find("vugpu-test-ram") != std::string::npos) ++n;
  return n;
}

class ReconnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_path_ = dir_.path + "/gpu.sock";
    server_ = std::make_unique<VhostUserServer>(loop_, device_, memory_, log_, ServerOptions{socket_path_, -1, false, 500});
    server_->start();
  }

  // One VMM life: everything QEMU sets up at DRIVER_OK, one command, then it goes away.
  void vmm_session() {
    test::VhostFrontend fe(loop_, connect_to(socket_path_));
    ASSERT_TRUE(fe.pump_until([&] { return server_->connected(); }));
    fe.handshake(kFeatures);
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    UniqueFd vmm_display(sv[0]);
    const int display_fd[1] = {sv[1]};
    ASSERT_EQ(fe.acked(kGpuSetSocket, {}, display_fd), 0u);
    ::close(sv[1]);
    std::vector<uint8_t> table(sizeof(MemoryTableHeader) + 2 * sizeof(MemoryRegionDesc));
    const MemoryTableHeader h{2, 0};
    const MemoryRegionDesc lo{0, ram_.size() / 2, ram_.uva(0), 0};
    const MemoryRegionDesc hi{ram_.size() / 2, ram_.size() / 2, ram_.uva(ram_.size() / 2), ram_.size() / 2};
    std::memcpy(table.data(), &h, sizeof h);
    std::memcpy(table.data() + sizeof h, &lo, sizeof lo);
    std::memcpy(table.data() + sizeof h + sizeof lo, &hi, sizeof hi);
    const int fds[2] = {ram_.fd(), ram_.fd()};
    ASSERT_EQ(fe.acked(kSetMemTable, table, fds), 0u);
    DriverRing rings[2] = {{ram_, 64, 0x1000}, {ram_, 16, 0x3000}};
    UniqueFd kick[2], call[2], err[2];
    for (uint32_t q = 0; q < 2; ++q) {
      kick[q] = test::make_eventfd();
      call[q] = test::make_eventfd();
      err[q] = test::make_eventfd();
      ASSERT_EQ(fe.acked_struct(kSetVringNum, VringState{q, rings[q].num()}), 0u);
      ASSERT_EQ(fe.acked_struct(kSetVringBase, VringState{q, 0}), 0u);
      const VringAddr a{q, 0, ram_.uva(rings[q].desc_gpa()), ram_.uva(rings[q].used_gpa()),
                        ram_.uva(rings[q].avail_gpa()), 0};
      ASSERT_EQ(fe.acked_struct(kSetVringAddr, a), 0u);
      const int k[1] = {kick[q].get()}, c[1] = {call[q].get()}, e[1] = {err[q].get()};
      ASSERT_EQ(fe.acked_struct(kSetVringKick, uint64_t{q}, k), 0u);
      ASSERT_EQ(fe.acked_struct(kSetVringCall, uint64_t{q}, c), 0u);
      ASSERT_EQ(fe.acked_struct(kSetVringErr, uint64_t{q}, e), 0u);
      ASSERT_EQ(fe.acked_struct(kSetVringEnable, VringState{q, 1}), 0u);
    }
    rings[0].write_chain(0, {{0x100000, 24, 0}, {0x100800, 64, kDescFlagWrite}});
    rings[0].make_available(0);
    const uint64_t one = 1;
    ASSERT_EQ(::write(kick[0].get(), &one, 8), 8);
    ASSERT_TRUE(fe.pump_until([&] { return rings[0].used_idx() == 1; }));
    EXPECT_GT(ram_mappings(), 1u) << "the server mapped the RAM";
    ASSERT_NE(server_->vmm_display(), nullptr);
    fe.close();  // the VMM dies (its display socket end stays open a little longer)
    ASSERT_TRUE(fe.pump_until([&] { return !server_->connected(); }));
    EXPECT_EQ(server_->vmm_display(), nullptr);
  }

  TempDir dir_;
  std::string socket_path_;
  EventLoop loop_;
  test::CaptureLog log_;
  test::LoopbackDevice device_;
  GuestMemory memory_;
  GuestRam ram_{4 << 20};
  std::unique_ptr<VhostUserServer> server_;
};

TEST_F(ReconnectTest, NothingLeaksOverConnectDisconnectCycles) {
  vmm_session();  // warm-up: first-use allocations are not leaks
  if (HasFatalFailure()) return;
  const size_t fds = test::open_fd_count();
  const size_t maps = test::mapping_count();
  constexpr int kCycles = 20;
  for (int i = 0; i < kCycles; ++i) {
    vmm_session();
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(test::open_fd_count(), fds);
#if defined(__SANITIZE_ADDRESS__)
  (void)maps;  // ASan maps its own shadow and quarantine as it goes: only the RAM mappings count
  std::printf("note: total mapping count not compared under AddressSanitizer\n");
#else
  EXPECT_EQ(test::mapping_count(), maps);
#endif
  EXPECT_EQ(ram_mappings(), 1u) << "only the test's own mapping of guest RAM is left";
  EXPECT_EQ(memory_.region_count(), 0u);
  EXPECT_EQ(device_.resets, kCycles + 1);
  EXPECT_EQ(device_.seen.size(), size_t{kCycles + 1});
}

TEST_F(ReconnectTest, SecondVmmIsTurnedAwayWhileOneIsServed) {
  test::VhostFrontend first(loop_, connect_to(socket_path_));
  ASSERT_TRUE(first.pump_until([&] { return server_->connected(); }));
  UniqueFd second = connect_to(socket_path_);
  ASSERT_TRUE(second);
  first.pump(50ms);
  char c;
  EXPECT_EQ(::recv(second.get(), &c, 1, MSG_DONTWAIT), 0) << "closed at once, not left in the backlog";
  EXPECT_EQ(first.get_u64(kGetQueueNum), 2u) << "the first one is still served";
  EXPECT_TRUE(log_.contains("second VMM"));
}

// A VMM that reconnects at once: its new connection is ready before the end of file of the old
// one is read (here the listener is ready first: connect, then hang up, then one turn).
TEST_F(ReconnectTest, VmmThatHangsUpAndReconnectsInOneTurnIsServed) {
  UniqueFd first = connect_to(socket_path_);
  ASSERT_TRUE(first);
  loop_.run_once(100);  // accept
  ASSERT_TRUE(server_->connected());
  UniqueFd second = connect_to(socket_path_);
  ASSERT_TRUE(second);
  first.reset();
  test::VhostFrontend again(loop_, std::move(second));
  EXPECT_EQ(again.get_u64(kGetQueueNum), 2u) << "the new connection is served";
  EXPECT_FALSE(log_.contains("second VMM"));
}

TEST_F(ReconnectTest, OnceStopsTheLoopAfterTheFirstVmm) {
  TempDir d;
  const std::string path = d.path + "/once.sock";
  EventLoop loop;
  VhostUserServer server(loop, device_, memory_, log_, ServerOptions{path, -1, true, 500});
  server.start();
  UniqueFd vmm = connect_to(path);
  ASSERT_TRUE(vmm);
  loop.run_once(100);  // accept
  ASSERT_TRUE(server.connected());
  vmm.reset();
  bool returned = false;
  loop.post([&] {});  // run() must come back by itself once the VMM is gone
  returned = loop.run();
  EXPECT_TRUE(returned);
  EXPECT_FALSE(server.connected());
}

TEST(ServerSocket, StaleSocketIsReplacedLiveOneAndOtherFilesAreNot) {
  TempDir d;
  EventLoop loop;
  test::CaptureLog log;
  test::LoopbackDevice device;
  GuestMemory memory;
  const std::string path = d.path + "/s";
  {  // a socket file nobody listens on (a backend that died)
    UniqueFd dead(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    ASSERT_EQ(::bind(dead.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  VhostUserServer first(loop, device, memory, log, ServerOptions{path, -1, false, 500});
  EXPECT_NO_THROW(first.start());
  EXPECT_TRUE(connect_to(path)) << "listening on the reused path";

  VhostUserServer second(loop, device, memory, log, ServerOptions{path, -1, false, 500});
  EXPECT_THROW(second.start(), std::runtime_error) << "another backend listens there";

  const std::string file = d.path + "/regular";
  std::ofstream(file) << "data";
  VhostUserServer third(loop, device, memory, log, ServerOptions{file, -1, false, 500});
  EXPECT_THROW(third.start(), std::runtime_error);
  EXPECT_TRUE(std::filesystem::exists(file)) << "a non-socket is never removed";

  VhostUserServer fourth(loop, device, memory, log, ServerOptions{d.path + "/" + std::string(120, 'x'), -1, false, 500});
  EXPECT_THROW(fourth.start(), std::runtime_error) << "path longer than sun_path";
}

TEST(ServerSocket, AdoptedFdMustBeAUnixStreamSocket) {
  EventLoop loop;
  test::CaptureLog log;
  test::LoopbackDevice device;
  GuestMemory memory;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[1]);
  VhostUserServer server(loop, device, memory, log, ServerOptions{"", p[0], false, 500});
  EXPECT_THROW(server.start(), std::runtime_error);
}

}  // namespace
}  // namespace vugpu
