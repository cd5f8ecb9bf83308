// The real-window tests every windowed presenter must pass (shared_window_tests.cpp), written
// once and compiled into each presenter's own test binary (present_sdl_test, present_gtk_test),
// which names its plugin by defining presenter_under_test(): a binary loads only its own plugin.
// A presenter's own tests (GTK's tabs, SDL's max_fps, ...) use the same fixture in its own file.
//
// Threading: the test thread (as WindowFixture).
#pragma once
#include <string>
#include "window_fixture.hpp"

namespace vugpu::test {

struct PresenterUnderTest {
  std::string plugin;        // "present.sdl"
  std::string title_prefix;  // its vm_name in the tests: the windows' title before ": scanout N"
};

// Defined once per test binary (in the presenter's own test file).
PresenterUnderTest presenter_under_test();

class Windows : public WindowFixture {
 protected:
  Windows() : Windows(presenter_under_test()) {}

 private:
  explicit Windows(PresenterUnderTest p) : WindowFixture(std::move(p.plugin), std::move(p.title_prefix)) {}
};

}  // namespace vugpu::test
