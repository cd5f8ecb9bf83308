// The vhost-user back-end end to end over a real socketpair, real memfd guest RAM and real
// eventfds: message validation, features, memory table, queues, stop/restart, display socket.
#include <gtest/gtest.h>
#include <chrono>
#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>
#include <atomic>
#include <optional>
#include <cstring>
#include <thread>
#include "test_support.hpp"
#include "vhost-user/connection.hpp"
#include "vhost-user/gpu_protocol.hpp"
#include "vhost-user/memory_table.hpp"
#include "vhost-user/server.hpp"
#include "vhost-user/virtqueue.hpp"
#include "vhost-user/socket_io.hpp"
#include "vhost_frontend.hpp"

namespace vugpu {
namespace {

using namespace vhost;
using namespace std::chrono_literals;
using test::DescSpec;
using test::DriverRing;
using test::GuestRam;

constexpr uint64_t kRamBytes = 4 << 20;
constexpr uint32_t kNum = 64;
constexpr uint64_t kCtrlRing = 0x1000, kCursorRing = 0x3000;
constexpr uint64_t kBuf = 0x100000;
constexpr uint64_t kFeatures = bit(kFeatureVersion1) | bit(kFeatureIndirectDesc) | bit(kFeatureProtocolFeatures);

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server_ = std::make_unique<VhostUserServer>(loop_, device_, memory_, log_, ServerOptions{"", sv[1], false, 300});
    server_->start();
    fe_ = std::make_unique<test::VhostFrontend>(loop_, UniqueFd(sv[0]));
  }

  std::optional<uint64_t> set_mem_table(const std::vector<MemoryRegionDesc>& regions, std::vector<int> fds) {
    std::vector<uint8_t> p(sizeof(MemoryTableHeader) + regions.size() * sizeof(MemoryRegionDesc));
    const MemoryTableHeader h{static_cast<uint32_t>(regions.size()), 0};
    std::memcpy(p.data(), &h, sizeof h);
    std::memcpy(p.data() + sizeof h, regions.data(), regions.size() * sizeof(MemoryRegionDesc));
    return fe_->acked(kSetMemTable, p, fds);
  }

  // What QEMU does at DRIVER_OK for one queue (all acked).
  void start_queue(uint32_t index, const DriverRing& ring, int kick, int call, uint16_t base = 0) {
    ASSERT_EQ(fe_->acked_struct(kSetVringNum, VringState{index, ring.num()}), 0u);
    ASSERT_EQ(fe_->acked_struct(kSetVringBase, VringState{index, base}), 0u);
    const VringAddr a{index, 0, ram_.uva(ring.desc_gpa()), ram_.uva(ring.used_gpa()), ram_.uva(ring.avail_gpa()), 0};
    ASSERT_EQ(fe_->acked_struct(kSetVringAddr, a), 0u);
    const int kick_fds[1] = {kick}, call_fds[1] = {call};
    ASSERT_EQ(fe_->acked_struct(kSetVringKick, uint64_t{index}, kick_fds), 0u);
    ASSERT_EQ(fe_->acked_struct(kSetVringCall, uint64_t{index}, call_fds), 0u);
    ASSERT_EQ(fe_->acked_struct(kSetVringEnable, VringState{index, 1}), 0u);
  }

  void ready(uint64_t features = kFeatures) {
    fe_->handshake(features);
    ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
    start_queue(0, ctrl_, ctrl_kick_.get(), ctrl_call_.get());
  }

  // Chain `slot` (descriptors 2*slot, 2*slot+1; the head is 2*slot): a request of `n` bytes at
  // kBuf + slot*0x1000 and a 64-byte response buffer after it. Kicks.
  uint16_t post_command(DriverRing& ring, uint16_t slot, uint32_t n, int kick) {
    const uint16_t head = static_cast<uint16_t>(2 * slot);
    const uint64_t buf = kBuf + slot * 0x1000ull;
    std::memset(ram_.at(buf), 0x40 + slot, n);
    ring.write_chain(head, {{buf, n, 0}, {buf + 0x800, 64, kDescFlagWrite}});
    ring.make_available(head);
    const uint64_t one = 1;
    EXPECT_EQ(::write(kick, &one, sizeof one), 8);
    return head;
  }

