// The three ways blob.guest builds a linear view of a guest blob (vugpu/blob.hpp), each filling
// a BlobView or saying why it cannot (`why`, for the log). Device loop thread only.
#pragma once
#include <span>
#include <string>
#include <vugpu/blob.hpp>
#include <vugpu/host.hpp>
#include "view_pieces.hpp"

namespace vugpu::blob_guest {

// udmabuf: one dmabuf over the runs (UDMABUF_CREATE_LIST on the open udmabuf device `device`),
// mapped for the CPU.
// Needs page-aligned runs in memfds sealed F_SEAL_SHRINK without F_SEAL_WRITE, and the
// module's limits (1024 items, 64 MiB by default).
bool make_udmabuf_view(int device, std::span<const FileRun> runs, uint64_t size, BlobView& out,
                       std::string& why);

// A linear CPU mapping: reserve `size` bytes of address space, then MAP_FIXED each run's file
// range into it, back to back. Needs runs aligned to their file's page size, in files sealed
// against shrinking.
bool make_memfd_view(std::span<const FileRun> runs, uint64_t size, BlobView& out, std::string& why);

// The honest fallback: a host buffer of `size` bytes filled from the pieces before each read.
bool make_gather_view(std::span<const GuestPiece> pieces, uint64_t size, BlobView& out, std::string& why);
// Copies [offset, offset + length) of the blob from its pieces into out.gather; returns the bytes copied.
uint64_t gather(BlobView& view, uint64_t offset, uint64_t length);

}  // namespace vugpu::blob_guest
