// Bad input from the VMM side of the vhost-user socket: unknown requests, wrong sizes, bad
// flags, missing or extra fds, lying memory tables, broken ring setups, truncated messages,
// disconnects in the middle of a command, a second VMM, a display channel that never answers.
// The daemon must refuse (a nack, an empty reply) or drop the connection -- and stay up, leak
// no fd, and serve the next VMM.
#include <gtest/gtest.h>
#include <iostream>
#include <linux/virtio_gpu.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <thread>
#include "harness.hpp"

namespace vugpu::itest {
namespace {

constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
constexpr uint32_t kAsk = vu::kVersion | vu::kNeedReplyFlag;

enum class Outcome { Acked, Nacked, EmptyReply, OtherReply, Closed, NoAnswer };
const char* name(Outcome o) {
  switch (o) {
    case Outcome::Acked: return "acked (success)";
    case Outcome::Nacked: return "nacked";
    case Outcome::EmptyReply: return "empty reply";
    case Outcome::OtherReply: return "a reply with data";
    case Outcome::Closed: return "connection closed";
    case Outcome::NoAnswer: return "no answer";
  }
  return "?";
}

template <typename T>
Bytes bytes(const T& v) {
  Bytes b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

class VugpuVmmInput : public ::testing::Test {
 protected:
  void SetUp() override {
    VUGPU_START_OR_SKIP(s_, {{1280, 800, true}});
    fds_at_start_ = s_.backend->stats()->fd_count;
  }
  void TearDown() override {
    if (HasFailure() && s_.backend) std::cout << "--- diagnostics ---\n" << s_.diagnostics() << "\n";
    if (!s_.backend) return;
    EXPECT_TRUE(s_.backend->alive()) << s_.diagnostics();
  }

  // A VMM that only connected (realize() is up to the test).
  TestVmm& fresh(VmmOptions o = {}) {
    s_.connect(o, false);
    return *s_.vmm;
  }

  // Requests whose normal answer is a reply of their own (vhost-user.rst: "reply" column): an
  // 8-byte answer to these is data (features, a count, a vring base), not a REPLY_ACK.
  static bool answers_with_data(uint32_t request) {
    switch (request) {
      case vu::kGetFeatures:
      case vu::kGetProtocolFeatures:
      case vu::kGetQueueNum:
      case vu::kGetVringBase:
      case vu::kGetConfig:
      case vu::kGetMaxMemSlots:
      case vu::kGetStatus:
        return true;
      default:
        return false;
    }
  }

  // Sends one message and says what became of it. Only a u64 reply to a message that has no
  // reply of its own is an ack (0) or a nack (anything else); QEMU waits for an answer to what
  // it asked, so a silent daemon gets a generous 10 s before "no answer".
  Outcome judge(uint32_t request, std::span<const uint8_t> payload, std::span<const int> fds = {}, uint32_t flags = kAsk,
                std::optional<uint32_t> size = std::nullopt) {
    TestVmm& vmm = *s_.vmm;
    if (vmm.send(request, payload, fds, flags, size) != IoStatus::Ok) return Outcome::Closed;
    auto m = vmm.receive(Millis(10000));
    if (!m) return vmm.backend_gone() ? Outcome::Closed : Outcome::NoAnswer;
    if (m->header.request != request) return Outcome::OtherReply;
    if (m->payload.empty()) return Outcome::EmptyReply;
    if (m->payload.size() == 8 && !answers_with_data(request))
      return *m->as<uint64_t>() == 0 ? Outcome::Acked : Outcome::Nacked;
    return Outcome::OtherReply;
  }
  static bool refused(Outcome o) { return o == Outcome::Nacked || o == Outcome::EmptyReply || o == Outcome::Closed; }

  // Lines the daemon logged at warning level or above so far (it must say why it refused).
  size_t complaints() const {
    const std::string log = s_.backend->log();
    size_t n = 0;
    for (const char* level : {"[warning]", "[error]", "[critical]"})
      for (size_t at = 0; (at = log.find(level, at)) != std::string::npos; ++at) ++n;
    return n;
  }

  // A new VMM boots, shows a frame and reads display info: the daemon is fine.
  void expect_next_vmm_served() {
    ASSERT_TRUE(s_.backend->alive()) << s_.diagnostics();
    VmmOptions o;
    o.display.outputs = {{320, 200, true}};
    ASSERT_NO_THROW(s_.connect(o)) << s_.diagnostics();
    ASSERT_TRUE(s_.gpu->get_display_info());
    Framebuffer fb(*s_.gpu, 1, 320, 200);
    fb.draw_pattern(3);
    ASSERT_EQ(fb.show_on(0), kOk);
    EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
    EXPECT_TRUE(s_.clean());
  }
  // After the VMM left: the daemon holds no more fds than when it started, once it has handled
  // the hang-up (every thread back asleep with fds at the start count).
  void expect_no_fd_leak() {
    s_.vmm->disconnect();
    const auto idle = wait_until_idle(*s_.backend, fds_at_start_);
    EXPECT_TRUE(idle) << "fds leaked across the connection: " << s_.backend->stats()->fd_count << " open, "
                      << fds_at_start_ << " at the start\n"
                      << s_.diagnostics();
  }

  Session s_;
  unsigned fds_at_start_ = 0;
};

TEST_F(VugpuVmmInput, UnknownRequestsAreNacked) {
  fresh().realize();
  for (uint32_t req : {0u, 35u, 44u, 99u, 0x7fffffffu}) {
    const size_t before = complaints();
    const Outcome o = judge(req, {});
    EXPECT_TRUE(refused(o)) << "request " << req << ": " << name(o);
    EXPECT_GT(complaints(), before) << "request " << req << " refused without a word in the log";
    if (o == Outcome::Closed) fresh().realize();
  }
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, WrongPayloadSizesAreRefused) {
  const uint64_t zero = 0;
  struct Case {
    uint32_t request;
    size_t size;
  } cases[] = {{vu::kSetFeatures, 4},  {vu::kSetFeatures, 16},      {vu::kSetVringNum, 0},  {vu::kSetVringNum, 4},
               {vu::kSetVringAddr, 8}, {vu::kSetVringBase, 12},     {vu::kSetVringEnable, 2}, {vu::kSetProtocolFeatures, 7},
               {vu::kSetVringCall, 4}, {vu::kGetConfig, 4},         {vu::kSetOwner, 8},
               // requests with a reply of their own: a daemon that answered them anyway would send an
               // 8-byte answer, which must not pass as a nack
               {vu::kGetFeatures, 8},  {vu::kGetProtocolFeatures, 8}, {vu::kGetQueueNum, 4}, {vu::kGetMaxMemSlots, 8}};
  fresh().realize();
  for (const Case& c : cases) {
    Bytes payload(c.size, 0);
    if (!payload.empty()) std::memcpy(payload.data(), &zero, std::min(c.size, sizeof zero));  // data() may be null
    const Outcome o = judge(c.request, payload);
    EXPECT_TRUE(refused(o)) << vu::request_name(c.request) << " with " << c.size << " bytes: " << name(o);
    if (o == Outcome::Closed) fresh().realize();
  }
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, LyingMemoryTablesAreRefused) {
  TestVmm& vmm = fresh();
  vmm.realize();
  const Bytes good = vmm.mem_table_payload();
  const int ram = vmm.ram().fd();
  auto table = [&](std::vector<vu::MemoryRegion> regions, uint32_t nregions) {
    Bytes b(sizeof(vu::MemoryTableHead) + regions.size() * sizeof(vu::MemoryRegion));
    const vu::MemoryTableHead h{nregions, 0};
    std::memcpy(b.data(), &h, sizeof h);
    std::memcpy(b.data() + sizeof h, regions.data(), regions.size() * sizeof(vu::MemoryRegion));
    return b;
  };
  vu::MemoryRegion r;
  std::memcpy(&r, good.data() + sizeof(vu::MemoryTableHead), sizeof r);
  const int two_fds[2] = {ram, ram};
  UniqueFd event(::eventfd(0, EFD_CLOEXEC));
  const int event_fd = event.get();
  UniqueFd small(::memfd_create("small", MFD_CLOEXEC));
  ASSERT_EQ(::ftruncate(small.get(), 4096), 0);
  const int small_fd = small.get();
  vu::MemoryRegion big = r, wrapping = r, overlap = r, empty = r;
  big.memory_size = r.memory_size;  // on the small memfd below
  wrapping.guest_phys_addr = ~uint64_t{0} - 4095;
  overlap.guest_phys_addr = r.guest_phys_addr + 4096;
  overlap.mmap_offset = 0;
  empty.memory_size = 0;
  struct Case {
    const char* what;
    Bytes payload;
    std::vector<int> fds;
  } cases[] = {
      {"nregions 2, one region present", table({r}, 2), {ram}},
      {"nregions 9", table({r, r, r, r, r, r, r, r, r}, 9), std::vector<int>(8, ram)},
      {"two regions, one fd", table({r, overlap}, 2), {ram}},
      {"one region, no fd", table({r}, 1), {}},
      {"overlapping regions", table({r, overlap}, 2), {two_fds[0], two_fds[1]}},
      {"region bigger than its memfd", table({big}, 1), {small_fd}},
      {"region on an eventfd", table({r}, 1), {event_fd}},
      {"region wrapping the address space", table({wrapping}, 1), {ram}},
      {"empty region", table({empty}, 1), {ram}},
  };
  for (const Case& c : cases) {
    const Outcome o = judge(vu::kSetMemTable, c.payload, c.fds);
    EXPECT_TRUE(refused(o)) << c.what << ": " << name(o);
    if (o == Outcome::Closed) s_.connect(VmmOptions{}, false), s_.vmm->realize();
  }
  // The honest table is still taken on the same connection, and the device runs.
  s_.vmm->start();
  EXPECT_TRUE(s_.gpu->get_display_info());
  expect_no_fd_leak();
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, MissingFdsAreRefused) {
  TestVmm& vmm = fresh();
  vmm.realize();
  const uint64_t queue0 = 0;
  EXPECT_TRUE(refused(judge(vu::kSetMemTable, vmm.mem_table_payload())));
  EXPECT_TRUE(refused(judge(vu::kSetVringKick, bytes(queue0))));  // no fd, no NOFD flag
  EXPECT_TRUE(refused(judge(vu::kSetVringCall, bytes(queue0))));
  EXPECT_TRUE(refused(judge(vu::kGpuSetSocket, {})));
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, ExtraFdsAreClosedNotKept) {
  TestVmm& vmm = fresh();
  vmm.realize();
  UniqueFd e1 = make_eventfd(), e2 = make_eventfd(), e3 = make_eventfd();
  const int fds[3] = {e1.get(), e2.get(), e3.get()};
  for (int i = 0; i < 50; ++i) {
    vmm.send(vu::kGetFeatures, {}, fds);
    ASSERT_TRUE(vmm.receive(Millis(10000))) << "GET_FEATURES with fds attached got no answer";
    vmm.send(vu::kSetOwner, {}, fds);
  }
  const auto during = s_.backend->stats();
  ASSERT_TRUE(during);
  EXPECT_LT(during->fd_count, fds_at_start_ + 20) << "fds that came with messages are kept";
  expect_no_fd_leak();
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, BadHeaderFlagsDropOrRefuse) {
  for (uint32_t flags : {0u, 2u, 3u, 0x1u | 0x4u /* a reply as a request */}) {
    fresh().realize();
    const size_t before = complaints();
    const Outcome o = judge(vu::kGetFeatures, {}, {}, flags);
    if ((flags & vu::kVersionMask) != vu::kVersion) {
      EXPECT_EQ(o, Outcome::Closed) << "protocol version " << (flags & 3) << " was answered: " << name(o);
      EXPECT_GT(complaints(), before) << "dropped the VMM without saying why";
    } else {
      EXPECT_TRUE(o == Outcome::OtherReply || refused(o)) << "flags " << flags << ": " << name(o);
    }
  }
  expect_next_vmm_served();
}

// The peak RSS (VmHWM), not the RSS afterwards: a buffer of the announced size that was filled
// and freed again before we look would leave VmRSS where it was.
TEST_F(VugpuVmmInput, HugeSizeFieldDropsTheConnectionWithoutAllocating) {
  fresh().realize();
  const uint64_t peak_before = s_.backend->stats()->hwm_bytes;
  ASSERT_GT(peak_before, 0u) << "no VmHWM in /proc";
  EXPECT_EQ(judge(vu::kSetMemTable, {}, {}, kAsk, 0xffffffffu), Outcome::Closed);
  fresh();
  EXPECT_EQ(judge(vu::kGetConfig, {}, {}, kAsk, 0x10000000u), Outcome::Closed);
  EXPECT_LT(s_.backend->stats()->hwm_bytes, peak_before + (64u << 20)) << "the daemon's peak RSS grew";
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, TruncatedMessagesThenHangUp) {
  const uint8_t half_header[6] = {1, 0, 0, 0, 1, 0};
  fresh().send_bytes(half_header);
  s_.vmm->disconnect();
  fresh();
  const vu::Header h{vu::kSetVringAddr, vu::kVersion, 40};
  Bytes part(sizeof h + 10, 0);
  std::memcpy(part.data(), &h, sizeof h);
  s_.vmm->send_bytes(part);
  s_.vmm->disconnect();
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, BrokenRingSetupsAreRefused) {
  TestVmm& vmm = fresh();
  vmm.realize();
  vmm.set(vu::kSetMemTable, vmm.mem_table_payload(), vmm.mem_table_fds(), true);
  const uint64_t ram_uva = reinterpret_cast<uint64_t>(vmm.ram().regions()[0].host);
  for (uint32_t num : {0u, 3u, 100u, 65536u})
    EXPECT_TRUE(refused(judge(vu::kSetVringNum, bytes(vu::VringState{0, num})))) << "queue size " << num;
  EXPECT_TRUE(refused(judge(vu::kSetVringNum, bytes(vu::VringState{2, 256})))) << "queue 2";
  EXPECT_TRUE(refused(judge(vu::kSetVringNum, bytes(vu::VringState{255, 256})))) << "queue 255";
  ASSERT_EQ(judge(vu::kSetVringNum, bytes(vu::VringState{0, 256})), Outcome::Acked);
  const vu::VringAddr outside{0, 0, 0x10, 0x2000, 0x3000, 0};  // not a user address in the table
  EXPECT_TRUE(refused(judge(vu::kSetVringAddr, bytes(outside))));
  const vu::VringAddr misaligned{0, 0, ram_uva + 0x10008, ram_uva + 0x20000, ram_uva + 0x30000, 0};
  EXPECT_TRUE(refused(judge(vu::kSetVringAddr, bytes(misaligned))));
  const vu::VringAddr past_end{0, 0, ram_uva + vmm.ram().size() - 64, ram_uva + 0x20000, ram_uva + 0x30000, 0};
  EXPECT_TRUE(refused(judge(vu::kSetVringAddr, bytes(past_end)))) << "descriptor table running past the region";
  EXPECT_TRUE(refused(judge(vu::kSetVringBase, bytes(vu::VringState{0, 0x10000}))));
  EXPECT_TRUE(refused(judge(vu::kSetVringEnable, bytes(vu::VringState{0, 5}))));
  const uint64_t polling = 0 | vu::kVringNoFd;
  EXPECT_TRUE(refused(judge(vu::kSetVringKick, bytes(polling)))) << "polling mode is not offered";
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, MemoryTableReplacedWhileRunning) {
  VmmOptions o;
  o.display.outputs = {{320, 200, true}};
  s_.connect(o);
  Framebuffer fb(*s_.gpu, 1, 320, 200);
  fb.draw_pattern(1);
  ASSERT_EQ(fb.show_on(0), kOk);
  // QEMU sends the table again on memory hot-plug: same regions, the device keeps running.
  ASSERT_EQ(s_.vmm->set(vu::kSetMemTable, s_.vmm->mem_table_payload(), s_.vmm->mem_table_fds(), true), 0u);
  fb.draw_pattern(2);
  ASSERT_EQ(fb.present(fb.whole()), kOk);
  EXPECT_EQ(fb.compare(s_.vmm->display().surface(0)), "");
  expect_no_fd_leak();
}

// Memory hot-unplug (QEMU 10: REM_MEM_REG) of the region that holds a resource's backing,
// while the resource is on screen: the daemon must not touch the unmapped pages (a transfer
// is answered, OK or an error, and nothing crashes); after the region is plugged back, a
// fresh ATTACH_BACKING works and the pixels are exact.
TEST_F(VugpuVmmInput, RegionWithBackingUnpluggedAndPluggedBack) {
  VmmOptions o;
  o.ram_regions = 2;
  o.display.outputs = {{320, 200, true}};
  s_.connect(o);
  if (!s_.vmm->has_protocol_feature(vu::kProtocolConfigureMemSlots))
    GTEST_SKIP() << "the daemon does not offer CONFIGURE_MEM_SLOTS (no ADD/REM_MEM_REG)";
  GuestDriver& gpu = *s_.gpu;
  GuestAllocation backing = s_.vmm->allocator().allocate_in_region(1, 320 * 200 * 4);
  ASSERT_FALSE(backing.empty());
  ASSERT_GE(backing.gpa(), GuestRam::kHighRegionGpa);
  std::vector<uint8_t> pixels(320 * 200 * 4);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 31 + 7);
  backing.write(0, pixels);
  ASSERT_EQ(gpu.resource_create_2d(1, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 320, 200), kOk);
  const auto entries = backing.entries();
  ASSERT_EQ(gpu.attach_backing(1, entries), kOk);
  ASSERT_EQ(gpu.set_scanout(0, 1, {0, 0, 320, 200}), kOk);
  ASSERT_EQ(gpu.transfer_to_host_2d(1, {0, 0, 320, 200}, 0), kOk);
  ASSERT_EQ(gpu.resource_flush(1, {0, 0, 320, 200}), kOk);

  const int ram = s_.vmm->ram().fd();
  ASSERT_EQ(s_.vmm->set(vu::kRemMemReg, s_.vmm->mem_region_payload(1), {&ram, 1}, true), 0u) << s_.diagnostics();
  const uint32_t t = gpu.transfer_to_host_2d(1, {0, 0, 320, 200}, 0);
  EXPECT_TRUE(t == kOk || t == VIRTIO_GPU_RESP_ERR_UNSPEC || t == VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER)
      << response_name(t);
  EXPECT_EQ(gpu.resource_flush(1, {0, 0, 320, 200}), kOk);
  ASSERT_TRUE(s_.backend->alive()) << s_.diagnostics();

  ASSERT_EQ(s_.vmm->set(vu::kAddMemReg, s_.vmm->mem_region_payload(1), {&ram, 1}, true), 0u) << s_.diagnostics();
  ASSERT_EQ(gpu.detach_backing(1), kOk);
  ASSERT_EQ(gpu.attach_backing(1, entries), kOk);
  ASSERT_EQ(gpu.transfer_to_host_2d(1, {0, 0, 320, 200}, 0), kOk);
  ASSERT_EQ(gpu.resource_flush(1, {0, 0, 320, 200}), kOk);
  const Surface* surface = s_.vmm->display().surface(0);
  ASSERT_NE(surface, nullptr);
  size_t wrong = 0;
  for (uint32_t i = 0; i < 320 * 200; ++i) {
    uint32_t px;
    std::memcpy(&px, &pixels[size_t(i) * 4], 4);
    wrong += (surface->pixels[i] & 0xffffff) != (px & 0xffffff);
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_TRUE(s_.clean());
}

TEST_F(VugpuVmmInput, DisconnectInTheMiddleOfCommands) {
  for (int round = 0; round < 5; ++round) {
    VmmOptions o;
    o.display.outputs = {{1280, 800, true}};
    s_.connect(o);
    Framebuffer fb(*s_.gpu, 1, 1280, 800);
    fb.draw_pattern(round);
    ASSERT_EQ(fb.create(), kOk);
    ASSERT_EQ(fb.attach(), kOk);
    ASSERT_EQ(fb.set_scanout(0), kOk);
    for (int i = 0; i < 20; ++i) {
      s_.gpu->submit(Queue::Control, cmd::transfer_to_host_2d(1, fb.whole(), 0), 24, {}, false);
      s_.gpu->submit(Queue::Control, cmd::resource_flush(1, fb.whole()), 24, {}, false);
    }
    const uint16_t used_before = s_.vmm->queue(Queue::Control).used_idx();
    s_.gpu->kick(Queue::Control);
    if (round % 2) {  // sometimes mid-way (the daemon has completed a first command), sometimes right away
      ASSERT_EQ(s_.vmm->run_until([&] { return s_.vmm->queue(Queue::Control).used_idx() != used_before; },
                                  Deadline(Millis(30000))),
                WaitResult::Done);
    }
    s_.vmm->disconnect();
  }
  expect_no_fd_leak();
  expect_next_vmm_served();
}

// The daemon must notice the hang-up while it waits for the VMM's answer, not sit out its
// display time-out: it logs "no reply from the VMM within N ms" only when the time-out ran out.
TEST_F(VugpuVmmInput, DisconnectWhileTheDaemonWaitsForTheDisplay) {
  VmmOptions o;
  o.display.answer_display_info = false;
  s_.connect(o);
  const uint64_t asked = s_.vmm->display().stats().display_info_requests;
  s_.gpu->submit(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info));
  // The daemon asks, we stay silent: wait until its question is here.
  ASSERT_EQ(s_.vmm->run_until([&] { return s_.vmm->display().stats().display_info_requests > asked; },
                              Deadline(Millis(30000))),
            WaitResult::Done)
      << "the daemon never asked the VMM for the display info";
  s_.vmm->disconnect();
  expect_next_vmm_served();
  EXPECT_EQ(s_.backend->log().find("no reply from the VMM"), std::string::npos)
      << "the daemon sat out its display time-out instead of noticing the hang-up\n"
      << s_.diagnostics();
}

TEST_F(VugpuVmmInput, SecondVmmIsTurnedAwayWhileOneIsServed) {
  VmmOptions o;
  o.display.outputs = {{320, 200, true}};
  s_.connect(o);
  TestVmm intruder;
  intruder.connect(s_.backend->socket_path());
  EXPECT_THROW(intruder.realize(), FrontendError) << "a second VMM was served at the same time";
  EXPECT_TRUE(intruder.backend_gone());
  EXPECT_TRUE(s_.gpu->get_display_info()) << "the first VMM lost its device";
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, DisplayChannelClosedByTheVmm) {
  VmmOptions o;
  o.display.outputs = {{320, 200, true}};
  s_.connect(o);
  {
    Framebuffer fb(*s_.gpu, 1, 320, 200);
    ASSERT_EQ(fb.show_on(0), kOk);
    s_.vmm->display().close();  // what QEMU does when the guest resets the device
    auto c = s_.gpu->wait(s_.gpu->submit(Queue::Control, cmd::resource_flush(1, fb.whole()), 24), Millis(3000));
    ASSERT_TRUE(c) << "a flush with no display channel never completed";
  }
  auto info = s_.gpu->get_display_info();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->pmodes[0].r.width, 1280u) << "without the VMM's display, the configuration answers";
  expect_next_vmm_served();
}

// A VMM with unsealed guest RAM (QEMU's memory-backend-memfd seal=off, or a file backend)
// truncates it under the daemon: the daemon's next access to guest memory (here: the avail
// ring, at the kick) faults with SIGBUS. The daemon must catch it, drop that VMM and serve the
// next one. The VMM must not touch its own RAM after the truncate (it would fault too), so the
// test watches the vhost-user socket, not the rings. More cases: vugpu_sigbus_test.cpp.
TEST_F(VugpuVmmInput, GuestRamTruncatedByTheVmmDoesNotKillTheDaemon) {
  VmmOptions o;
  o.seal_ram = false;
  o.display.outputs = {{320, 200, true}};
  s_.connect(o);
  ASSERT_TRUE(s_.gpu->get_display_info());
  s_.gpu->submit(Queue::Control, cmd::get_display_info(), sizeof(virtio_gpu_resp_display_info), {}, false);
  ASSERT_EQ(::ftruncate(s_.vmm->ram().fd(), 0), 0);
  signal_eventfd(s_.vmm->kick_fd(Queue::Control));
  VuMessage m;
  EXPECT_EQ(s_.vmm->channel().receive(m, Deadline(Millis(10000))), IoStatus::Eof)
      << "the daemon kept the VMM that truncated its guest RAM";
  ASSERT_TRUE(s_.backend->alive()) << "the daemon " << s_.backend->describe_exit();
  EXPECT_NE(s_.backend->log().find("truncated guest memory"), std::string::npos) << s_.diagnostics();
  s_.vmm.reset();  // no disconnect(): that would not touch RAM, but the driver would
  s_.gpu.reset();
  expect_next_vmm_served();
}

TEST_F(VugpuVmmInput, GetConfigOutsideTheConfigSpace) {
  fresh().realize();
  for (auto [offset, size] : {std::pair{12u, 8u}, std::pair{0u, 200u}, std::pair{0xfffffff0u, 32u}}) {
    Bytes payload(sizeof(vu::ConfigHead) + size, 0);
    const vu::ConfigHead h{offset, size, 0};
    std::memcpy(payload.data(), &h, sizeof h);
    const Outcome o = judge(vu::kGetConfig, payload, {}, vu::kVersion);
    EXPECT_TRUE(refused(o)) << "GET_CONFIG " << offset << "+" << size << ": " << name(o);
    if (o == Outcome::Closed) fresh().realize();
  }
  expect_next_vmm_served();
}

}  // namespace
}  // namespace vugpu::itest
