// Bad input from the guest: descriptors outside guest RAM, looping chains (direct and
// indirect), malformed indirect tables, truncated and oversized commands, absurd sizes and
// rectangles, wild avail indexes. The daemon must survive, refuse what it cannot do with the
// right answer (a bad chain comes back with 0 bytes written; a bad command gets its
// VIRTIO_GPU_RESP_ERR_*), and still answer a good command afterwards.
#include <gtest/gtest.h>
#include <iostream>
#include <linux/virtio_gpu.h>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
constexpr auto kHdr = uint32_t(sizeof(virtio_gpu_ctrl_hdr));
constexpr uint32_t kUnspec = VIRTIO_GPU_RESP_ERR_UNSPEC;
constexpr uint32_t kInvalidParameter = VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;

class VugpuGuestInput : public ::testing::Test {
 protected:
  void start(VmmOptions o = {}, const std::string& extra_toml = "") {
    VUGPU_START_OR_SKIP(s_, {{640, 480, true}}, extra_toml);
    o.display.outputs = {{640, 480, true}};
    s_.connect(o);
    // Room for a response, reused by the hand-made chains.
    response_ = s_.vmm->allocator().allocate(4096);
    request_ = s_.vmm->allocator().allocate(4096);
    const Bytes info = cmd::get_display_info();
    request_.write(0, info);
  }
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
    if (s_.backend) {
      EXPECT_TRUE(s_.backend->alive()) << s_.diagnostics();
    }
  }
  GuestDriver& gpu() { return *s_.gpu; }

  // The guest's next good command is answered: the daemon is alive and the queue runs.
  void expect_still_serving() {
    ASSERT_TRUE(s_.backend->alive()) << s_.diagnostics();
    auto c = gpu().wait(gpu().submit(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info)),
                        Millis(3000));
    ASSERT_TRUE(c) << "no answer to GET_DISPLAY_INFO after the bad input\n" << s_.diagnostics();
    EXPECT_EQ(c->type(), uint32_t(VIRTIO_GPU_RESP_OK_DISPLAY_INFO));
  }
  // A hand-made chain comes back with 0 bytes written (refused whole) within a second.
  void expect_refused_chain(std::vector<Descriptor> descs, Queue q = Queue::Control) {
    const Ticket t = gpu().submit_descriptors(q, std::move(descs));
    auto c = gpu().wait(t, Millis(1000));
    ASSERT_TRUE(c) << "the bad chain never came back\n" << s_.diagnostics();
    EXPECT_EQ(c->written, 0u);
    EXPECT_TRUE(s_.vmm->queue(q).errors().empty()) << s_.diagnostics();
  }
  Descriptor good_request() const { return {request_.gpa(), kHdr, kDescNext, 1}; }
  Descriptor good_response() const { return {response_.gpa(), 1024, kDescWrite, 0}; }

  Session s_;
  GuestAllocation request_, response_;
};

TEST_F(VugpuGuestInput, RequestOutsideGuestRam) {
  start();
  expect_refused_chain({{s_.vmm->ram().unmapped_gpa(), kHdr, kDescNext, 1}, good_response()});
  expect_still_serving();
}

TEST_F(VugpuGuestInput, ResponseOutsideGuestRam) {
  start();
  expect_refused_chain({good_request(), {s_.vmm->ram().unmapped_gpa(), 1024, kDescWrite, 0}});
  expect_still_serving();
}

TEST_F(VugpuGuestInput, BuffersThatWrapOrRunPastTheEnd) {
  start();
  expect_refused_chain({{~uint64_t{0} - 15, 32, kDescNext, 1}, good_response()});  // wraps 64 bits
  expect_refused_chain({{request_.gpa(), 0xffffffffu, kDescNext, 1}, good_response()});
  expect_refused_chain({{s_.vmm->ram().size() - 8, kHdr, kDescNext, 1}, good_response()});  // past the end
  expect_still_serving();
}

