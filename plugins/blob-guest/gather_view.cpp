#include <algorithm>
#include <cstring>
#include <new>
#include "views.hpp"

namespace vugpu::blob_guest {

bool make_gather_view(std::span<const GuestPiece> pieces, uint64_t size, BlobView& out, std::string& why) {
  try {
    out.gather.assign(size, 0);
  } catch (const std::bad_alloc&) {
    why = "no host memory for a copy of " + std::to_string(size) + " bytes";
    return false;
  }
  out.pieces.assign(pieces.begin(), pieces.end());
  for (GuestPiece& p : out.pieces) p.fd = -1;  // borrowed for the call only
  out.kind = BlobViewKind::Gather;
  out.data = out.gather.data();
  out.size = size;
  return true;
}

uint64_t gather(BlobView& view, uint64_t offset, uint64_t length) {
  const uint64_t end = std::min<uint64_t>(offset + length, view.gather.size());
  uint64_t copied = 0, at = 0;
  for (const GuestPiece& p : view.pieces) {
    const uint64_t piece_end = at + p.length;
    if (piece_end > offset && at < end) {
      const uint64_t from = std::max(offset, at), to = std::min(end, piece_end);
      std::memcpy(view.gather.data() + from, p.host + (from - at), to - from);
      copied += to - from;
    }
    if (piece_end >= end) break;
    at = piece_end;
  }
  return copied;
}

}  // namespace vugpu::blob_guest
