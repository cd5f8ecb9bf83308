// A Device with blob.guest's provider (its sources are compiled into this test) over guest RAM
// that is a real memfd (sealed like QEMU's memory-backend-memfd unless asked otherwise), mapped
// as two regions adjacent in guest physical addresses, as the vhost-user transport maps it
// (MemoryRegion::map + keep_file). The renderer is the real renderer.pixman plugin; the
// presenter is the device tests' TestPresenter (which can hold releases).
#pragma once
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <drm_fourcc.h>
#include <linux/virtio_gpu.h>
#include <map>
#include <memory>
#include <vector>
#include "device/device.hpp"
#include "guest_blob_provider.hpp"
#include "host/host_links.hpp"
#include "host/loop_host_services.hpp"
#include "loop/event_loop.hpp"
#include "plugin/plugin_instance.hpp"
#include "support/capturing_log.hpp"
#include "support/commands.hpp"
#include "support/harness.hpp"
#include "support/test_presenter.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::blobtest {

inline constexpr uint32_t kOk = VIRTIO_GPU_RESP_OK_NODATA;
inline constexpr uint32_t kErrUnspec = VIRTIO_GPU_RESP_ERR_UNSPEC;
inline constexpr uint32_t kErrOom = VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY;
inline constexpr uint32_t kErrScanout = VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID;
inline constexpr uint32_t kErrResource = VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID;
inline constexpr uint32_t kErrParam = VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER;
inline constexpr uint32_t kXrgb = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;
inline constexpr uint64_t kPage = 4096;
inline constexpr uint64_t kBase = 0x100000;

// Guest RAM in one memfd: region 0 = [kBase, kBase + bytes/2), region 1 right after it.
class MemfdRam {
 public:
  MemfdRam(uint64_t bytes, bool sealed);
  GuestMemory& memory() { return memory_; }
  uint8_t* host(uint64_t gpa) { return view_ + (gpa - kBase); }
  uint64_t end() const { return kBase + bytes_; }
  uint64_t boundary() const { return kBase + bytes_ / 2; }
  // Removes region 1 from the guest memory map (REM_MEM_REG).
  void remove_high();
  // `pages` pages in reverse order from `first_page` (scattered, as a guest's allocator).
  std::vector<virtio_gpu_mem_entry> pages(uint64_t first_gpa, uint64_t count, bool reversed = true) const;

 private:
  uint64_t bytes_;
  UniqueFd fd_;
  uint8_t* view_ = nullptr;  // the test's own mapping (the "guest CPU")
  MappedRange own_;
  GuestMemory memory_;
};

// Requests.
std::vector<uint8_t> create_blob(uint32_t id, uint64_t size, const std::vector<virtio_gpu_mem_entry>& entries,
                                 uint32_t blob_mem = VIRTIO_GPU_BLOB_MEM_GUEST,
                                 uint32_t flags = VIRTIO_GPU_BLOB_FLAG_USE_SHAREABLE, int64_t nr_entries = -1);
std::vector<uint8_t> set_scanout_blob(uint32_t scanout, uint32_t id, const Rect& r, uint32_t width, uint32_t height,
                                      uint32_t stride, uint32_t offset = 0, uint32_t format = kXrgb);
std::vector<uint8_t> map_blob(uint32_t id);
std::vector<uint8_t> attach_entries(uint32_t id, const std::vector<virtio_gpu_mem_entry>& entries);

// True when [p, p + len) is mapped in this process (mincore succeeds).
bool mapped(const void* p, size_t len);

struct Submitted {
  std::vector<uint8_t> request, response;
  bool completed = false;
  uint32_t type() const;
};

class BlobDevice {
 public:
  struct Options {
    bool sealed = true;
    bool with_provider = true;
    std::string view = "auto";
    std::string udmabuf_device = "/dev/udmabuf";
    Limits limits;
  };
  BlobDevice() : BlobDevice(Options{}) {}
  explicit BlobDevice(Options o);
  ~BlobDevice();

  Submitted& submit(std::vector<uint8_t> request, QueueId q = QueueId::Control);
  uint32_t call(std::vector<uint8_t> request);  // must complete at once
  bool run_until(const std::function<bool()>& done);

  // A w x h XRGB blob on scanout 0 over `entries` (pages of the RAM), drawn with pattern seed.
  void show_blob(uint32_t id, uint32_t w, uint32_t h, const std::vector<virtio_gpu_mem_entry>& entries, uint32_t seed);
  void draw(const std::vector<virtio_gpu_mem_entry>& entries, const std::vector<uint8_t>& bytes);

  EventLoop loop;
  test::CapturingLog log;
  HostLinks links;
  LoopHostServices host{loop, log, links};
  MemfdRam ram;
  PluginInstance<Renderer> pixman;
  std::unique_ptr<blob_guest::GuestBlobProvider> provider;
  test::TestPresenter presenter;
  std::unique_ptr<Device> device;
  std::map<uint16_t, std::unique_ptr<Submitted>> sent;

 private:
  uint16_t next_head_ = 0;
};

}  // namespace vugpu::blobtest