TEST_F(VugpuGuestInput, BufferCrossingIntoTheHoleBetweenRegions) {
  VmmOptions o;
  o.ram_regions = 2;
  start(o);
  const uint64_t end_of_low = s_.vmm->ram().regions()[0].size;
  expect_refused_chain({{end_of_low - 8, kHdr, kDescNext, 1}, good_response()});
  expect_still_serving();
}

// "Does not spin": after the looping chains came back, every thread of the daemon goes back to
// sleep in poll() (a thread walking a loop never sleeps), seen several times in a row.
TEST_F(VugpuGuestInput, LoopingChainsComeBackAndDoNotSpin) {
  start();
  expect_refused_chain({good_request(), {request_.gpa() + 64, 8, kDescNext, 0}});     // 0 -> 1 -> 0
  expect_refused_chain({{request_.gpa(), kHdr, kDescNext, 0}});                       // 0 -> 0
  expect_refused_chain({good_request(), {response_.gpa(), 64, kDescWrite | kDescNext, 1}});  // 0 -> 1 -> 1
  EXPECT_TRUE(wait_until_idle(*s_.backend, ~0u, Millis(30000), 20)) << "the daemon spins after a looping chain";
  expect_still_serving();
}

TEST_F(VugpuGuestInput, NextIndexOutsideTheTable) {
  start();
  expect_refused_chain({good_request(), {response_.gpa(), 64, kDescWrite | kDescNext, GuestDriver::kLiteralNext | 0x7fff}});
  expect_still_serving();
}

TEST_F(VugpuGuestInput, ReadableBufferAfterAWritableOne) {
  start();
  expect_refused_chain({{response_.gpa(), 64, kDescWrite | kDescNext, 1}, {request_.gpa(), kHdr, 0, 0}});
  expect_still_serving();
}

class VugpuIndirect : public VugpuGuestInput {
 protected:
  void SetUp() override {
    VmmOptions o;
    o.indirect_desc = true;
    start(o);
    if (!s_.backend) return;
    ASSERT_TRUE(s_.vmm->has_feature(vu::kFeatureIndirectDesc));
    table_ = s_.vmm->allocator().allocate(4096);
  }
  // One INDIRECT descriptor pointing at `entries` written into the table.
  void expect_refused_table(const std::vector<Descriptor>& entries, uint16_t head_flags = kDescIndirect,
                            uint32_t len = 0) {
    for (size_t i = 0; i < entries.size(); ++i) table_.write(16 * i, {reinterpret_cast<const uint8_t*>(&entries[i]), 16});
    const uint32_t table_len = len ? len : uint32_t(16 * entries.size());
    expect_refused_chain({{table_.gpa(), table_len, head_flags, 0}});
  }
  GuestAllocation table_;
};

TEST_F(VugpuIndirect, GoodTableWorks) {
  // The control case: the same table, well formed, gets its answer.
  const Descriptor entries[2] = {{request_.gpa(), kHdr, kDescNext, 1}, good_response()};
  for (int i = 0; i < 2; ++i) table_.write(16 * i, {reinterpret_cast<const uint8_t*>(&entries[i]), 16});
  auto c = gpu().wait(gpu().submit_descriptors(Queue::Control, {{table_.gpa(), 32, kDescIndirect, 0}}));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->written, sizeof(virtio_gpu_resp_display_info));
}

TEST_F(VugpuIndirect, LoopInsideTheTable) {
  expect_refused_table({{request_.gpa(), kHdr, kDescNext, 1}, {response_.gpa(), 64, kDescWrite | kDescNext, 0}});
  expect_still_serving();
}

TEST_F(VugpuIndirect, NestedIndirect) {
  expect_refused_table({{table_.gpa(), 32, kDescIndirect, 0}});
  expect_still_serving();
}

