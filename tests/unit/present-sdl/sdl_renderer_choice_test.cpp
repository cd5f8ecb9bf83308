// present.sdl's choice of SDL renderer, in real windows under Xvfb, whose OpenGL (GLX) is always
// Mesa's CPU rasteriser (llvmpipe): without a `renderer` option it draws with SDL's software
// renderer (one line says why), straight into the window, so llvmpipe's threads do no work per
// frame; a renderer named in the options is used as named ("opengl": llvmpipe does work).
// The fixture is tests/unit/window-support's (this binary's presenter: sdl_window_test.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include "shared_window_tests.hpp"

namespace vugpu {
namespace {

using test::GuestImage;
using test::Screenshot;
using test::WindowInfo;
using test::Windows;

constexpr const char* kSoftwareChosen = "(no GPU): drawing with SDL's software renderer";

// CPU time (ns, /proc schedstat) of each of this process's threads named llvmpipe-N: Mesa's
// rasteriser workers, of any GL context in the process (SDL's, egl-common's DmabufReader's).
std::map<std::string, uint64_t> llvmpipe_thread_ns() {
  std::map<std::string, uint64_t> ns;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    uint64_t on_cpu = 0;
    if (name.rfind("llvmpipe", 0) == 0 && std::ifstream(task.path() / "schedstat") >> on_cpu)
      ns[task.path().filename().string()] = on_cpu;
  }
  return ns;
}

// What llvmpipe's threads ran between two llvmpipe_thread_ns() (a thread new in `after`: all of it).
uint64_t llvmpipe_work(const std::map<std::string, uint64_t>& before, const std::map<std::string, uint64_t>& after) {
  uint64_t work = 0;
  for (const auto& [tid, ns] : after) {
    const auto it = before.find(tid);
    const uint64_t then = it == before.end() ? 0 : it->second;
    work += ns > then ? ns - then : 0;
  }
  return work;
}

struct Choice {
  const char* name;          // the test's name
  const char* options;       // the plugin's table
  const char* renderer;      // SDL's renderer the window must have
  bool software_line;        // the "no GPU" line is logged
  bool llvmpipe_per_frame;   // llvmpipe's threads work for each frame drawn
};

void PrintTo(const Choice& c, std::ostream* os) { *os << c.name; }

class RendererChoice : public Windows, public ::testing::WithParamInterface<Choice> {};

// Five frames, each waited for on screen: llvmpipe's threads work for them exactly when SDL
// draws through OpenGL (the software renderer's window surface shown through a GL texture, i.e.
// SDL_FRAMEBUFFER_ACCELERATION not off, counts as that too).
TEST_P(RendererChoice, PicksTheRendererAndDrawsThroughOpenGlOnlyWhenItIsUsed) {
  if (!std::filesystem::exists("/proc/self/schedstat"))
    GTEST_SKIP() << "SKIPPED: no /proc/<pid>/schedstat (a kernel without CONFIG_SCHED_INFO): threads' CPU time unknown";
  const Choice& c = GetParam();
  start(c.options);
  GuestImage img(200, 150, DRM_FORMAT_XRGB8888);
  show_painted(0, img, 1);
  const WindowInfo w = wait_window(0);
  ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 200, 150}, 1, 1); }), "");
  ASSERT_TRUE(wait_logged(std::string("scanout 0: window 200x150, SDL renderer ") + c.renderer));
  EXPECT_EQ(log_.count_containing(kSoftwareChosen), c.software_line ? 1u : 0u);
  if (c.software_line) {
    EXPECT_EQ(log_.count_containing("OpenGL is llvmpipe (no GPU)"), 1u) << "Xvfb's GLX: llvmpipe";
  }

  const auto before = llvmpipe_thread_ns();
  for (uint32_t seed = 2; seed <= 6; ++seed) {
    img.paint(seed);
    present(0, img.frame(), {0, 0, 200, 150});
    ASSERT_EQ(wait_screen([&](const Screenshot& s) { return shows(s, w, {0, 0, 200, 150}, 1, seed); }), "");
  }
  const uint64_t work = llvmpipe_work(before, llvmpipe_thread_ns());
  if (c.llvmpipe_per_frame) {
    EXPECT_GT(work, 0u) << "OpenGL draws on llvmpipe's threads";
  } else {
    EXPECT_EQ(work, 0u) << "llvmpipe ran " << work << " ns for 5 frames: drawn through OpenGL";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Options, RendererChoice,
    ::testing::Values(Choice{"Auto", "", "software", true, false},
                      Choice{"Software", "renderer = \"software\"\n", "software", false, false},
                      Choice{"OpenGL", "renderer = \"opengl\"\n", "opengl", false, true}),
    [](const auto& info) { return std::string(info.param.name); });

// The choice is made once (SDL keeps it until SDL_Quit): a second window takes the software
// renderer too, without another GL context and line, and both show their picture.
TEST_F(Windows, AutoRendererChoiceHoldsForEveryWindow) {
  start();
  GuestImage a(40, 30, DRM_FORMAT_XRGB8888), b(50, 20, DRM_FORMAT_XRGB8888);
  show_painted(0, a, 1);
  show_painted(1, b, 2);
  const WindowInfo wa = wait_window(0), wb = wait_window(1);
  // Without a window manager both sit at the same place: move one aside to see both.
  ASSERT_EQ(std::system(("xdotool windowmove " + std::to_string(wb.id) + " 500 400").c_str()), 0);
  const WindowInfo moved = wait_window(1, [](const WindowInfo& w) { return w.x == 500; });
  EXPECT_EQ(wait_screen([&](const Screenshot& s) {
              const std::string e = shows(s, wa, {0, 0, 40, 30}, 1, 1);
              return e.empty() ? shows(s, moved, {0, 0, 50, 20}, 1, 2) : e;
            }),
            "");
  ASSERT_TRUE(wait_logged("scanout 1: window 50x20, SDL renderer software"));
  EXPECT_EQ(log_.count_containing("scanout 0: window 40x30, SDL renderer software"), 1u);
  EXPECT_EQ(log_.count_containing(kSoftwareChosen), 1u);
}

}  // namespace
}  // namespace vugpu
