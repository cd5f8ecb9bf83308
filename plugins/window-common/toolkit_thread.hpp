// Starting a toolkit thread (SDL, GTK) and waiting until its toolkit is up, so that a display
// that cannot be opened fails the presenter's constructor with the toolkit's reason.
//
// Threading: on the device loop (the presenter's constructor).
#pragma once
#include <functional>
#include <future>
#include <string>
#include <thread>

namespace vugpu::window {

// Runs `run` on a new thread and waits for it to set the promise: empty = started (the thread
// goes on and is returned); otherwise `run` must return at once, the thread is joined and
// std::runtime_error(reason) thrown. `run` must not touch the promise after setting it.
std::thread start_toolkit_thread(std::function<void(std::promise<std::string>& started)> run);

// close = "exit": SIGTERM to the main thread, which runs the device loop and reads SIGTERM from
// a signalfd (the daemon blocks it in every thread), so vugpu stops exactly as when a service
// manager stops it. tgkill is in the daemon's base seccomp allowlist, kill is not. Any thread.
void stop_daemon();

}  // namespace vugpu::window
