// What the device needs from the configuration: scanouts and limits. Filled by core/config
// from TOML (or the embedded default); the device never sees TOML.
#pragma once
#include <cstdint>
#include <vector>

namespace vugpu {

struct ScanoutSettings {
  uint32_t width = 1280, height = 800;
  bool enabled = true;
};

// Everything a hostile guest could use to exhaust the host is bounded here.
struct Limits {
  uint64_t host_memory_bytes = 1ull << 30;  // sum of host storage of all resources
  uint32_t max_resources = 16384;
  // Per resource. QEMU's 16384 breaks large textures (a 4K RGBA texture in 4 KiB pages needs
  // 8100; a 8K one 32400), so the default is far higher.
  uint32_t max_backing_entries = 1u << 20;
  uint32_t max_dimension = 16384;           // width and height of a 2D resource
  uint32_t max_contexts = 64;
  uint32_t max_capset_bytes = 1u << 20;
  uint32_t max_submit_bytes = 16u << 20;    // one SUBMIT_3D command buffer
  // Blob views alive (each a udmabuf fd or memory-file mappings; counted until the last
  // presenter let go of it) and the mappings they may hold (a view's piece count): kernel
  // resources, bounded below RLIMIT_NOFILE's usual 1024 and vm.max_map_count's 65530.
  uint32_t max_blob_views = 256;
  uint32_t max_blob_mappings = 32768;
};

struct DeviceSettings {
  // 1..16. (Sized, not brace-initialised: GCC 12 warns falsely about an initializer_list here.)
  std::vector<ScanoutSettings> scanouts = std::vector<ScanoutSettings>(1);
  Limits limits;
  bool edid = true;  // offer VIRTIO_GPU_F_EDID
};

}  // namespace vugpu