TEST_F(VugpuIndirect, MalformedTables) {
  expect_refused_table({good_request(), good_response()}, kDescIndirect, 20);            // not a multiple of 16
  expect_refused_table({good_request(), good_response()}, kDescIndirect, 0x7ffffff0);    // far too big
  expect_refused_table({good_request(), good_response()}, kDescIndirect | kDescNext);    // INDIRECT with NEXT
  expect_refused_table({good_request(), {response_.gpa(), 64, kDescWrite | kDescNext, 9}});  // next past the table
  expect_refused_chain({{s_.vmm->ram().unmapped_gpa(), 32, kDescIndirect, 0}});           // table outside RAM
  expect_still_serving();
}

TEST_F(VugpuGuestInput, IndirectWithoutNegotiatingIt) {
  start();  // indirect_desc not asked for
  ASSERT_FALSE(s_.vmm->has_feature(vu::kFeatureIndirectDesc));
  GuestAllocation table = s_.vmm->allocator().allocate(4096);
  const Descriptor entries[2] = {good_request(), good_response()};
  table.write(0, {reinterpret_cast<const uint8_t*>(entries), 32});
  expect_refused_chain({{table.gpa(), 32, kDescIndirect, 0}});
  expect_still_serving();
}

// Every command, cut short at every length below its fixed size: ERR_UNSPEC with a full
// header, whatever the cut, and whichever way the request is split over descriptors.
TEST_F(VugpuGuestInput, TruncatedCommandsGetUnspec) {
  start();
  const std::vector<Bytes> commands = {
      cmd::get_display_info(), cmd::get_edid(0), cmd::resource_create_2d(1, 2, 4, 4), cmd::resource_unref(1),
      cmd::set_scanout(0, 1, {0, 0, 4, 4}), cmd::resource_flush(1, {0, 0, 4, 4}),
      cmd::transfer_to_host_2d(1, {0, 0, 4, 4}, 0), cmd::attach_backing(1, {}), cmd::detach_backing(1),
      cmd::get_capset_info(0), cmd::get_capset(1, 1), cmd::resource_assign_uuid(1)};
  int checked = 0;
  for (const Bytes& full : commands) {
    for (size_t len = 0; len < full.size(); ++len) {
      const ChainLayout layout{unsigned(len % 3) + 1, 1, false, Placement::Contiguous};
      Completion c = gpu().execute(Queue::Control, std::span(full).first(len), 1024, layout);
      EXPECT_EQ(c.type(), kUnspec) << command_name(response_type(full)) << " cut to " << len << " bytes: "
                                   << response_name(c.type());
      EXPECT_EQ(c.written, kHdr);
      ++checked;
    }
  }
  EXPECT_GT(checked, 400);
  // ATTACH_BACKING whose entries are cut short (the resource exists): refused, nothing attached.
  ASSERT_EQ(gpu().resource_create_2d(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 32, 32), kOk);
  const Extent pages[2] = {{0x100000, 2048}, {0x102000, 2048}};
  const Bytes attach = cmd::attach_backing(1, pages);
  for (size_t len = sizeof(virtio_gpu_resource_attach_backing); len < attach.size(); ++len)
    EXPECT_NE(gpu().simple(std::span(attach).first(len)), kOk) << "ATTACH_BACKING cut to " << len << " bytes";
  EXPECT_NE(gpu().transfer_to_host_2d(1, {0, 0, 32, 32}, 0), kOk) << "a cut ATTACH_BACKING attached something";
  // Cursor commands cut short: refused too, and the cursor queue keeps going.
  const Bytes move = cmd::move_cursor(0, 1, 1, 0);
  for (size_t len = 0; len < move.size(); len += 7) gpu().execute(Queue::Cursor, std::span(move).first(len), 0);
  gpu().move_cursor(0, 5, 5, 0);
  expect_still_serving();
}

