// An object a plugin created, together with the library its code lives in. The library is
// released only after the object is destroyed: a loaded library outlives every object it made.
#pragma once
#include <memory>
#include <utility>
#include "plugin/plugin_library.hpp"

namespace vugpu {

template <typename T>
class PluginInstance {
 public:
  PluginInstance() = default;
  PluginInstance(std::shared_ptr<const PluginLibrary> library, std::unique_ptr<T> object)
      : library_(std::move(library)), object_(std::move(object)) {}
  PluginInstance(PluginInstance&&) noexcept = default;
  PluginInstance& operator=(PluginInstance&& o) noexcept {
    reset();
    library_ = std::move(o.library_);
    object_ = std::move(o.object_);
    return *this;
  }
  ~PluginInstance() { reset(); }

  void reset() {
    object_.reset();  // the object's destructor is code of the library: run it first
    library_.reset();
  }

  T* get() const { return object_.get(); }
  T& operator*() const { return *object_; }
  T* operator->() const { return object_.get(); }
  explicit operator bool() const { return object_ != nullptr; }
  const PluginLibrary& library() const { return *library_; }

 private:
  std::shared_ptr<const PluginLibrary> library_;
  std::unique_ptr<T> object_;
};

}  // namespace vugpu
