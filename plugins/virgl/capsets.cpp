// Capsets: what the guest's Mesa virgl driver learns about the host GL. Device loop thread.
//
// CVE-2016-10028 (QEMU): a capset whose size virglrenderer reports as 0 led to a zero-sized
// buffer being filled. Here such a capset is never listed and asking for it is an error; and
// the library fills a scratch buffer of our own, larger than the size it reported, of which
// only that size reaches the guest: every byte of a response is defined and nothing is written
// past the core's buffer, whatever the library does.
#include <algorithm>
#include <exception>
#include <vector>
#include "virgl_api.hpp"
#include "virgl_renderer.hpp"

namespace vugpu::virgl {

Status VirglRenderer::capset_info(uint32_t index, CapsetInfo& out) {
  if (!on_device_thread("capset_info")) return Status::Unspec;
  if (index >= capsets_.size()) return Status::InvalidParameter;
  out = capsets_[index];
  return Status::Ok;
}

Status VirglRenderer::capset(uint32_t id, uint32_t version, std::span<uint8_t> out) {
  if (!on_device_thread("capset")) return Status::Unspec;
  const auto known = std::find_if(capsets_.begin(), capsets_.end(), [&](const CapsetInfo& c) { return c.id == id; });
  if (known == capsets_.end()) return Status::InvalidParameter;

  uint32_t max_version = 0, size = 0;
  virgl_renderer_get_cap_set(id, &max_version, &size);
  if (size == 0 || version > max_version) return Status::InvalidParameter;
  if (out.size() < size) return Status::InvalidParameter;

  constexpr size_t kSlack = 4096;  // room for a library that writes more than it announced
  std::vector<uint8_t> scratch;
  try {
    scratch.assign(size_t{size} * 2 + kSlack, 0);
  } catch (const std::exception&) {
    return Status::OutOfMemory;
  }
  virgl_renderer_fill_caps(id, version, scratch.data());
  std::copy_n(scratch.begin(), size, out.begin());
  std::fill(out.begin() + size, out.end(), 0);
  return Status::Ok;
}

}  // namespace vugpu::virgl