  EventLoop loop_;
  test::CaptureLog log_;
  test::LoopbackDevice device_;
  GuestMemory memory_;
  GuestRam ram_{kRamBytes};
  DriverRing ctrl_{ram_, kNum, kCtrlRing};
  DriverRing cursor_{ram_, kNum, kCursorRing};
  UniqueFd ctrl_kick_ = test::make_eventfd(), ctrl_call_ = test::make_eventfd();
  std::unique_ptr<VhostUserServer> server_;
  std::unique_ptr<test::VhostFrontend> fe_;
};

// --- features and simple requests ---------------------------------------------------------------

TEST_F(ServerTest, OffersTransportAndDeviceFeatures) {
  device_.set_features(bit(VIRTIO_GPU_F_EDID) | bit(VIRTIO_GPU_F_VIRGL));
  const uint64_t f = fe_->get_u64(kGetFeatures);
  EXPECT_EQ(f, kTransportFeatures | bit(VIRTIO_GPU_F_EDID) | bit(VIRTIO_GPU_F_VIRGL));
  EXPECT_TRUE(f & bit(kFeatureEventIdx));
  EXPECT_EQ(fe_->get_u64(kGetProtocolFeatures),
            bit(kProtocolReplyAck) | bit(kProtocolBackendReq) | bit(kProtocolConfig) | bit(kProtocolConfigureMemSlots));
  EXPECT_EQ(fe_->get_u64(kGetQueueNum), 2u);
  EXPECT_EQ(fe_->get_u64(kGetMaxMemSlots), MemoryTable::kMaxSlots);
}

TEST_F(ServerTest, ReplyAckOnlyOnceNegotiated) {
  fe_->send_u64(kSetFeatures, kFeatures, {}, kFlagNeedReply);
  EXPECT_FALSE(fe_->any_reply_within(50ms)) << "REPLY_ACK not negotiated yet: no ack";
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck));
  EXPECT_EQ(fe_->acked(kSetOwner), 0u);
}

// QEMU 10 acks VIRTIO_F_RING_RESET (bit 40) that we never offered: the bit is dropped, the
// rest is taken (refusing would leave the rings without INDIRECT/EVENT_IDX). Unoffered
// *protocol* features are still refused.
TEST_F(ServerTest, UnofferedFeaturesAreDroppedUnofferedProtocolFeaturesNacked) {
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck));
  EXPECT_EQ(fe_->acked_struct(kSetFeatures, kFeatures | bit(40)), 0u);
  EXPECT_TRUE(log_.contains("ignoring bits 0x10000000000"));
  EXPECT_EQ(fe_->acked_struct(kSetProtocolFeatures, bit(kProtocolReplyAck) | bit(kProtocolMq)), 1u);
  EXPECT_TRUE(server_->connected());
}

TEST_F(ServerTest, FeaturesWithUnofferedBitsStillTakeEffect) {
  fe_->handshake(kFeatures | bit(kFeatureEventIdx) | bit(40));
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  start_queue(0, ctrl_, ctrl_kick_.get(), ctrl_call_.get());
  post_command(ctrl_, 0, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 1; }));
  EXPECT_EQ(ctrl_.avail_event(), 1) << "EVENT_IDX was taken from the same message";
}

TEST_F(ServerTest, WrongPayloadSizeIsRefusedAndTheStreamStaysInStep) {
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck));
  const uint32_t four = 4;
  EXPECT_EQ(fe_->acked_struct(kSetFeatures, four), 1u);
  EXPECT_TRUE(log_.contains("payload of 4 bytes, expected 8"));
  EXPECT_EQ(fe_->acked_struct(kSetVringNum, VringState{0, 64}), 0u) << "the right size: fine";
  EXPECT_EQ(fe_->acked_struct(kSetVringAddr, VringState{0, 0}), 1u);
  // A GET with a payload gets an empty reply instead of a hang.
  fe_->send_u64(kGetFeatures, 0);
  auto r = fe_->reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.size, 0u);
  EXPECT_EQ(fe_->get_u64(kGetQueueNum), 2u) << "next message still understood";
}

TEST_F(ServerTest, UnknownRequestsAreRefusedWithANackWhenOneIsWanted) {
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck));
  fe_->send(99);
  EXPECT_FALSE(fe_->any_reply_within(30ms));
  EXPECT_EQ(fe_->acked(99), 1u);
  EXPECT_EQ(fe_->acked(kSetLogBase, std::vector<uint8_t>(16)), 1u);
  EXPECT_TRUE(log_.contains("is not supported"));
  EXPECT_EQ(fe_->get_u64(kGetQueueNum), 2u);
}

