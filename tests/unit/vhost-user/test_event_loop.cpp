// EventLoop's write-readiness watch (what the display channel's outgoing queue continues from):
// on_writable runs only while set and only when the socket has room; input, hang-up and errors
// still go to on_ready, and room alone never does.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <vector>
#include "loop/event_loop.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu {
namespace {

TEST(EventLoopWritable, RunsOnlyWhileSetAndOnlyWhenTheSocketHasRoom) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd ours(sv[0]), theirs(sv[1]);
  EventLoop loop;
  int readable = 0, writable = 0;
  const auto id = loop.watch(ours.get(), [&] {
    ++readable;
    char c;
    while (::recv(ours.get(), &c, 1, MSG_DONTWAIT) > 0) {
    }
  });
  loop.run_once(0);
  EXPECT_EQ(readable, 0) << "room to write is not input";

  loop.watch_writable(id, [&] { ++writable; });
  loop.run_once(0);
  EXPECT_EQ(writable, 1) << "an empty socket has room";
  EXPECT_EQ(readable, 0) << "room to write went to on_ready";

  std::vector<char> junk(65536, 'x');  // fill it: no more room
  while (::send(ours.get(), junk.data(), junk.size(), MSG_DONTWAIT) > 0) {
  }
  ASSERT_EQ(errno, EAGAIN);
  writable = 0;
  loop.run_once(0);
  EXPECT_EQ(writable, 0) << "a full socket has no room";

  while (::recv(theirs.get(), junk.data(), junk.size(), MSG_DONTWAIT) > 0) {  // the peer reads it all
  }
  loop.run_once(1000);
  EXPECT_EQ(writable, 1) << "the peer's reading made room";

  loop.watch_writable(id, nullptr);
  writable = 0;
  ASSERT_EQ(::send(theirs.get(), "a", 1, 0), 1);
  loop.run_once(1000);
  EXPECT_EQ(writable, 0) << "cleared, yet called";
  EXPECT_EQ(readable, 1) << "input still goes to on_ready";

  loop.watch_writable(id, [&] { ++writable; });
  theirs.reset();  // hang-up: both hear of it (the writer finds out when it writes)
  readable = writable = 0;
  loop.run_once(1000);
  EXPECT_EQ(readable, 1);
  EXPECT_EQ(writable, 1);
  loop.unwatch(id);
}

}  // namespace
}  // namespace vugpu
