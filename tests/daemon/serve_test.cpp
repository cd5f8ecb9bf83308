// The daemon serving: it listens (or adopts --fd), writes its counters on SIGUSR1, stops
// cleanly on SIGTERM/SIGINT (presenters shut down, exit 0), and leaves after the VMM with
// --once / --fd.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <thread>
#include "daemon_test_support.hpp"

namespace vugpu::test {
namespace {

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string test_config(const TempDir& dir) {
  return dir.file("c.toml", "renderer = \"test.valid-renderer\"\npresenters = [\"test.valid-presenter\"]\n");
}

int connect_to(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(Serve, StatsOnSigusr1AndCleanExitOnSigterm) {
  TempDir dir;
  const auto socket = (dir.path() / "gpu.sock").string();
  const auto stats = (dir.path() / "stats.json").string();
  ChildProcess vugpu({kVugpu, "--config", test_config(dir), "--socket-path", socket, "--stats-file", stats},
                     plugins_from(test_plugin_dir()));
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(socket); })) << vugpu.wait().err;

  vugpu.signal(SIGUSR1);
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(stats); })) << "no stats file after SIGUSR1";
  boost::property_tree::ptree tree;
  boost::property_tree::read_json(stats, tree);
  EXPECT_EQ(tree.get<uint64_t>("bytes_copied"), 0u);
  EXPECT_EQ(tree.get<uint64_t>("commands"), 0u);
  EXPECT_EQ(tree.count("frames_presented"), 1u);

  vugpu.signal(SIGTERM);
  const auto r = vugpu.wait(std::chrono::seconds(3));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("SIGTERM: stopping"), std::string::npos) << r.err;
}

TEST(Serve, SigintStopsToo) {
  TempDir dir;
  const auto socket = (dir.path() / "gpu.sock").string();
  ChildProcess vugpu({kVugpu, "--config", test_config(dir), "--socket-path", socket}, plugins_from(test_plugin_dir()));
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(socket); }));
  vugpu.signal(SIGINT);
  const auto r = vugpu.wait(std::chrono::seconds(3));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Serve, OnceExitsWhenTheFirstVmmLeaves) {
  TempDir dir;
  const auto socket = (dir.path() / "gpu.sock").string();
  ChildProcess vugpu({kVugpu, "--config", test_config(dir), "--socket-path", socket, "--once"},
                     plugins_from(test_plugin_dir()));
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(socket); }));
  const int client = connect_to(socket);
  ASSERT_GE(client, 0);
  EXPECT_FALSE(vugpu.exited_within(std::chrono::milliseconds(200))) << "left while the VMM is connected";
  ::close(client);
  const auto r = vugpu.wait(std::chrono::seconds(3));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(Serve, AdoptedFdServesThatConnection) {
  TempDir dir;
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  ProcessOptions options = plugins_from(test_plugin_dir());
  options.pass_fd = pair[1];
  ChildProcess vugpu({kVugpu, "--config", test_config(dir), "--fd", "3"}, options);
  ::close(pair[1]);
  EXPECT_FALSE(vugpu.exited_within(std::chrono::milliseconds(300))) << "left while the VMM is connected";
  ::close(pair[0]);  // the VMM goes away: nothing else to serve on an adopted fd
  const auto r = vugpu.wait(std::chrono::seconds(3));
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// systemd socket activation passes a listening socket on --fd: vugpu accepts VMMs on it, one
// after another, and stays for the next (unlike a connected fd, which is the one VMM).
TEST(Serve, ListeningFdAcceptsOneVmmAfterAnother) {
  TempDir dir;
  const auto socket = (dir.path() / "activated.sock").string();
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket.c_str());
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ProcessOptions options = plugins_from(test_plugin_dir());
  options.pass_fd = listener;
  ChildProcess vugpu({kVugpu, "--config", test_config(dir), "--fd", "3", "--log-level", "debug"}, options);
  ::close(listener);

  for (int vmm = 0; vmm < 2; ++vmm) {
    const int client = connect_to(socket);
    ASSERT_GE(client, 0) << "VMM " << vmm << " could not connect";
    // A vhost-user GET_FEATURES (request 1, flags version 1, no payload): the answer proves
    // this connection was accepted and is served.
    const uint32_t header[3] = {1, 1, 0};
    ASSERT_EQ(::write(client, header, sizeof header), ssize_t(sizeof header));
    uint32_t reply[3] = {};
    uint64_t features = 0;
    ASSERT_EQ(::recv(client, reply, sizeof reply, MSG_WAITALL), ssize_t(sizeof reply)) << "VMM " << vmm;
    ASSERT_EQ(::recv(client, &features, sizeof features, MSG_WAITALL), ssize_t(sizeof features));
    EXPECT_EQ(reply[0], 1u);
    EXPECT_EQ(reply[2], sizeof features);
    ::close(client);
  }
  EXPECT_FALSE(vugpu.exited_within(std::chrono::milliseconds(300))) << "left after a VMM on a listening fd";
  vugpu.signal(SIGTERM);
  const auto r = vugpu.wait(std::chrono::seconds(3));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("accepting VMMs on the listening socket fd 3"), std::string::npos) << r.err;
}

TEST(Serve, FdThatIsNotASocketIsRefused) {
  TempDir dir;
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  ProcessOptions options = plugins_from(test_plugin_dir());
  options.pass_fd = pipe_fds[0];
  const auto r = run({kVugpu, "--config", test_config(dir), "--fd", "3"}, options);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--fd 3: not a UNIX stream socket"), std::string::npos) << r.err;
}

TEST(Serve, PresentersAreShutDownOnSigterm) {
  const std::string dir = real_plugin_dir();
  if (!built(dir, "present.headless")) GTEST_SKIP() << "present.headless not built in " << dir;
  TempDir tmp;
  const auto config = tmp.file("c.toml", "renderer = \"test.valid-renderer\"\npresenters = [\"present.headless\"]\n");
  const auto socket = (tmp.path() / "gpu.sock").string();
  ChildProcess vugpu({kVugpu, "--config", config, "--socket-path", socket},
                     plugins_from(dir + ":" + test_plugin_dir()));
  ASSERT_TRUE(wait_for([&] { return std::filesystem::exists(socket); }));
  vugpu.signal(SIGTERM);
  const auto r = vugpu.wait(std::chrono::seconds(3));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[present.headless] 0 frames presented"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vugpu::test