TEST_F(ServerTest, WrongFdCountsAreRefusedAndEveryFdIsClosed) {
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck));
  fe_->pump();
  const size_t before = test::open_fd_count();
  UniqueFd a = test::make_eventfd(), b = test::make_eventfd();
  const int two[2] = {a.get(), b.get()};
  EXPECT_EQ(fe_->acked_struct(kSetVringCall, uint64_t{0}, two), 1u);
  EXPECT_TRUE(log_.contains("2 file descriptors, expected 1"));
  EXPECT_EQ(fe_->acked_struct(kSetVringKick, uint64_t{0}), 1u) << "no fd and no nofd flag";
  const int one[1] = {a.get()};
  EXPECT_EQ(fe_->acked_struct(kSetVringCall, uint64_t{0} | kVringNoFdFlag, one), 1u) << "fd despite nofd";
  fe_->send(kGetFeatures, {}, one);
  auto r = fe_->reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.size, 0u) << "GET with an fd: empty reply";
  a.reset();
  b.reset();
  fe_->pump();
  EXPECT_EQ(test::open_fd_count(), before) << "the server kept a refused fd";
}

TEST_F(ServerTest, QueueIndexIsChecked) {
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck));
  EXPECT_EQ(fe_->acked_struct(kSetVringNum, VringState{2, 64}), 1u);
  EXPECT_EQ(fe_->acked_struct(kSetVringNum, VringState{0, 48}), 1u) << "not a power of two";
  EXPECT_EQ(fe_->acked_struct(kSetVringNum, VringState{0, 65536}), 1u);
  EXPECT_EQ(fe_->acked_struct(kSetVringBase, VringState{0, 0x10000}), 1u);
  UniqueFd e = test::make_eventfd();
  const int fds[1] = {e.get()};
  EXPECT_EQ(fe_->acked_struct(kSetVringCall, uint64_t{7}, fds), 1u);
  fe_->send_struct(kGetVringBase, VringState{9, 0});
  auto r = fe_->reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.size, 0u);
}

TEST_F(ServerTest, BadVersionClosesTheConnection) {
  const MessageHeader h{kGetFeatures, 0x2, 0};
  fe_->send_raw(&h, sizeof h);
  EXPECT_TRUE(fe_->pump_until([&] { return !server_->connected(); }));
  EXPECT_TRUE(log_.contains("protocol version 2"));
}

TEST_F(ServerTest, HugePayloadClosesTheConnection) {
  const MessageHeader h{kSetFeatures, kVersion, 1u << 30};
  fe_->send_raw(&h, sizeof h);
  EXPECT_TRUE(fe_->pump_until([&] { return !server_->connected(); }));
  EXPECT_TRUE(log_.contains("payload of 1073741824 bytes"));
}

TEST_F(ServerTest, StalledMessageTimesOut) {
  const MessageHeader h{kSetFeatures, kVersion, 8};
  fe_->send_raw(&h, sizeof h);  // payload never comes
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(fe_->pump_until([&] { return !server_->connected(); }, 3000ms));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 2000ms);
}

TEST_F(ServerTest, ConfigSpaceReadsAndRangeChecks) {
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck) | bit(kProtocolConfig));
  std::vector<uint8_t> req(sizeof(ConfigHeader) + sizeof(virtio_gpu_config));
  const ConfigHeader c{0, sizeof(virtio_gpu_config), 0};
  std::memcpy(req.data(), &c, sizeof c);
  fe_->send(kGetConfig, req);
  auto r = fe_->reply();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->payload.size(), req.size());
  virtio_gpu_config got{};
  std::memcpy(&got, r->payload.data() + sizeof c, sizeof got);
  EXPECT_EQ(got.num_scanouts, device_.config_space().num_scanouts);
  // Past the end of the config space.
  std::vector<uint8_t> bad(sizeof(ConfigHeader) + 8);
  const ConfigHeader c2{12, 8, 0};
  std::memcpy(bad.data(), &c2, sizeof c2);
  fe_->send(kGetConfig, bad);
  r = fe_->reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.size, 0u);
  // Header size and payload disagree.
  std::vector<uint8_t> odd(sizeof(ConfigHeader) + 4);
  const ConfigHeader c3{0, 8, 0};
  std::memcpy(odd.data(), &c3, sizeof c3);
  EXPECT_EQ(fe_->acked(kSetConfig, odd), 1u);
}

