// Start-up errors: one line, naming the plugin, the reason and a hint, thrown by the factory
// (the loader turns it into a PluginError; the daemon exits non-zero before serving).
#include "egl_headless_fixture.hpp"

namespace vugpu::test {
namespace {

void expect_start_fails(const std::function<void()>& start, const std::string& reason,
                        bool needs_hint) {
  try {
    start();
    ADD_FAILURE() << "started";
  } catch (const PluginError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("present.egl-headless failed to start: "), std::string::npos) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << what;
    if (needs_hint) {
      EXPECT_NE(what.find("hint: "), std::string::npos) << what;
    }
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
}

TEST_F(EglHeadlessTest, MissingRenderNodeFailsWithAHint) {
  expect_start_fails(
      [&] { start("render_node = \"/nonexistent/renderD128\"\n"); },
      "cannot open render node '/nonexistent/renderD128': No such file or directory", true);
}

TEST_F(EglHeadlessTest, RenderNodeThatIsNoDrmDeviceFailsWithAHint) {
  expect_start_fails([&] { start("render_node = \"/dev/null\"\n"); }, "'/dev/null' is not a DRM device", true);
}

TEST_F(EglHeadlessTest, BadOptionsFailAtStartWithTheReason) {
  for (const auto& [options, reason] : std::vector<std::pair<std::string, std::string>>{
           {"interval_ms = -5\nsnapshot_path = \"x.png\"\n", "interval_ms = -5: use -1 (never), 0 (every frame)"},
           {"snapshot_path = \"x-%d.png\"\n", "unknown sequence '%d'"},
           {"trigger_fifo = \"/tmp/x\"\n", "trigger_fifo is set but snapshot_path is empty"},
           {"output_width = 640\n", "output_width = 640, output_height = 0: set both to 0"},
           {"output_width = 99999\noutput_height = 10\n", "or both to 1..16384"}})
    expect_start_fails([&, &options = options] { start(options); }, reason, false);  // clang < 16 captures no binding
}

TEST_F(EglHeadlessTest, DefaultStartsOnEglSurfacelessAndSaysWhatItUses) {
  start("");
  egl_->shutdown();
  EXPECT_GE(log_.find("on the surfaceless EGL display"), 0);
}

}  // namespace
}  // namespace vugpu::test