TEST_F(VugpuGuestInput, OversizedCommands) {
  start();
  // Trailing bytes after a complete command: the command is read, the rest ignored or refused
  // -- either way a whole, well-formed answer.
  Bytes padded = cmd::get_display_info();
  padded.resize(padded.size() + 4096, 0xab);
  Completion c = gpu().execute(Queue::Control, padded, sizeof(virtio_gpu_resp_display_info));
  EXPECT_TRUE(c.type() == VIRTIO_GPU_RESP_OK_DISPLAY_INFO || c.type() == kUnspec) << response_name(c.type());
  // A 16 MiB request: refused.
  Bytes huge = cmd::resource_flush(1, {0, 0, 1, 1});
  huge.resize(16u << 20, 0);
  c = gpu().execute(Queue::Control, huge, kHdr, {4, 1, false, Placement::Contiguous});
  EXPECT_NE(c.type(), kOk) << "a 16 MiB RESOURCE_FLUSH was accepted";
  // ATTACH_BACKING announcing a million entries with one present: refused, nothing allocated.
  ASSERT_EQ(gpu().resource_create_2d(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 64, 64), kOk);
  const Extent e{0x200000, 4096};
  EXPECT_NE(gpu().simple(cmd::attach_backing_claiming(1, 1u << 20, {&e, 1})), kOk);
  EXPECT_NE(gpu().simple(cmd::attach_backing_claiming(1, 0xffffffffu, {&e, 1})), kOk);
  // A response buffer too small for a header: nothing half written beyond it.
  c = gpu().execute(Queue::Control, cmd::get_display_info(), 8);
  EXPECT_LE(c.written, 8u);
  expect_still_serving();
}

TEST_F(VugpuGuestInput, AbsurdResourcesAndRectangles) {
  start({}, "[limits]\nhost_memory_mib = 64\nmax_resources = 32\n");
  const uint32_t fmt = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;
  EXPECT_EQ(gpu().resource_create_2d(0, fmt, 16, 16), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID));
  EXPECT_EQ(gpu().resource_create_2d(1, fmt, 0, 16), kInvalidParameter);
  EXPECT_EQ(gpu().resource_create_2d(1, 999, 16, 16), kInvalidParameter);
  EXPECT_NE(gpu().resource_create_2d(1, fmt, 65536, 65536), kOk);
  EXPECT_NE(gpu().resource_create_2d(1, fmt, 0x40000000, 4), kOk) << "width * 4 overflows 32 bits";
  EXPECT_EQ(gpu().resource_create_2d(1, fmt, 8192, 8192), uint32_t(VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY))
      << "256 MiB over a 64 MiB host memory limit";

  Framebuffer fb(gpu(), 2, 64, 64);
  ASSERT_EQ(fb.create(), kOk);
  ASSERT_EQ(fb.attach(), kOk);
  for (GpuRect r : {GpuRect{0, 0, 65, 64}, GpuRect{60, 0, 8, 8}, GpuRect{0xffffff00u, 0, 0x200, 8},
                    GpuRect{0, 0xfffffff0u, 8, 0x20}}) {
    EXPECT_EQ(gpu().transfer_to_host_2d(2, r, 0), kInvalidParameter) << r.x << "," << r.y << " " << r.width << "x" << r.height;
    EXPECT_EQ(gpu().resource_flush(2, r), kInvalidParameter);
    EXPECT_EQ(gpu().set_scanout(0, 2, r), kInvalidParameter);
  }
  EXPECT_NE(gpu().transfer_to_host_2d(2, {0, 0, 8, 8}, uint64_t(1) << 40), kOk) << "offset far past the backing";
  EXPECT_EQ(gpu().set_scanout(16, 2, {0, 0, 8, 8}), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID));
  EXPECT_EQ(gpu().set_scanout(0xffffffffu, 2, {0, 0, 8, 8}), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID));
  EXPECT_EQ(gpu().set_scanout(0, 77, {0, 0, 8, 8}), uint32_t(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID));
  // Backing that is not guest RAM.
  ASSERT_EQ(gpu().resource_create_2d(3, fmt, 16, 16), kOk);
  const Extent outside{s_.vmm->ram().unmapped_gpa(), 1024};
  EXPECT_NE(gpu().attach_backing(3, {&outside, 1}), kOk);
  // The resource limit: 32 alive at once (2 exist).
  uint32_t created = 0, refused = 0;
  for (uint32_t id = 100; id < 140; ++id) {
    const uint32_t r = gpu().resource_create_2d(id, fmt, 4, 4);
    created += r == kOk;
    refused += r == VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
  }
  EXPECT_EQ(created, 30u);
  EXPECT_EQ(refused, 10u);
  EXPECT_EQ(gpu().resource_unref(100), kOk);
  EXPECT_EQ(gpu().resource_create_2d(200, fmt, 4, 4), kOk) << "an unref makes room again";
  expect_still_serving();
}

