#include "view_pieces.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <set>

namespace vugpu::blob_guest {

std::vector<FileRun> file_runs(std::span<const GuestPiece> pieces) {
  std::vector<FileRun> runs;
  for (const GuestPiece& p : pieces) {
    if (p.fd < 0) return {};
    if (!runs.empty() && runs.back().fd == p.fd && runs.back().offset + runs.back().length == p.fd_offset) {
      runs.back().length += p.length;
      continue;
    }
    runs.push_back({p.fd, p.fd_offset, p.length});
  }
  return runs;
}

bool runs_aligned(std::span<const FileRun> runs, uint64_t granule) {
  return std::all_of(runs.begin(), runs.end(),
                     [&](const FileRun& r) { return r.offset % granule == 0 && r.length % granule == 0; });
}

uint64_t file_granule(std::span<const FileRun> runs) {
  uint64_t granule = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  std::set<int> seen;
  for (const FileRun& r : runs) {
    if (!seen.insert(r.fd).second) continue;
    struct stat st {};
    if (::fstat(r.fd, &st) != 0) return 0;
    granule = std::max<uint64_t>(granule, static_cast<uint64_t>(st.st_blksize));  // hugetlbfs: its huge page size
  }
  return granule;
}

bool files_sealed_against_shrink(std::span<const FileRun> runs) {
  std::set<int> seen;
  for (const FileRun& r : runs) {
    if (!seen.insert(r.fd).second) continue;
    const int seals = ::fcntl(r.fd, F_GET_SEALS);
    if (seals < 0 || (seals & F_SEAL_SHRINK) == 0) return false;
  }
  return true;
}

}  // namespace vugpu::blob_guest
