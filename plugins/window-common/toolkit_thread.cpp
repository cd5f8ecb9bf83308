#include "toolkit_thread.hpp"

#include <stdexcept>

namespace vugpu::window {

std::thread start_toolkit_thread(std::function<void(std::promise<std::string>& started)> run) {
  std::promise<std::string> started;
  auto result = started.get_future();
  // `run` moves into the thread: it outlives this call; `started` is set before result.get() returns.
  std::thread thread([run = std::move(run), &started] { run(started); });
  const std::string error = result.get();
  if (!error.empty()) {
    thread.join();
    throw std::runtime_error(error);
  }
  return thread;
}

}  // namespace vugpu::window
