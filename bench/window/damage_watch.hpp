// Where the window benchmark's clock stops: a client of its own on the X server that watches a
// presenter's window with the DAMAGE extension (raw rectangles: every drawing request into the
// window is reported with its rectangle once the server has done it). A frame is "in the
// window" when the rectangles reported since forget() cover the window's whole visible area:
// the X server's copy of the window holds the new pixels (on Xvfb there is no scan-out beyond
// that). No hook inside the presenter.
//
// Threading: one thread (the benchmark's), which owns this X connection.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include "x_screen.hpp"

namespace vugpu::bench {

class DamageWatch {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to `display` and waits (for MapNotify on the root window, not by polling) until a
  // mapped top-level window whose title contains `title` exists, then watches its damage.
  // Throws std::runtime_error: no connection, no DAMAGE extension, no such window by `deadline`.
  DamageWatch(const std::string& display, const std::string& title, Clock::time_point deadline);
  ~DamageWatch();
  DamageWatch(const DamageWatch&) = delete;
  DamageWatch& operator=(const DamageWatch&) = delete;

  // The window's visible part (the window clipped to the screen), in window coordinates.
  uint32_t width() const { return visible_w_; }
  uint32_t height() const { return visible_h_; }

  // Forgets every rectangle reported up to now (a round trip first: everything the server has
  // done before this call is reported and dropped).
  void forget();
  // Waits until the rectangles reported since forget() cover the visible window and then
  // `is_new()` holds (a look at the pixels, after the time was taken): the time the covering
  // report was read, or nothing at `deadline`. A covering that fails `is_new()` (the old frame
  // drawn again: an expose, a resize) is counted in `stale` and the covering starts over.
  std::optional<Clock::time_point> wait_covered(Clock::time_point deadline, const std::function<bool()>& is_new,
                                                uint64_t& stale);
  // Counts the damage reports that arrive until `until` (idle redraws).
  uint64_t count_until(Clock::time_point until);
  // Waits until no damage is reported for `quiet` (a redraw still under way has finished), or
  // `deadline`.
  void wait_quiet(Clock::duration quiet, Clock::time_point deadline);

  // The window's pixel at (x, y) as the X server holds it (XGetImage: a round trip; untimed).
  test::Rgb pixel(int x, int y);

 private:
  // Reads what the server sent until `deadline`; `on_damage(x, y, w, h)` per reported rectangle
  // returns true to stop. False at the deadline.
  void close();  // the X connection and what it holds; twice is harmless
  template <typename OnDamage>
  bool read_events(Clock::time_point deadline, OnDamage on_damage);

  void* display_ = nullptr;  // Display*
  unsigned long window_ = 0;
  unsigned long damage_ = 0;  // Damage
  int damage_event_base_ = 0;
  void* covered_ = nullptr;  // Region: the union of the rectangles since forget()
  uint32_t visible_x_ = 0, visible_y_ = 0, visible_w_ = 0, visible_h_ = 0;
};

}  // namespace vugpu::bench
