// The guest pieces of a blob, regrouped for the kernel: neighbours that continue each other in
// the same memory file become one run (fewer udmabuf items, fewer mappings). Any thread.
#pragma once
#include <cstdint>
#include <span>
#include <vector>
#include <vugpu/blob.hpp>

namespace vugpu::blob_guest {

struct FileRun {
  int fd = -1;
  uint64_t offset = 0, length = 0;
};

// Runs of `pieces`, or an empty vector when a piece has no memory file.
std::vector<FileRun> file_runs(std::span<const GuestPiece> pieces);

// True when every run starts and ends on a multiple of `granule` (a power of two).
bool runs_aligned(std::span<const FileRun> runs, uint64_t granule);

// The largest page size among the runs' files (hugetlbfs: its huge page size, from st_blksize), at least the
// host page size; 0 when a file cannot be inspected.
uint64_t file_granule(std::span<const FileRun> runs);

// True when every run's file is sealed against shrinking (nobody can truncate the pages away
// under a mapping, which would turn a read into SIGBUS).
bool files_sealed_against_shrink(std::span<const FileRun> runs);

}  // namespace vugpu::blob_guest
