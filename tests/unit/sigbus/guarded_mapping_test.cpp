// The SIGBUS guard against a VMM truncating guest RAM under the daemon: a real memfd, a real
// mapping, a real ftruncate(). The thread that faults (this one, or a "presenter" thread in
// the middle of copying a frame) must come out alive, reading zeros; the mapping says it is
// poisoned; the eventfd wakes whoever watches it. Faults elsewhere must still kill.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstring>
#include <thread>
#include <vector>
#include "memory/guarded_mapping.hpp"
#include "memory/guest_memory.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu {
namespace {

constexpr size_t kSize = 1 << 20;

UniqueFd filled_memfd(size_t size, uint8_t value) {
  UniqueFd fd(::memfd_create("guest-ram", MFD_CLOEXEC));
  EXPECT_TRUE(fd);
  EXPECT_EQ(::ftruncate(fd.get(), off_t(size)), 0);
  std::vector<uint8_t> bytes(size, value);
  EXPECT_EQ(::pwrite(fd.get(), bytes.data(), bytes.size(), 0), ssize_t(size));
  return fd;
}

bool poison_fd_readable() {
  pollfd p{poison_fd(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

void drain_poison_fd() {
  uint64_t n;
  while (::read(poison_fd(), &n, sizeof n) == ssize_t(sizeof n)) {
  }
}

TEST(SigbusGuard, TruncatedGuestRamReadsZerosAndIsPoisoned) {
  UniqueFd fd = filled_memfd(kSize, 0xab);
  auto region = MemoryRegion::map(fd.get(), 0, kSize, 0, 0);
  ASSERT_TRUE(region);
  EXPECT_EQ(region->host()[kSize - 1], 0xab);
  EXPECT_FALSE(region->poisoned());
  drain_poison_fd();
  const uint64_t before = poison_count();

  ASSERT_EQ(::ftruncate(fd.get(), 0), 0);
  volatile const uint8_t* p = region->host();
  EXPECT_EQ(p[4096 * 3], 0) << "the faulting read goes on, on zeros";
  EXPECT_TRUE(region->poisoned());
  EXPECT_EQ(poison_count(), before + 1);
  EXPECT_TRUE(poison_fd_readable()) << "the device loop is not woken";
  // Writes go to the anonymous replacement, not to the (gone) file; no second fault.
  region->host()[100] = 7;
  EXPECT_EQ(region->host()[100], 7);
  EXPECT_EQ(poison_count(), before + 1);
  drain_poison_fd();
}

TEST(SigbusGuard, OnlyTheMappingThatFaultedIsPoisoned) {
  UniqueFd a = filled_memfd(kSize, 1), b = filled_memfd(kSize, 2);
  auto ra = MemoryRegion::map(a.get(), 0, kSize, 0, 0);
  auto rb = MemoryRegion::map(b.get(), kSize, kSize, kSize, 0);
  ASSERT_TRUE(ra && rb);
  ASSERT_EQ(::ftruncate(a.get(), 4096), 0);  // the first page stays
  EXPECT_EQ(static_cast<volatile uint8_t*>(ra->host())[8192], 0);
  EXPECT_TRUE(ra->poisoned());
  EXPECT_FALSE(rb->poisoned());
  EXPECT_EQ(rb->host()[12345], 2);
  drain_poison_fd();
}

// A presenter's thread copying a frame out of guest memory when the VMM truncates it: the copy
// finishes (partly zeros), the thread and the process live on.
TEST(SigbusGuard, PresenterThreadCopyingAFrameSurvives) {
  UniqueFd fd = filled_memfd(kSize, 0x5a);
  auto region = MemoryRegion::map(fd.get(), 0, kSize, 0, 0);
  ASSERT_TRUE(region);
  const uint64_t before = poison_count();
  std::atomic<int> copies{0};
  std::atomic<bool> stop{false};
  std::vector<uint8_t> frame(kSize);
  std::thread presenter([&] {
    while (!stop.load()) {
      std::memcpy(frame.data(), region->host(), kSize);
      copies.fetch_add(1);
    }
  });
  while (copies.load() < 2) std::this_thread::yield();  // it is copying
  ASSERT_EQ(::ftruncate(fd.get(), 0), 0);
  while (!region->poisoned()) std::this_thread::yield();  // it faulted (a test timeout is the safety net)
  const int after_fault = copies.load();
  while (copies.load() < after_fault + 2) std::this_thread::yield();  // and it goes on copying
  stop = true;
  presenter.join();
  EXPECT_EQ(poison_count(), before + 1);
  EXPECT_EQ(frame[kSize / 2], 0) << "a copy after the truncation reads zeros";
  drain_poison_fd();
}

TEST(SigbusGuard, TwoThreadsFaultingTogetherBothSurvive) {
  UniqueFd fd = filled_memfd(kSize, 3);
  auto region = MemoryRegion::map(fd.get(), 0, kSize, 0, 0);
  ASSERT_TRUE(region);
  ASSERT_EQ(::ftruncate(fd.get(), 0), 0);
  std::atomic<unsigned> sum{0};
  auto reader = [&](size_t offset) {
    unsigned s = 0;
    for (size_t i = offset; i < kSize; i += 4096) s += static_cast<volatile uint8_t*>(region->host())[i];
    sum += s;
  };
  std::thread t1(reader, 0), t2(reader, 2048);
  t1.join();
  t2.join();
  EXPECT_EQ(sum.load(), 0u);
  EXPECT_TRUE(region->poisoned());
  drain_poison_fd();
}

TEST(SigbusGuard, RegistrationsAreCountedAndReleased) {
  const size_t before = guarded_mapping_count();
  {
    UniqueFd fd = filled_memfd(kSize, 0);
    auto region = MemoryRegion::map(fd.get(), 0, kSize, 0, 0);
    ASSERT_TRUE(region);
    EXPECT_EQ(guarded_mapping_count(), before + 1);
    auto borrowed = MemoryRegion::borrow(0, region->host(), kSize);
    EXPECT_EQ(guarded_mapping_count(), before + 1) << "a borrowed region owns no mapping to guard";
  }
  EXPECT_EQ(guarded_mapping_count(), before);
}

// A mapping a plugin built itself (a blob view) registered by hand.
TEST(SigbusGuard, AHandRegisteredViewIsGuardedUntilReset) {
  UniqueFd fd = filled_memfd(kSize, 9);
  void* view = ::mmap(nullptr, kSize, PROT_READ, MAP_SHARED, fd.get(), 0);
  ASSERT_NE(view, MAP_FAILED);
  {
    GuardedMapping guard(view, kSize);
    ASSERT_TRUE(guard.valid());
    ASSERT_EQ(::ftruncate(fd.get(), 0), 0);
    EXPECT_EQ(static_cast<volatile const uint8_t*>(view)[kSize - 1], 0);
    EXPECT_TRUE(guard.poisoned());
  }
  ::munmap(view, kSize);
  drain_poison_fd();
}

TEST(SigbusGuardDeathTest, AFaultOutsideGuardedMappingsStillKills) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ASSERT_TRUE(install_sigbus_guard());
  EXPECT_EXIT(
      {
        UniqueFd fd = filled_memfd(kSize, 1);
        void* plain = ::mmap(nullptr, kSize, PROT_READ, MAP_SHARED, fd.get(), 0);
        if (::ftruncate(fd.get(), 0) != 0) _exit(3);
        [[maybe_unused]] volatile uint8_t v = static_cast<volatile const uint8_t*>(plain)[8192];
        _exit(0);
      },
      ::testing::KilledBySignal(SIGBUS), "SIGBUS outside guest memory");
}

}  // namespace
}  // namespace vugpu
