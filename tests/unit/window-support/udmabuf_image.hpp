// A guest picture in a real dma-buf for the import-path tests: the pattern packed in a sealed
// memfd and turned into a dma-buf by /dev/udmabuf (linear, stride 256-byte aligned as GPU
// drivers like it). Where the host has no /dev/udmabuf the tests skip, naming it (an allowed
// capability: tests/skip-policy). Header only; any thread.
#pragma once
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>
#include "guest_pattern.hpp"
#include "vugpu/unique_fd.hpp"

namespace vugpu::test {

struct UdmabufImage {
  UniqueFd memfd, dmabuf;
  Frame frame;  // dmabuf_fd set, pixels null: what a render node's renderer would hand a presenter
};

// `img`'s pixels (its fourcc) in a udmabuf; nullopt and `why` when /dev/udmabuf cannot make one.
inline std::optional<UdmabufImage> make_udmabuf(const GuestImage& img, std::string& why) {
  const uint32_t stride = (img.width * 4 + 255) / 256 * 256;
  const long page = ::sysconf(_SC_PAGESIZE);
  const uint64_t size = (uint64_t{stride} * img.height + page - 1) / page * page;
  UdmabufImage out;
  out.memfd.reset(::memfd_create("vugpu-test-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!out.memfd || ::ftruncate(out.memfd.get(), off_t(size)) != 0) {
    why = std::string("memfd: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::vector<uint8_t> bytes(size, 0);
  for (uint32_t y = 0; y < img.height; ++y)
    std::memcpy(&bytes[uint64_t{y} * stride], &img.bytes[uint64_t{y} * img.stride], uint64_t{img.width} * 4);
  if (::pwrite(out.memfd.get(), bytes.data(), bytes.size(), 0) != ssize_t(bytes.size()) ||
      ::fcntl(out.memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
    why = std::string("memfd: ") + std::strerror(errno);
    return std::nullopt;
  }
  const UniqueFd dev(::open("/dev/udmabuf", O_RDWR | O_CLOEXEC));
  if (!dev) {
    why = std::string("/dev/udmabuf: ") + std::strerror(errno);
    return std::nullopt;
  }
  udmabuf_create create{};
  create.memfd = uint32_t(out.memfd.get());
  create.flags = UDMABUF_FLAGS_CLOEXEC;
  create.size = size;
  out.dmabuf.reset(::ioctl(dev.get(), UDMABUF_CREATE, &create));
  if (!out.dmabuf) {
    why = std::string("/dev/udmabuf UDMABUF_CREATE: ") + std::strerror(errno);
    return std::nullopt;
  }
  out.frame = img.frame();
  out.frame.pixels = nullptr;
  out.frame.stride = stride;
  out.frame.modifier = DRM_FORMAT_MOD_LINEAR;
  out.frame.dmabuf_fd = out.dmabuf.get();
  return out;
}

}  // namespace vugpu::test
