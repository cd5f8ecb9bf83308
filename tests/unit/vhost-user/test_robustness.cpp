// Seeded random input: messages a broken VMM could send, descriptor tables a hostile guest could
// write. Nothing may crash (run it under AddressSanitizer/UBSan too), every chain that is taken
// must lie inside guest RAM, and the server must keep answering or close cleanly.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstring>
#include <random>
#include "test_support.hpp"
#include "vhost-user/descriptor_chain.hpp"
#include "vhost-user/server.hpp"
#include "vhost_frontend.hpp"

namespace vugpu {
namespace {

using namespace vhost;
using test::GuestRam;

TEST(Robustness, RandomMessagesNeitherCrashNorLeak) {
  std::mt19937_64 rng(20261125);
  EventLoop loop;
  test::CaptureLog log;
  test::LoopbackDevice device;
  GuestMemory memory;
  GuestRam ram(1 << 20);
  const size_t fds_before = test::open_fd_count();
  int connections = 0;
  for (int batch = 0; batch < 40; ++batch) {
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    auto server = std::make_unique<VhostUserServer>(loop, device, memory, log, ServerOptions{"", sv[1], false, 50});
    server->start();
    ++connections;
    test::VhostFrontend fe(loop, UniqueFd(sv[0]));
    // Half the batches start from a sane state, so the deeper handlers are reached too.
    if (batch % 2 == 0) {
      fe.handshake(bit(kFeatureVersion1) | bit(kFeatureIndirectDesc) | bit(kFeatureEventIdx) |
                   bit(kFeatureProtocolFeatures));
      std::vector<uint8_t> t(sizeof(MemoryTableHeader) + sizeof(MemoryRegionDesc));
      const MemoryTableHeader h{1, 0};
      const MemoryRegionDesc r = ram.desc();
      std::memcpy(t.data(), &h, sizeof h);
      std::memcpy(t.data() + sizeof h, &r, sizeof r);
      const int fd[1] = {ram.fd()};
      fe.acked(kSetMemTable, t, fd);
    }
    for (int i = 0; i < 100 && server->connected(); ++i) {
      const uint32_t request = static_cast<uint32_t>(rng() % 42);
      // Mostly the size and fd count the request wants, so the handlers themselves are reached.
      size_t size = rng() % 300;
      int nfds = static_cast<int>(rng() % 3);
      if (rng() % 4 != 0) {
        switch (request) {
          case kSetFeatures: case kSetProtocolFeatures: case kSetVringNum: case kSetVringBase:
          case kGetVringBase: case kSetVringEnable: size = 8; nfds = 0; break;
          case kSetVringKick: case kSetVringCall: case kSetVringErr: size = 8; nfds = 1; break;
          case kSetVringAddr: size = sizeof(VringAddr); nfds = 0; break;
          case kSetMemTable: nfds = static_cast<int>(rng() % 3); size = 8 + 32 * nfds; break;
          case kGetConfig: case kSetConfig: size = sizeof(ConfigHeader) + rng() % 20; nfds = 0; break;
          case kAddMemReg: case kRemMemReg: size = sizeof(SingleMemoryRegion); nfds = 1; break;
          case kGpuSetSocket: size = 0; nfds = 1; break;
          default: size = 0; nfds = 0; break;
        }
      }
      std::vector<uint8_t> payload(size);
      for (auto& b : payload) b = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : rng() % 4);  // small numbers: valid-ish indices
      if (request == kSetMemTable && size >= 8) payload[0] = static_cast<uint8_t>(nfds);
      if (size == 8 || size == sizeof(VringAddr)) {  // queue index, then a plausible value
        const uint32_t index = static_cast<uint32_t>(rng() % 3);
        std::memcpy(payload.data(), &index, 4);
        if (request == kSetVringKick || request == kSetVringCall || request == kSetVringErr) {
          if (rng() % 4 == 0) payload[1] = 1;  // the nofd flag
          std::memset(payload.data() + 2, 0, 6);
        } else if (size == 8) {
          const uint32_t value = rng() % 2 ? 1u << (rng() % 17) : static_cast<uint32_t>(rng() % 70000);
          std::memcpy(payload.data() + 4, &value, 4);
        } else {
          for (int a = 0; a < 3; ++a) {
            const uint64_t uva = ram.uva((rng() % 512) * 16) + (rng() % 16 == 0 ? rng() % 16 : 0);
            std::memcpy(payload.data() + 8 + 8 * a, &uva, 8);
          }
        }
      }
      if ((request == kGetConfig || request == kSetConfig) && size >= 12) {
        const uint32_t cfg = static_cast<uint32_t>(size - 12);
        std::memcpy(payload.data() + 4, &cfg, 4);
      }
      std::vector<UniqueFd> owned;
      std::vector<int> fds;
      for (int k = 0; k < nfds; ++k) {
        owned.push_back(rng() % 2 ? test::make_eventfd() : UniqueFd(::dup(ram.fd())));
        fds.push_back(owned.back().get());
      }
      const uint32_t flags = (rng() % 2 ? kFlagNeedReply : 0) | (rng() % 20 == 0 ? kFlagReply : 0);
      try {
        fe.send(request, payload, fds, flags);
      } catch (const std::exception&) {
        break;  // the server closed the connection: fine
      }
      for (int k = 0; k < 3; ++k) loop.run_once(0);
      // Drain whatever came back so the socket never fills.
      char sink[4096];
      while (::recv(fe.fd(), sink, sizeof sink, MSG_DONTWAIT) > 0) {
      }
    }
    fe.close();
    fe.pump_until([&] { return !server->connected(); }, std::chrono::milliseconds(500));
    EXPECT_FALSE(server->connected());
    server.reset();
  }
  EXPECT_EQ(memory.region_count(), 0u);
  EXPECT_EQ(test::open_fd_count(), fds_before) << "an fd of some refused message was kept";
  EXPECT_GE(device.resets, connections) << "every connection ended with a device reset (RESET_OWNER adds some)";
}

TEST(Robustness, RandomDescriptorTablesStayInsideGuestRam) {
  std::mt19937_64 rng(7);
  constexpr uint64_t kRam = 1 << 20;
  GuestRam ram(kRam);
  GuestMemory memory;
  memory.add(ram.region());
  constexpr uint32_t kNum = 64;
  constexpr uint64_t kTable = 0x1000;
  int ok = 0, refused = 0;
  for (int round = 0; round < 20000; ++round) {
    // Random descriptors, biased towards plausible values so that long chains happen.
    for (uint32_t i = 0; i < kNum; ++i) {
      uint8_t* d = ram.at(kTable + 16 * i);
      const uint64_t addr = rng() % 8 == 0 ? rng() : rng() % (kRam + 0x1000);
      const uint32_t len = rng() % 8 == 0 ? static_cast<uint32_t>(rng()) : static_cast<uint32_t>(rng() % 0x2000);
      const uint16_t flags = static_cast<uint16_t>(rng() % 8);
      const uint16_t next = static_cast<uint16_t>(rng() % 8 == 0 ? rng() : rng() % kNum);
      std::memcpy(d, &addr, 8);
      std::memcpy(d + 8, &len, 4);
      std::memcpy(d + 12, &flags, 2);
      std::memcpy(d + 14, &next, 2);
    }
    // Some indirect tables pointing back into the same area.
    if (rng() % 4 == 0) {
      const uint64_t t = kTable + 16 * (rng() % kNum);
      const uint32_t len = static_cast<uint32_t>(16 * (1 + rng() % 8));
      const uint16_t flags = kDescFlagIndirect;
      std::memcpy(ram.at(kTable) + 0, &t, 8);
      std::memcpy(ram.at(kTable) + 8, &len, 4);
      std::memcpy(ram.at(kTable) + 12, &flags, 2);
    }
    CommandChain chain;
    const ChainError e = walk_chain(ram.at(kTable), kNum, static_cast<uint16_t>(rng() % (kNum + 2)), memory, true,
                                    ChainLimits{}, chain);
    if (e != ChainError::None) {
      ++refused;
      continue;
    }
    ++ok;
    for (const auto* side : {&chain.readable, &chain.writable})
      for (const iovec& v : *side) {
        const auto* p = static_cast<const uint8_t*>(v.iov_base);
        ASSERT_GE(p, ram.at(0));
        ASSERT_LE(p + v.iov_len, ram.at(0) + kRam);
      }
  }
  EXPECT_GT(ok, 100) << "the generator should produce some valid chains";
  EXPECT_GT(refused, 100);
}

}  // namespace
}  // namespace vugpu