// --- memory table -------------------------------------------------------------------------------

TEST_F(ServerTest, MemoryTableIsMappedAndReplaced) {
  fe_->handshake(kFeatures);
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  ASSERT_EQ(memory_.region_count(), 1u);
  std::memcpy(ram_.at(0x5000), "guest", 5);
  auto v = memory_.translate(0x5000, 5);
  ASSERT_TRUE(v);
  EXPECT_EQ(std::memcmp((*v)[0].iov_base, "guest", 5), 0) << "the server's own mapping sees guest RAM";
  EXPECT_NE((*v)[0].iov_base, ram_.at(0x5000));

  // Two halves replace the single region.
  const MemoryRegionDesc lo{0, kRamBytes / 2, ram_.uva(0), 0};
  const MemoryRegionDesc hi{kRamBytes / 2, kRamBytes / 2, ram_.uva(kRamBytes / 2), kRamBytes / 2};
  ASSERT_EQ(set_mem_table({lo, hi}, {ram_.fd(), ram_.fd()}), 0u);
  EXPECT_EQ(memory_.region_count(), 2u);
}

TEST_F(ServerTest, BadMemoryTablesAreRefusedAndTheOldOneStays) {
  fe_->handshake(kFeatures);
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  // Bigger than the file: mapping it would SIGBUS on first touch.
  EXPECT_EQ(set_mem_table({MemoryRegionDesc{0, kRamBytes * 2, ram_.uva(0), 0}}, {ram_.fd()}), 1u);
  EXPECT_TRUE(log_.contains("but the file has"));
  // Overlapping regions.
  const MemoryRegionDesc a{0, 0x2000, ram_.uva(0), 0}, b{0x1000, 0x2000, ram_.uva(0x1000), 0x1000};
  EXPECT_EQ(set_mem_table({a, b}, {ram_.fd(), ram_.fd()}), 1u);
  // Wrapping range.
  EXPECT_EQ(set_mem_table({MemoryRegionDesc{~0ull - 10, 0x1000, 0, 0}}, {ram_.fd()}), 1u);
  // Not a memory file.
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  EXPECT_EQ(set_mem_table({MemoryRegionDesc{0, 0x1000, 0, 0}}, {p[0]}), 1u);
  ::close(p[0]);
  ::close(p[1]);
  // fd count differs from nregions.
  EXPECT_EQ(set_mem_table({ram_.desc()}, {}), 1u);
  EXPECT_EQ(memory_.region_count(), 1u);
  EXPECT_TRUE(memory_.translate(0x1000, 16));
}

TEST_F(ServerTest, AddAndRemoveMemoryRegions) {
  fe_->handshake(kFeatures);
  const MemoryRegionDesc lo{0, kRamBytes / 2, ram_.uva(0), 0};
  const MemoryRegionDesc hi{kRamBytes / 2, kRamBytes / 2, ram_.uva(kRamBytes / 2), kRamBytes / 2};
  const int fds[1] = {ram_.fd()};
  EXPECT_EQ(fe_->acked_struct(kAddMemReg, SingleMemoryRegion{0, lo}, fds), 0u);
  EXPECT_EQ(fe_->acked_struct(kAddMemReg, SingleMemoryRegion{0, hi}, fds), 0u);
  EXPECT_EQ(memory_.region_count(), 2u);
  EXPECT_TRUE(memory_.translate(kRamBytes / 2 - 8, 16));
  EXPECT_EQ(fe_->acked_struct(kRemMemReg, SingleMemoryRegion{0, hi}), 0u);
  EXPECT_EQ(memory_.region_count(), 1u);
  EXPECT_FALSE(memory_.translate(kRamBytes / 2, 16));
  EXPECT_EQ(fe_->acked_struct(kRemMemReg, SingleMemoryRegion{0, hi}), 1u) << "already gone";
  EXPECT_EQ(fe_->acked_struct(kAddMemReg, SingleMemoryRegion{0, lo}), 1u) << "ADD without fd";
}

