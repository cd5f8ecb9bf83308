#include <sys/mman.h>
#include <cerrno>
#include <cstring>
#include "views.hpp"

namespace vugpu::blob_guest {

bool make_memfd_view(std::span<const FileRun> runs, uint64_t size, BlobView& out, std::string& why) {
  if (runs.empty()) {
    why = "a piece has no memory file";
    return false;
  }
  const uint64_t granule = file_granule(runs);
  if (granule == 0 || !runs_aligned(runs, granule)) {
    why = "entries are not aligned to the memory's page size" + (granule > 4096 ? std::string(" (huge pages)") : "");
    return false;
  }
  if (!files_sealed_against_shrink(runs)) {
    why = "guest memory is not sealed against shrinking (a truncation would fault the reader)";
    return false;
  }
  // Reserve the whole range first (no access), so the runs land back to back and nothing else
  // can be mapped in between; the reservation is the mapping the view owns.
  void* base = ::mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    why = std::string("reserving the range: ") + std::strerror(errno);
    return false;
  }
  MappedRange range(base, size);
  uint64_t at = 0;
  for (const FileRun& r : runs) {
    void* want = range.data() + at;
    void* got = ::mmap(want, r.length, PROT_READ, MAP_SHARED | MAP_FIXED, r.fd, static_cast<off_t>(r.offset));
    if (got == MAP_FAILED) {
      why = std::string("mapping a run of the memory file: ") + std::strerror(errno);
      return false;  // `range` unmaps the reservation and every run mapped into it
    }
    at += r.length;
  }
  out.kind = BlobViewKind::MemfdMap;
  out.mapping = std::move(range);
  out.data = out.mapping.data();
  out.size = size;
  return true;
}

}  // namespace vugpu::blob_guest
