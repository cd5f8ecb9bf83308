// Starting a toolkit thread (SDL, GTK) and waiting until its toolkit is up, so that a display
// that cannot be opened fails the presenter's constructor with the toolkit's reason.
//
// Threading: start_toolkit_thread on the device loop (the presenter's constructor); the rest as
// each says.
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <future>
#include <string>
#include <thread>

namespace vugpu::window {

// Runs `run` on a new thread and waits for it to set the promise: empty = started (the thread
// goes on and is returned); otherwise `run` must return at once, the thread is joined and
// std::runtime_error(reason) thrown. `run` must not touch the promise after setting it.
std::thread start_toolkit_thread(std::function<void(std::promise<std::string>& started)> run);

// How a toolkit thread ended: it returned from its loop, or it parked for good after its X
// display was lost (x_display_loss.hpp). stop() waits for either, then joins or detaches.
class ToolkitThreadEnd {
 public:
  void returned() { end(false); }  // the toolkit thread, last thing in its run()
  void parked() { end(true); }     // the toolkit thread, just before it parks
  // Waits until the toolkit thread returned or parked; true when it parked (detach it, do not
  // join). The caller has asked the thread to stop. Any thread.
  bool wait_parked() {
    std::unique_lock lock(mutex_);
    ended_.wait(lock, [this] { return done_; });
    return parked_;
  }

 private:
  void end(bool parked) {
    std::lock_guard lock(mutex_);
    done_ = true;
    parked_ = parked;
    ended_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable ended_;
  bool done_ = false, parked_ = false;
};

}  // namespace vugpu::window