TEST_F(ServerTest, ReplacedMappingsStayValidForCommandsInFlight) {
  device_.set_hold(true);
  ready();
  post_command(ctrl_, 0, 16, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return device_.held.size() == 1; }));
  void* held_view = device_.held.front().second.writable[0].iov_base;
  // QEMU re-sends the same table: the mapping is kept, pointers stay the same.
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  EXPECT_EQ(memory_.translate(kBuf + 0x800, 4)->front().iov_base, held_view);
  // A different layout: new mappings, but the old one stays mapped for the command in flight.
  const MemoryRegionDesc lo{0, kRamBytes / 2, ram_.uva(0), 0};
  const MemoryRegionDesc hi{kRamBytes / 2, kRamBytes / 2, ram_.uva(kRamBytes / 2), kRamBytes / 2};
  ASSERT_EQ(set_mem_table({lo, hi}, {ram_.fd(), ram_.fd()}), 0u);
  EXPECT_NE(memory_.translate(kBuf + 0x800, 4)->front().iov_base, held_view);
  EXPECT_EQ(device_.complete_held(), 1u);  // writes through the old view: must not fault
  uint32_t answer = 0;
  std::memcpy(&answer, ram_.at(kBuf + 0x800), 4);
  EXPECT_EQ(answer, 16u) << "the response reached guest RAM through the retired mapping";
  EXPECT_EQ(ctrl_.used_idx(), 1) << "the ring was found again in the new mappings";
  post_command(ctrl_, 1, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return device_.held.size() == 1; }));
}

// --- queues -------------------------------------------------------------------------------------

TEST_F(ServerTest, KickRunsTheChainAndCompletionSignalsTheCall) {
  ready();
  post_command(ctrl_, 0, 24, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 1; }));
  ASSERT_EQ(device_.seen.size(), 1u);
  EXPECT_EQ(device_.seen[0].queue, QueueId::Control);
  EXPECT_EQ(device_.seen[0].request, std::vector<uint8_t>(24, 0x40));
  EXPECT_EQ(device_.seen[0].writable_bytes, 64u);
  EXPECT_EQ(ctrl_.used(0).id, 0u);
  EXPECT_EQ(ctrl_.used(0).len, 4u);
  uint32_t answer;
  std::memcpy(&answer, ram_.at(kBuf + 0x800), 4);
  EXPECT_EQ(answer, 24u) << "the loopback device wrote through the chain's writable view";
  EXPECT_TRUE(test::eventfd_signalled(ctrl_call_.get()));
}

TEST_F(ServerTest, DisabledQueueDoesNotRun) {
  fe_->handshake(kFeatures);
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  start_queue(0, ctrl_, ctrl_kick_.get(), ctrl_call_.get());
  ASSERT_EQ(fe_->acked_struct(kSetVringEnable, VringState{0, 0}), 0u);
  post_command(ctrl_, 1, 8, ctrl_kick_.get());
  fe_->pump(50ms);
  EXPECT_TRUE(device_.seen.empty()) << "VHOST_USER_F_PROTOCOL_FEATURES: a ring starts disabled";
  ASSERT_EQ(fe_->acked_struct(kSetVringEnable, VringState{0, 1}), 0u);
  EXPECT_TRUE(fe_->pump_until([&] { return device_.seen.size() == 1; }));
}

TEST_F(ServerTest, ChainsQueuedBeforeTheKickFdAreTaken) {
  fe_->handshake(kFeatures);
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  ctrl_.write_chain(0, {{kBuf, 16, 0}, {kBuf + 0x800, 64, kDescFlagWrite}});
  ctrl_.make_available(0);  // no kick: the driver did it before we had the eventfd
  start_queue(0, ctrl_, ctrl_kick_.get(), ctrl_call_.get());
  EXPECT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 1; }));
}

TEST_F(ServerTest, MalformedChainIsReturnedWithZeroBytes) {
  ready();
  ctrl_.write_desc(5, kBuf, 8, kDescFlagNext, 5);  // loops on itself
  ctrl_.make_available(5);
  post_command(ctrl_, 3, 8, ctrl_kick_.get());  // head 6
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 2; }));
  EXPECT_EQ(ctrl_.used(0).id, 5u);
  EXPECT_EQ(ctrl_.used(0).len, 0u);
  EXPECT_EQ(ctrl_.used(1).id, 6u) << "the queue goes on after a bad chain";
  ASSERT_EQ(device_.seen.size(), 1u);
  EXPECT_EQ(device_.seen[0].head, 6);
  EXPECT_TRUE(log_.contains("loops"));
}

