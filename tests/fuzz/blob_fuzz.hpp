// Fuzzing the blob commands: one input run through a fresh Device with blob.guest's provider
// (its sources compiled in, so sanitizers and coverage see them), the pixman renderer, test
// presenters that copy every damaged row and may hold frames, over a guest memory table the
// input lays out (1-3 regions of one memfd, sealed or not, each with or without its file,
// adjacent or with holes).
//
// Input (make_blob_corpus.py writes seeds): a configuration byte (view kind: auto / map / gather
// / udmabuf; presenters; scanouts; an unsealed memory file), a memory-table byte plus one byte a region (pages, hole
// before it, file kept), then operations: a raw command, a structured RESOURCE_CREATE_BLOB (mem
// entries mostly inside the table), SET_SCANOUT_BLOB, RESOURCE_FLUSH, ATTACH/DETACH_BACKING,
// UNREF, MAP/UNMAP_BLOB, 2D commands, the cursor from a blob, hold/release frames, a region
// unplugged or plugged back (memory_changed), a loop turn, a device reset.
//
// Invariants checked after the input (everything released): as the device target (each
// completion once and in order, never more bytes than the room, response types, fences echoed,
// every command completed, host memory within the limit) plus: a SET_SCANOUT_BLOB answered OK
// shows a framebuffer that lies inside the blob the guest created (an oracle independent of the
// device's checks). Reads outside a view are ASan's to find (gather views are heap buffers).
// Used by the libFuzzer target (clang) and a replay test (any compiler).
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace vugpu::fuzz {

struct BlobRunSummary {
  std::string broken;  // "" when every invariant held, else what broke
  uint64_t commands = 0, errors = 0;
  uint64_t blobs_created = 0, blob_scanouts_set = 0, blob_frames_presented = 0, cursor_images = 0;
};

BlobRunSummary run_blob_input_summary(std::span<const uint8_t> input);
inline std::string run_blob_input(std::span<const uint8_t> input) { return run_blob_input_summary(input).broken; }

}  // namespace vugpu::fuzz
