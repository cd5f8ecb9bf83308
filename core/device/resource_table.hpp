// The device's one table of guest resources, and the host memory they cost: what the renderer
// reports for each (Resource::host_bytes) plus the device's own per-resource bookkeeping that
// grows with the guest's input (the translated backing list). Both count against
// Limits::host_memory_bytes, the number of resources against Limits::max_resources.
// Device loop thread only.
#pragma once
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>
#include "device/settings.hpp"
#include "vugpu/resource.hpp"

namespace vugpu {

class ResourceTable {
 public:
  explicit ResourceTable(const Limits& limits) : limits_(limits) {}

  // Null when there is no resource with this id. The pointer stays valid until remove(id).
  Resource* find(uint32_t id);
  bool has_backing(uint32_t id) const;

  bool full() const { return entries_.size() >= limits_.max_resources; }
  // True when `extra` more bytes stay within the host memory limit.
  bool fits(uint64_t extra) const;

  // Takes a resource the renderer has just created; charges its host_bytes.
  Resource& add(Resource&& resource);
  // Records that resource `id` now has a backing (or none), and its bookkeeping cost.
  void set_backing(uint32_t id, bool attached, uint64_t bookkeeping_bytes);
  // Drops the entry (the caller has already let the renderer destroy its state).
  void remove(uint32_t id);

  std::vector<uint32_t> ids() const;
  size_t size() const { return entries_.size(); }
  uint64_t charged_bytes() const { return charged_; }

 private:
  struct Entry {
    Resource resource;
    bool attached = false;
    uint64_t backing_charge = 0;
  };
  Limits limits_;
  std::unordered_map<uint32_t, Entry> entries_;  // node-based: Resource addresses are stable
  uint64_t charged_ = 0;
};

}  // namespace vugpu
