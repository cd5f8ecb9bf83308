// A plugin could not be found, opened, checked or started. The message is one line that names
// the file (or every folder searched) and the reason, with a hint where there is one.
#pragma once
#include <stdexcept>

namespace vugpu {

class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vugpu
