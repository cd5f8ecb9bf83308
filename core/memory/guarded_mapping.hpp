// Mappings of files someone else can shrink under us -- guest RAM memfds from the VMM, blob
// views built on them -- made safe against SIGBUS.
//
// A VMM whose guest RAM is not sealed (QEMU's file and shm backends, memfd with seal=off) can
// ftruncate() it while we hold a mapping. The next load or store of a page past the new end of
// the file raises SIGBUS in whichever thread touched it: the device loop reading a ring or a
// transfer's backing, a presenter's thread reading a frame, a library (pixman, virglrenderer)
// copying from a blob view. Wrapping every such access in sigsetjmp() is impossible (the
// libraries' copies are not ours), so recovery happens in the signal handler instead:
//
//   1. The handler looks the faulting address up in a lock-free table of guarded mappings.
//   2. Found: it maps anonymous zero memory over the WHOLE mapping (mmap MAP_FIXED; a hugetlbfs
//      mapping stays aligned; one fault per mapping, not per page), marks the mapping poisoned,
//      counts the poisoning and writes to an eventfd. The faulting instruction runs again on
//      the zeros and the thread goes on: the data is wrong, nothing dies.
//   3. The device loop watches the eventfd (VhostUserServer): it drops the VMM (device reset,
//      every mapping of it unmapped). A command being executed when the fault hit finishes on
//      zeros; its response lands in the zero page the guest will never see again.
//   4. A SIGBUS anywhere else is not ours: the previous disposition is restored and the fault
//      repeats into it (default: the process dies with a core, as before).
//
// Threading: GuardedMapping may be created and destroyed on any thread; poisoned(),
// poison_count() and poison_fd() may be read on any thread; the handler runs on whichever
// thread faulted. The table holds kCapacity mappings: registration beyond that fails (the
// mapping is then refused by whoever wanted it; see MemoryRegion::map).
//
// Order rule: a guard must be destroyed BEFORE its mapping is unmapped (else the handler could
// replace a stranger's mapping that the kernel put at the same address in between).
#pragma once
#include <cstddef>
#include <cstdint>

namespace vugpu {

class GuardedMapping {
 public:
  static constexpr size_t kCapacity = 4096;

  GuardedMapping() = default;  // guards nothing
  // Registers [base, base + length); installs the SIGBUS handler on first use. valid() is
  // false when the table is full or length is 0.
  GuardedMapping(void* base, size_t length);
  ~GuardedMapping() { reset(); }
  GuardedMapping(GuardedMapping&& o) noexcept : slot_(o.slot_) { o.slot_ = kNone; }
  GuardedMapping& operator=(GuardedMapping&& o) noexcept;
  GuardedMapping(const GuardedMapping&) = delete;
  GuardedMapping& operator=(const GuardedMapping&) = delete;

  bool valid() const { return slot_ != kNone; }
  // The file shrank under the mapping: it is zeros now, its contents are lost.
  bool poisoned() const;
  // Unregisters (call before munmap).
  void reset();

 private:
  static constexpr size_t kNone = ~size_t{0};
  size_t slot_ = kNone;
};

// Installs the SIGBUS handler. Done when the program starts (a static initializer of this
// module); calling it again is harmless and says whether it worked.
// Returns false when sigaction() or eventfd() failed.
bool install_sigbus_guard();
// Poisonings since the process started (a mapping counts once per fault that replaced it).
uint64_t poison_count();
// An eventfd (non-blocking, close-on-exec) that becomes readable at each poisoning; -1 before
// install_sigbus_guard(). The caller reads it to rearm; it belongs to this module (never close it).
int poison_fd();
// Mappings registered now (for limits and leak checks).
size_t guarded_mapping_count();

}  // namespace vugpu
