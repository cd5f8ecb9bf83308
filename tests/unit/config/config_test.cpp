// Config parsing: the embedded default, the documented example, every error class with its
// line and column, overrides, and the printer's round trip.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include "config/config.hpp"
#include "config/config_printer.hpp"

namespace vugpu {
namespace {

void expect_same(const Config& a, const Config& b) {
  EXPECT_EQ(a.renderer, b.renderer);
  EXPECT_EQ(a.presenters, b.presenters);
  EXPECT_EQ(a.plugin_path, b.plugin_path);
  EXPECT_EQ(a.log_level, b.log_level);
  EXPECT_EQ(a.device.edid, b.device.edid);
  const Limits &la = a.device.limits, &lb = b.device.limits;
  EXPECT_EQ(la.host_memory_bytes, lb.host_memory_bytes);
  EXPECT_EQ(la.max_resources, lb.max_resources);
  EXPECT_EQ(la.max_backing_entries, lb.max_backing_entries);
  EXPECT_EQ(la.max_dimension, lb.max_dimension);
  EXPECT_EQ(la.max_contexts, lb.max_contexts);
  EXPECT_EQ(la.max_submit_bytes, lb.max_submit_bytes);
  EXPECT_EQ(la.max_blob_views, lb.max_blob_views);
  EXPECT_EQ(la.max_blob_mappings, lb.max_blob_mappings);
  ASSERT_EQ(a.device.scanouts.size(), b.device.scanouts.size());
  for (size_t i = 0; i < a.device.scanouts.size(); ++i) {
    EXPECT_EQ(a.device.scanouts[i].width, b.device.scanouts[i].width) << i;
    EXPECT_EQ(a.device.scanouts[i].height, b.device.scanouts[i].height) << i;
    EXPECT_EQ(a.device.scanouts[i].enabled, b.device.scanouts[i].enabled) << i;
  }
  EXPECT_EQ(a.plugins.size(), b.plugins.size());
}

// Parses `text` expecting a ConfigError; returns it.
ConfigError error_of(std::string_view text) {
  try {
    parse_config(text, "test.toml");
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ConfigError(SourcePos{}, "none");
}

TEST(Config, EmbeddedDefaultMatchesStructDefaults) {
  const Config parsed = default_config();
  EXPECT_EQ(parsed.source, kBuiltinConfigName);
  expect_same(parsed, Config{});
  EXPECT_EQ(parsed.renderer, "renderer.pixman");
  EXPECT_EQ(parsed.presenters, std::vector<std::string>{"present.vhost-user"});
}

TEST(Config, DocumentedExampleMatchesEmbeddedDefault) {
  const std::string path = std::string(VUGPU_SOURCE_DIR) + "/config/vugpu.toml";
  expect_same(load_config_file(path), default_config());
}

TEST(Config, ReadsEveryKey) {
  const Config c = parse_config(R"(
renderer = "renderer.virgl"
presenters = ["present.headless", "present.vhost-user"]
plugin_path = ["/opt/vugpu/plugins", "rel/dir"]
log_level = "debug"
[limits]
host_memory_mib = 64
max_resources = 100
max_backing_entries = 4096
max_dimension = 8192
max_contexts = 2
max_submit_mib = 4
max_blob_views = 12
max_blob_mappings = 345
[display]
edid = false
[[display.scanout]]
width = 1024
height = 768
[[display.scanout]]
width = 640
height = 480
enabled = false
[plugin."present.headless"]
snapshot_path = "/tmp/x-%s.png"
interval_ms = 0
)",
                                "/etc/vugpu/vugpu.toml");
  EXPECT_EQ(c.renderer, "renderer.virgl");
  EXPECT_EQ(c.presenters, (std::vector<std::string>{"present.headless", "present.vhost-user"}));
  EXPECT_EQ(c.plugin_path, (std::vector<std::string>{"/opt/vugpu/plugins", "/etc/vugpu/rel/dir"}));
  EXPECT_EQ(c.log_level, LogLevel::Debug);
  EXPECT_EQ(c.device.limits.host_memory_bytes, 64ull << 20);
  EXPECT_EQ(c.device.limits.max_resources, 100u);
  EXPECT_EQ(c.device.limits.max_backing_entries, 4096u);
  EXPECT_EQ(c.device.limits.max_dimension, 8192u);
  EXPECT_EQ(c.device.limits.max_contexts, 2u);
  EXPECT_EQ(c.device.limits.max_submit_bytes, 4u << 20);
  EXPECT_EQ(c.device.limits.max_blob_views, 12u);
  EXPECT_EQ(c.device.limits.max_blob_mappings, 345u);
  EXPECT_FALSE(c.device.edid);
  ASSERT_EQ(c.device.scanouts.size(), 2u);
  EXPECT_EQ(c.device.scanouts[0].width, 1024u);
  EXPECT_EQ(c.device.scanouts[0].height, 768u);
  EXPECT_TRUE(c.device.scanouts[0].enabled);
  EXPECT_EQ(c.device.scanouts[1].width, 640u);
  EXPECT_FALSE(c.device.scanouts[1].enabled);
  ASSERT_EQ(c.plugins.count("present.headless"), 1u);
  const auto& options = c.plugins.at("present.headless").options;
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(std::get<std::string>(*options.at("snapshot_path").value), "/tmp/x-%s.png");
  EXPECT_EQ(std::get<int64_t>(*options.at("interval_ms").value), 0);
  EXPECT_EQ(options.at("interval_ms").key_pos.line, 26u);
  EXPECT_EQ(options.at("interval_ms").value_pos.column, 15u);
}

TEST(ConfigErrors, SyntaxErrorHasLineAndColumn) {
  const auto e = error_of("renderer = \"renderer.pixman\"\n[limits]\nmax_resources = = 3\n");
  EXPECT_EQ(e.where().line, 3u);
  EXPECT_EQ(e.where().column, 17u);
  EXPECT_TRUE(std::string_view(e.what()).starts_with("test.toml:3:17: TOML syntax error")) << e.what();
}

TEST(ConfigErrors, UnknownKeySuggestsTheNearestOne) {
  const auto e = error_of("[limits]\nmax_resources = 4\n  max_resourcez = 5\n");
  EXPECT_EQ(e.where().line, 3u);
  EXPECT_EQ(e.where().column, 3u);
  EXPECT_STREQ(e.what(), "test.toml:3:3: unknown key (key 'limits.max_resourcez'; did you mean 'max_resources'?)");
}

TEST(ConfigErrors, UnknownTopLevelTable) {
  const auto e = error_of("log_level = \"info\"\n\n[limit]\n");
  EXPECT_EQ(e.where().line, 3u);
  EXPECT_EQ(e.where().column, 2u);
  EXPECT_NE(std::string(e.what()).find("did you mean 'limits'?"), std::string::npos) << e.what();
}

TEST(ConfigErrors, UnknownKeyFarFromAnyListsTheKnownOnes) {
  const auto e = error_of("[display]\ncolour = 3\n");
  EXPECT_STREQ(e.what(), "test.toml:2:1: unknown key (key 'display.colour'; known keys: edid, scanout)");
}

TEST(ConfigErrors, WrongTypePointsAtTheValue) {
  const auto e = error_of("[limits]\nmax_resources = \"many\"\n");
  EXPECT_EQ(e.where().line, 2u);
  EXPECT_EQ(e.where().column, 17u);
  EXPECT_STREQ(e.what(),
               "test.toml:2:17: wrong type: expected an integer, found string (key 'limits.max_resources')");
}

TEST(ConfigErrors, OutOfRange) {
  const auto e = error_of("[limits]\nmax_dimension = 100000\n");
  EXPECT_EQ(e.where().line, 2u);
  EXPECT_EQ(e.where().column, 17u);
  EXPECT_STREQ(e.what(), "test.toml:2:17: value 100000 is out of range 16..65536 (key 'limits.max_dimension')");
}

TEST(ConfigErrors, ScanoutLargerThanMaxDimension) {
  const auto e = error_of("[limits]\nmax_dimension = 2048\n[[display.scanout]]\nwidth = 4096\n");
  EXPECT_EQ(e.where().line, 4u);
  EXPECT_EQ(e.where().column, 9u);
  EXPECT_NE(std::string(e.what()).find("key 'display.scanout[0].width'"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("1..2048"), std::string::npos) << e.what();
}

TEST(ConfigErrors, TooManyScanouts) {
  std::string text = "[display]\n";
  for (int i = 0; i < 17; ++i) text += "[[display.scanout]]\nwidth = 640\n";
  const auto e = error_of(text);
  EXPECT_EQ(e.where().line, 2u);
  EXPECT_NE(std::string(e.what()).find("17 scanouts; vugpu supports 1..16"), std::string::npos) << e.what();
}

TEST(ConfigErrors, UnknownKeyInsideAScanout) {
  const auto e = error_of("[[display.scanout]]\nwidth = 640\n[[display.scanout]]\nwidht = 640\n");
  EXPECT_EQ(e.where().line, 4u);
  EXPECT_EQ(e.where().column, 1u);
  EXPECT_NE(std::string(e.what()).find("key 'display.scanout[1].widht'; did you mean 'width'?"), std::string::npos)
      << e.what();
}

TEST(ConfigErrors, BadLogLevel) {
  const auto e = error_of("\nlog_level = \"loud\"\n");
  EXPECT_EQ(e.where().line, 2u);
  EXPECT_EQ(e.where().column, 13u);
  EXPECT_NE(std::string(e.what()).find("one of trace, debug, info, warn, error"), std::string::npos);
}

TEST(ConfigErrors, PresenterListedTwice) {
  const auto e = error_of("presenters = [\"present.headless\", \"present.headless\"]\n");
  EXPECT_EQ(e.where().line, 1u);
  EXPECT_EQ(e.where().column, 35u);
  EXPECT_NE(std::string(e.what()).find("listed twice"), std::string::npos);
}

TEST(ConfigErrors, NoPresenter) {
  const auto e = error_of("presenters = []\n");
  EXPECT_EQ(e.where().column, 14u);
  EXPECT_NE(std::string(e.what()).find("no presenter"), std::string::npos);
}

TEST(ConfigErrors, PresentersMustBeStrings) {
  const auto e = error_of("presenters = [\"present.headless\", 3]\n");
  EXPECT_EQ(e.where().column, 35u);
  EXPECT_NE(std::string(e.what()).find("expected a string, found integer"), std::string::npos) << e.what();
}

TEST(ConfigErrors, UnquotedPluginTableNameGetsAHint) {
  const auto e = error_of("[plugin.renderer.virgl]\nrender_node = \"/dev/dri/renderD128\"\n");
  EXPECT_EQ(e.where().line, 1u);
  EXPECT_NE(std::string(e.what()).find("[plugin.\"renderer.virgl\"]"), std::string::npos) << e.what();
}

TEST(ConfigErrors, RendererMustBeAPluginName) {
  const auto e = error_of("renderer = \"../evil\"\n");
  EXPECT_EQ(e.where().column, 12u);
  EXPECT_NE(std::string(e.what()).find("is not a plugin name"), std::string::npos);
}

TEST(ConfigErrors, WholeMessageIsOneLine) {
  for (const char* text : {"[limits]\nmax_resourcez = 1\n", "x = = 1\n", "[display]\nedid = 1\n"}) {
    const auto e = error_of(text);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST(ConfigFile, MissingFileNamesThePath) {
  try {
    load_config_file("/nonexistent/vugpu.toml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "/nonexistent/vugpu.toml: cannot read the configuration file: No such file or directory "
                 "(check the path given to --config)");
  }
}

TEST(ConfigFile, ErrorsNameTheFile) {
  const auto path = std::filesystem::temp_directory_path() / ("vugpu-config-test-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[limits]\nmax_contexts = -1\n";
  try {
    load_config_file(path.string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(std::string_view(e.what()).starts_with(path.string() + ":2:16: value -1 is out of range"))
        << e.what();
  }
  std::filesystem::remove(path);
}

TEST(ConfigOverrides, VirglRenderNodeAndLogLevel) {
  Config c = default_config();
  apply_overrides(c, {.virgl = true, .render_node = "/dev/dri/renderD129", .log_level = LogLevel::Trace});
  EXPECT_EQ(c.renderer, "renderer.virgl");
  EXPECT_EQ(c.log_level, LogLevel::Trace);
  const RawOption& node = c.plugins.at("renderer.virgl").options.at("render_node");
  EXPECT_EQ(std::get<std::string>(*node.value), "/dev/dri/renderD129");
  EXPECT_EQ(node.value_pos.to_string(), "command line (--render-node)");
}

TEST(ConfigOverrides, CommandLineWinsOverTheFile) {
  Config c = parse_config("renderer = \"renderer.pixman\"\n[plugin.\"renderer.virgl\"]\nrender_node = \"/a\"\n", "f.toml");
  apply_overrides(c, {.virgl = false, .render_node = "/b", .log_level = std::nullopt});
  EXPECT_EQ(c.renderer, "renderer.pixman");  // --render-node alone does not switch renderers
  EXPECT_EQ(std::get<std::string>(*c.plugins.at("renderer.virgl").options.at("render_node").value), "/b");
  EXPECT_EQ(c.log_level, LogLevel::Info);
}

TEST(ConfigPrinter, OutputParsesBackToTheSameConfig) {
  const Config c = parse_config(
      "renderer = \"renderer.virgl\"\npresenters = [\"present.headless\"]\nplugin_path = [\"/p/\\\"q\\\"\"]\n"
      "log_level = \"warn\"\n[limits]\nmax_contexts = 3\n[display]\nedid = false\n"
      "[[display.scanout]]\nwidth = 800\nheight = 600\n[[display.scanout]]\nenabled = false\n",
      "orig.toml");
  const std::string printed = format_effective_config(c, {});
  const Config again = parse_config(printed, "printed.toml");
  expect_same(again, c);
  EXPECT_EQ(again.plugin_path, std::vector<std::string>{"/p/\"q\""});
}

}  // namespace
}  // namespace vugpu