TEST_F(VugpuGuestInput, CommandsOnTheWrongQueue) {
  start();
  Completion c = gpu().execute(Queue::Cursor, cmd::resource_create_2d(1, 2, 4, 4), kHdr);
  EXPECT_NE(c.type(), kOk);
  EXPECT_NE(gpu().simple(cmd::move_cursor(0, 1, 1, 0)), kOk);
  EXPECT_EQ(gpu().resource_create_2d(1, 2, 4, 4), kOk) << "the create on the cursor queue must not have happened";
  expect_still_serving();
}

// Avail indexes the device cannot trust stop the queue; the other queue, the daemon, and the
// next VMM are unaffected.
TEST_F(VugpuGuestInput, AvailIndexJumpingPastTheQueueSize) {
  start();
  SplitVirtqueue& q = s_.vmm->queue(Queue::Control);
  q.set_avail_idx(uint16_t(q.avail_idx() + 1000));
  s_.vmm->kick(Queue::Control);
  // The daemon stops the queue and says so on its error eventfd (SET_VRING_ERR).
  ASSERT_EQ(s_.vmm->wait_queue_error(Queue::Control, Deadline(Millis(30000))), WaitResult::Done) << s_.diagnostics();
  ASSERT_TRUE(s_.backend->alive()) << s_.diagnostics();
  gpu().move_cursor(0, 3, 3, 0);  // the cursor queue still runs
  s_.connect(VmmOptions{});       // and the next VMM gets a working device
  expect_still_serving();
}

TEST_F(VugpuGuestInput, HeadIndexOutsideTheTable) {
  start();
  s_.vmm->queue(Queue::Control).publish_raw(9999);
  s_.vmm->kick(Queue::Control);
  ASSERT_EQ(s_.vmm->wait_queue_error(Queue::Control, Deadline(Millis(30000))), WaitResult::Done) << s_.diagnostics();
  ASSERT_TRUE(s_.backend->alive()) << s_.diagnostics();
  gpu().move_cursor(0, 3, 3, 0);
  s_.connect(VmmOptions{});
  expect_still_serving();
}

TEST_F(VugpuGuestInput, ManyBadChainsAreLoggedButRateLimited) {
  start();
  for (int i = 0; i < 200; ++i) {
    gpu().submit_descriptors(Queue::Control, {{s_.vmm->ram().unmapped_gpa(), kHdr, 0, 0}}, false);
    if (i % 50 == 49) {
      s_.vmm->kick(Queue::Control);
      ASSERT_TRUE(gpu().wait_all(Millis(3000)));
    }
  }
  expect_still_serving();
  s_.vmm->disconnect();  // the daemon flushes its guest-error log when the VMM goes
  std::string log;
  eventually([&] { return (log = s_.backend->log()).find("outside guest memory") != std::string::npos; });
  size_t lines = 0;
  for (size_t at = 0; (at = log.find("outside guest memory", at)) != std::string::npos; ++at) ++lines;
  EXPECT_GE(lines, 1u) << "bad chains leave no trace in the log:\n" << log;
  EXPECT_LT(lines, 50u) << "200 bad chains, " << lines << " log lines: not rate-limited";
}

}  // namespace
}  // namespace vugpu::itest
