#include "device/resource_table.hpp"

namespace vugpu {

Resource* ResourceTable::find(uint32_t id) {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second.resource;
}

bool ResourceTable::has_backing(uint32_t id) const {
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.attached;
}

bool ResourceTable::fits(uint64_t extra) const {
  uint64_t total = 0;
  return !__builtin_add_overflow(charged_, extra, &total) && total <= limits_.host_memory_bytes;
}

Resource& ResourceTable::add(Resource&& resource) {
  const uint32_t id = resource.id;
  charged_ += resource.host_bytes;  // the caller checked fits() first
  auto [it, inserted] = entries_.insert_or_assign(id, Entry{std::move(resource)});
  return it->second.resource;
}

void ResourceTable::set_backing(uint32_t id, bool attached, uint64_t bookkeeping_bytes) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  charged_ -= it->second.backing_charge;
  it->second.backing_charge = bookkeeping_bytes;
  it->second.attached = attached;
  charged_ += bookkeeping_bytes;
}

void ResourceTable::remove(uint32_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  charged_ -= it->second.resource.host_bytes + it->second.backing_charge;
  entries_.erase(it);
}

std::vector<uint32_t> ResourceTable::ids() const {
  std::vector<uint32_t> out;
  out.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) out.push_back(id);
  return out;
}

}  // namespace vugpu