// A 32768-entry ring whose descriptors form one cycle of zero-length descriptors, every head
// available: each chain is found looping only after 32768 reads. One turn of the loop reads at
// most Virtqueue::kDescriptorsPerTurn descriptors (2 such chains) instead of all 2^30, and the
// queue goes on in the following turns.
TEST_F(ServerTest, ATurnReadsABoundedNumberOfDescriptors) {
  constexpr uint32_t kBig = 32768;
  DriverRing big(ram_, kBig, 0x200000);
  fe_->handshake(kFeatures);
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  start_queue(0, big, ctrl_kick_.get(), ctrl_call_.get());
  for (uint32_t i = 0; i < kBig; ++i) big.write_desc(uint16_t(i), kBuf, 0, kDescFlagNext, uint16_t((i + 1) % kBig));
  for (uint32_t i = 0; i < kBig; ++i) big.make_available(uint16_t(i));
  const uint64_t one = 1;
  ASSERT_EQ(::write(ctrl_kick_.get(), &one, sizeof one), 8);
  const auto start = std::chrono::steady_clock::now();
  loop_.run_once(1000);
  const auto took = std::chrono::steady_clock::now() - start;
  const uint32_t per_turn = Virtqueue::kDescriptorsPerTurn / kBig;
  EXPECT_GE(big.used_idx(), 1u);
  EXPECT_LE(big.used_idx(), per_turn + 1) << "chains taken in one turn";
  EXPECT_LT(took, std::chrono::milliseconds(500));
  for (int turn = 0; turn < 5; ++turn) loop_.run_once(100);  // continued by the queue's own kick
  EXPECT_GE(big.used_idx(), 3 * per_turn) << "the queue goes on in the next turns";
  EXPECT_TRUE(log_.contains("loops"));
}

TEST_F(ServerTest, CorruptAvailRingStopsTheQueueAndSignalsErr) {
  ready();
  UniqueFd err = test::make_eventfd();
  const int fds[1] = {err.get()};
  ASSERT_EQ(fe_->acked_struct(kSetVringErr, uint64_t{0}, fds), 0u);
  ctrl_.set_avail_idx(kNum + 5);
  const uint64_t one = 1;
  ASSERT_EQ(::write(ctrl_kick_.get(), &one, 8), 8);
  ASSERT_TRUE(fe_->pump_until([&] { return test::eventfd_signalled(err.get()); }));
  EXPECT_TRUE(device_.seen.empty());
  EXPECT_TRUE(log_.contains("avail ring corrupt"));
  // Stays stopped even when the index looks sane again.
  ctrl_.set_avail_idx(0);
  post_command(ctrl_, 0, 8, ctrl_kick_.get());
  fe_->pump(30ms);
  EXPECT_TRUE(device_.seen.empty());
}

TEST_F(ServerTest, EventIdxSuppressesCallsTheDriverDidNotAskFor) {
  ready(kFeatures | bit(kFeatureEventIdx));
  post_command(ctrl_, 0, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 1; }));
  EXPECT_TRUE(test::eventfd_signalled(ctrl_call_.get()));
  EXPECT_EQ(ctrl_.avail_event(), 1) << "the device asks for a kick at the next entry";
  ctrl_.set_used_event(5);  // "interrupt me once used idx passes 5"
  for (uint16_t h = 1; h <= 3; ++h) post_command(ctrl_, h, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 4; }));
  EXPECT_FALSE(test::eventfd_signalled(ctrl_call_.get()));
  for (uint16_t h = 4; h <= 5; ++h) post_command(ctrl_, h, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 6; }));
  EXPECT_TRUE(test::eventfd_signalled(ctrl_call_.get()));
}

TEST_F(ServerTest, LateCompletionsAndIndexWrap) {
  device_.set_hold(true);
  fe_->handshake(kFeatures);
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  ctrl_.set_avail_idx(65534);
  ctrl_.set_used_idx(65534);
  start_queue(0, ctrl_, ctrl_kick_.get(), ctrl_call_.get(), 65534);
  for (uint16_t h = 0; h < 4; ++h) post_command(ctrl_, h, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return device_.held.size() == 4; }));
  EXPECT_EQ(ctrl_.used_idx(), 65534) << "nothing completed yet";
  EXPECT_FALSE(test::eventfd_signalled(ctrl_call_.get()));
  EXPECT_EQ(device_.complete_held(), 4u);
  EXPECT_EQ(ctrl_.used_idx(), 2);
  for (uint16_t i = 0; i < 4; ++i) EXPECT_EQ(ctrl_.used(static_cast<uint16_t>(65534 + i)).id, 2u * i);
  // Completed outside a turn of the loop: the one call for all four goes at the end of the next.
  int calls = 0;
  fe_->pump_until([&] { return (calls += test::eventfd_signalled(ctrl_call_.get()) ? 1 : 0) > 0; });
  fe_->pump(20ms);
  calls += test::eventfd_signalled(ctrl_call_.get()) ? 1 : 0;
  EXPECT_EQ(calls, 1);
}

