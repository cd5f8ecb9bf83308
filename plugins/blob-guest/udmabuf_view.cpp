#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include "views.hpp"

namespace vugpu::blob_guest {

bool make_udmabuf_view(int device, std::span<const FileRun> runs, uint64_t size, BlobView& out, std::string& why) {
  if (runs.empty()) {
    why = "a piece has no memory file";
    return false;
  }
  if (!runs_aligned(runs, static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)))) {
    why = "entries are not page-aligned";
    return false;
  }
  // struct udmabuf_create_list ends in a flexible array: one buffer of the right size.
  const size_t bytes = sizeof(udmabuf_create_list) + runs.size() * sizeof(udmabuf_create_item);
  std::vector<uint64_t> storage((bytes + 7) / 8, 0);
  auto* list = reinterpret_cast<udmabuf_create_list*>(storage.data());
  list->flags = UDMABUF_FLAGS_CLOEXEC;
  list->count = static_cast<uint32_t>(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    list->list[i].memfd = static_cast<uint32_t>(runs[i].fd);
    list->list[i].offset = runs[i].offset;
    list->list[i].size = runs[i].length;
  }
  UniqueFd dmabuf(::ioctl(device, UDMABUF_CREATE_LIST, list));
  if (!dmabuf) {
    why = std::string("UDMABUF_CREATE_LIST: ") + std::strerror(errno);
    return false;
  }
  void* cpu = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, dmabuf.get(), 0);
  if (cpu == MAP_FAILED) {
    why = std::string("mmap of the udmabuf: ") + std::strerror(errno);
    return false;
  }
  out.kind = BlobViewKind::Udmabuf;
  out.mapping = MappedRange(cpu, size);
  out.data = out.mapping.data();
  out.size = size;
  out.dmabuf = std::move(dmabuf);
  return true;
}

}  // namespace vugpu::blob_guest
