// A streaming JSON writer: the driver prints one object per workload for bench/run to merge.
// Streaming (not a tree) because the output is written once, in order, and never edited.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vugpu::bench {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);  // NaN and infinities become null: JSON has no spelling for them
  JsonWriter& value(uint64_t n);
  JsonWriter& value(int n) { return value(double(n)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  template <typename T>
  JsonWriter& value(const std::optional<T>& v) { return v ? value(*v) : null(); }
  JsonWriter& value(const std::vector<double>& v);

  // key + value in one call, the common case.
  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) { return key(k).value(v); }

  const std::string& str() const { return out_; }

 private:
  void separate();  // a comma before every element but the first of its container

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace vugpu::bench