TEST_F(ServerTest, GetVringBaseStopsAndCompletionsWaitForTheRestart) {
  device_.set_hold(true);
  ready();
  post_command(ctrl_, 0, 8, ctrl_kick_.get());
  post_command(ctrl_, 1, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return device_.held.size() == 2; }));
  fe_->send_struct(kGetVringBase, VringState{0, 0});
  auto r = fe_->reply();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->payload.size(), sizeof(VringState));
  VringState st;
  std::memcpy(&st, r->payload.data(), sizeof st);
  EXPECT_EQ(st.index, 0u);
  EXPECT_EQ(st.num, 2u);
  // Stopped: new chains are not taken, completions are not written.
  post_command(ctrl_, 2, 8, ctrl_kick_.get());
  fe_->pump(30ms);
  EXPECT_EQ(device_.seen.size(), 2u);
  device_.complete_held();
  EXPECT_EQ(ctrl_.used_idx(), 0);
  // Restarted where it stopped (pause/resume): the held completions go out, then chain 2 runs.
  UniqueFd kick2 = test::make_eventfd();
  device_.set_hold(false);
  start_queue(0, ctrl_, kick2.get(), ctrl_call_.get(), 2);
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 3; }));
  EXPECT_EQ(ctrl_.used(0).id, 0u);
  EXPECT_EQ(ctrl_.used(1).id, 2u);
  EXPECT_EQ(ctrl_.used(2).id, 4u);
  EXPECT_EQ(device_.resets, 0);
}

TEST_F(ServerTest, RestartAtAnotherIndexResetsTheDevice) {
  ready();
  post_command(ctrl_, 0, 8, ctrl_kick_.get());
  ASSERT_TRUE(fe_->pump_until([&] { return ctrl_.used_idx() == 1; }));
  fe_->send_struct(kGetVringBase, VringState{0, 0});
  ASSERT_TRUE(fe_->reply());
  // The driver reset the device: a new ring, restarted at 0.
  DriverRing fresh(ram_, kNum, 0x8000);
  start_queue(0, fresh, ctrl_kick_.get(), ctrl_call_.get(), 0);
  EXPECT_EQ(device_.resets, 1);
  EXPECT_TRUE(log_.contains("device reset"));
  post_command(fresh, 0, 8, ctrl_kick_.get());
  EXPECT_TRUE(fe_->pump_until([&] { return fresh.used_idx() == 1; }));
}

TEST_F(ServerTest, RingOutsideMemoryIsRefused) {
  fe_->handshake(kFeatures);
  ASSERT_EQ(set_mem_table({ram_.desc()}, {ram_.fd()}), 0u);
  ASSERT_EQ(fe_->acked_struct(kSetVringNum, VringState{0, kNum}), 0u);
  const VringAddr outside{0, 0, ram_.uva(kRamBytes - 16), ram_.uva(0x2000), ram_.uva(0x1800), 0};
  EXPECT_EQ(fe_->acked_struct(kSetVringAddr, outside), 1u);
  const VringAddr misaligned{0, 0, ram_.uva(0x1008), ram_.uva(0x2000), ram_.uva(0x1800), 0};
  EXPECT_EQ(fe_->acked_struct(kSetVringAddr, misaligned), 1u);
  EXPECT_TRUE(log_.contains("misaligned"));
}

// --- display socket -----------------------------------------------------------------------------

TEST_F(ServerTest, GpuSetSocketOpensTheDisplayChannel) {
  fe_->handshake(kFeatures);
  EXPECT_EQ(server_->vmm_display(), nullptr);
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  UniqueFd vmm_end(sv[0]);
  const int fds[1] = {sv[1]};
  EXPECT_EQ(fe_->acked(kGpuSetSocket, {}, fds), 0u);
  ::close(sv[1]);
  ASSERT_NE(server_->vmm_display(), nullptr);
  // The back-end asks for the display protocol features at once.
  gpu::Header h{};
  ASSERT_EQ(::recv(vmm_end.get(), &h, sizeof h, MSG_DONTWAIT), static_cast<ssize_t>(sizeof h));
  EXPECT_EQ(h.request, gpu::kGetProtocolFeatures);
  EXPECT_EQ(h.size, 0u);
  // The VMM closes its end (the guest stopped the device): the channel goes away.
  vmm_end.reset();
  EXPECT_TRUE(fe_->pump_until([&] { return server_->vmm_display() == nullptr; }));
  EXPECT_TRUE(server_->connected());
}

