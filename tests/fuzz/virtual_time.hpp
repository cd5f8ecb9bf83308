// Virtual time for the display-channel fuzz target and its replay test: the VMM's end runs on the
// fuzzing thread, so whenever the channel waits for the VMM (a question's time-out, poll() on a
// message cut short or a full socket) nothing can arrive until the wait is over, and the wait
// itself is all an input would spend its time on (1 ms or more each, far more at nice 19 on a
// loaded machine). While a Frozen lives, time stands still and moves only when a wait would
// have passed:
//   - std::chrono::steady_clock (what the channel and io:: read) shows the time the Frozen was
//     made plus every advance();
//   - a poll() with a time-out that finds nothing ready returns 0 at once, the clock advanced by
//     its time-out (what the real one would have returned, later);
//   - a timerfd armed meanwhile (timerfd_settime, relative to the virtual clock) fires for
//     real, at once, in the advance() that passes its deadline, and never on its own.
// The same input then takes the same paths however loaded the machine is: no answer is lost to
// a time-out because the thread was descheduled. Outside a Frozen all three pass through.
// These are the program's own definitions of poll, timerfd_settime and steady_clock::now
// (symbol interposition), so only the two programs that link virtual_time.cpp have them.
//
// Threading: one Frozen at a time, made, advanced and destroyed by the thread that runs the
// channel; other threads must not poll() or arm timerfds while one lives.
#pragma once
#include <chrono>

namespace vugpu::fuzz::virtual_time {

class Frozen {
 public:
  Frozen();
  ~Frozen();
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;
};

// Moves the virtual clock on by `by`. True when a timerfd armed under this Frozen reached its
// deadline: it was made to fire, and is readable when this returns.
bool advance(std::chrono::nanoseconds by);

}  // namespace vugpu::fuzz::virtual_time