// QEMU reads the display socket on its main loop, which waits for the big lock; a vCPU thread
// holding that lock waits for our GET_CONFIG answer. An UPDATE into a full display socket must
// not hold the device loop: GET_CONFIG is answered meanwhile (by the loop, not inside a display
// call), and the UPDATE completes once QEMU's main loop has read it.
TEST_F(ServerTest, ConfigRequestIsAnsweredWhileTheDisplayChannelWaits) {
  fe_->handshake(kFeatures);
  fe_->send_u64(kSetProtocolFeatures, bit(kProtocolReplyAck) | bit(kProtocolConfig));
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const int small = 4096;
  ASSERT_EQ(::setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
  UniqueFd vmm_end(sv[0]);
  const int fds[1] = {sv[1]};
  ASSERT_EQ(fe_->acked(kGpuSetSocket, {}, fds), 0u);
  ::close(sv[1]);
  VmmDisplay* display = server_->vmm_display();
  ASSERT_NE(display, nullptr);
  ASSERT_EQ(display->scanout(0, 512, 512), Status::Ok);

  std::vector<uint8_t> pixels(512 * 512 * 4, 0x5a);
  std::optional<Status> done;
  ASSERT_EQ(display->update(0, {0, 0, 512, 512}, pixels.data(), 512 * 4, [&](Status s) { done = s; }), Status::Ok);
  EXPECT_FALSE(done) << "returned only once the VMM had read it";

  std::atomic<bool> config_answered{false};
  std::atomic<uint64_t> drained{0};
  std::thread qemu([&] {
    // The vCPU thread: GET_CONFIG, then wait for the answer before anything else happens.
    std::vector<uint8_t> req(sizeof(ConfigHeader) + sizeof(virtio_gpu_config));
    const ConfigHeader c{0, sizeof(virtio_gpu_config), 0};
    std::memcpy(req.data(), &c, sizeof c);
    MessageHeader h{kGetConfig, kVersion, static_cast<uint32_t>(req.size())};
    const iovec iov[2] = {{&h, sizeof h}, {req.data(), req.size()}};
    uint64_t sent = 0;
    io::send_all(fe_->fd(), iov, {}, 1000, sent);
    std::vector<UniqueFd> none;
    bool trunc = false;
    MessageHeader reply{};
    std::vector<uint8_t> payload(req.size());
    if (io::read_exact(fe_->fd(), &reply, sizeof reply, 3000, none, trunc) == io::IoResult::Ok &&
        io::read_exact(fe_->fd(), payload.data(), payload.size(), 1000, none, trunc) == io::IoResult::Ok)
      config_answered = true;
    // The main loop runs again: it drains the display socket.
    std::vector<uint8_t> buf(65536);
    for (;;) {
      pollfd p{vmm_end.get(), POLLIN, 0};
      if (::poll(&p, 1, 500) <= 0) break;
      const ssize_t n = ::recv(vmm_end.get(), buf.data(), buf.size(), 0);
      if (n <= 0) break;
      drained += static_cast<uint64_t>(n);
    }
  });
  EXPECT_TRUE(fe_->pump_until([&] { return done.has_value(); }, std::chrono::milliseconds(10000)));
  qemu.join();
  EXPECT_TRUE(config_answered) << "GET_CONFIG was not answered while UPDATE waited";
  EXPECT_EQ(done, Status::Ok);
  EXPECT_EQ(drained.load(), 12u + 12 + 12 + 12 + 20 + 512u * 512 * 4) << "GET_PROTOCOL_FEATURES, SCANOUT, UPDATE";
  EXPECT_NE(server_->vmm_display(), nullptr);
}

TEST_F(ServerTest, DisconnectResetsDeviceAndUnmapsMemory) {
  ready();
  ASSERT_EQ(memory_.region_count(), 1u);
  fe_->close();
  EXPECT_TRUE(fe_->pump_until([&] { return !server_->connected(); }));
  EXPECT_EQ(device_.resets, 1);
  EXPECT_EQ(memory_.region_count(), 0u);
}

}  // namespace
}  // namespace vugpu
