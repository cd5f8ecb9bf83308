// The vugpu binary's answers that need no VMM: help, version, capabilities, configuration
// checks, plugin listing, and start-up failures (non-zero exit before serving, one line).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <sstream>
#include "config/config.hpp"
#include "vugpu/plugin.hpp"
#include "daemon_test_support.hpp"

namespace vugpu::test {
namespace {

using boost::property_tree::ptree;

ptree parse_json(const std::string& text) {
  std::istringstream in(text);
  ptree tree;
  boost::property_tree::read_json(in, tree);  // throws on malformed JSON
  return tree;
}

std::vector<std::string> features_of(const ptree& caps) {
  std::vector<std::string> out;
  for (const auto& [key, value] : caps.get_child("features")) out.push_back(value.get_value<std::string>());
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Failures after the sandbox dropped capabilities come after its info line ("sandbox: dropped N
// capabilities"): the error itself is still the one line that is not an info log line.
std::string without_info_lines(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find("] [info] ") == std::string::npos) out += line + "\n";
  return out;
}

bool host_has_render_node() {
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/dev/dri", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().starts_with("renderD")) return true;
  return false;
}

TEST(Cli, HelpAnswers) {
  const auto r = run({kVugpu, "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* option : {"--socket-path", "--fd", "--print-capabilities", "--config", "--check-config",
                             "--list-plugins", "--virgl", "--render-node", "--once", "--verbose", "--log-level",
                             "--stats-file", "--version", "VUGPU_PLUGIN_PATH"})
    EXPECT_TRUE(contains(r.out, option)) << option << " missing from --help:\n" << r.out;
}

TEST(Cli, Version) {
  const auto r = run({kVugpu, "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "vugpu " VUGPU_VERSION "\n");
}

TEST(Cli, SocketPathAndFdExcludeEachOther) {
  const auto r = run({kVugpu, "--socket-path", "/tmp/never-created.sock", "--fd", "3"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "excludes")) << r.err;
  EXPECT_FALSE(std::filesystem::exists("/tmp/never-created.sock"));
}

TEST(Cli, NothingToServe) {
  const auto r = run({kVugpu}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vugpu: nothing to serve: give --socket-path PATH or --fd N (see --help)\n");
}

TEST(Cli, UnknownLogLevelIsAUsageError) {
  const auto r = run({kVugpu, "--log-level", "loud", "--socket-path", "/tmp/vugpu-never.sock"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "loud")) << r.err;
}

TEST(Capabilities, WithoutVirglPlugin) {
  const auto r = run({kVugpu, "--print-capabilities"}, plugins_from(test_plugin_dir()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const ptree caps = parse_json(r.out);
  EXPECT_EQ(caps.get<std::string>("type"), "gpu");
  EXPECT_EQ(features_of(caps), std::vector<std::string>{"edid"});
}

// `render-node` follows the host: libvirt fails a domain on a host without one when the backend
// advertises it. This host's answer, whichever it is, then a host with one faked in a private
// mount namespace (a tmpfs over /dev holding dri/renderD128).
TEST(Capabilities, VirglWhenTheVirglPluginLoadsRenderNodeOnlyWithOne) {
  const auto r = run({kVugpu, "--print-capabilities"}, plugins_from(test_plugin_dir() + "/fake-virgl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto features = features_of(parse_json(r.out));
  std::sort(features.begin(), features.end());
  if (host_has_render_node())
    EXPECT_EQ(features, (std::vector<std::string>{"edid", "render-node", "virgl"}));
  else
    EXPECT_EQ(features, (std::vector<std::string>{"edid", "virgl"}));
}

TEST(Capabilities, RenderNodeWhenTheHostHasOne) {
  const std::string script =
      "mount -t tmpfs none /dev && mkdir /dev/dri && : > /dev/dri/renderD128 && exec \"$@\"";
  const auto r = run({"/usr/bin/unshare", "--mount", "--map-root-user", "sh", "-c", script, "sh", kVugpu, "--print-capabilities"},
                     plugins_from(test_plugin_dir() + "/fake-virgl"));
  ASSERT_EQ(r.exit_code, 0) << "unshare/mount failed:\n" << r.err;
  auto features = features_of(parse_json(r.out));
  std::sort(features.begin(), features.end());
  EXPECT_EQ(features, (std::vector<std::string>{"edid", "render-node", "virgl"}));
}

TEST(Capabilities, NoRenderNodeWithoutTheVirglPluginEvenWhenTheHostHasOne) {
  const std::string script =
      "mount -t tmpfs none /dev && mkdir /dev/dri && : > /dev/dri/renderD128 && exec \"$@\"";
  const auto r = run({"/usr/bin/unshare", "--mount", "--map-root-user", "sh", "-c", script, "sh", kVugpu, "--print-capabilities"},
                     plugins_from(test_plugin_dir()));
  ASSERT_EQ(r.exit_code, 0) << "unshare/mount failed:\n" << r.err;
  EXPECT_EQ(features_of(parse_json(r.out)), std::vector<std::string>{"edid"});
}

TEST(Capabilities, NoEdidWhenTheConfigTurnsItOff) {
  TempDir dir;
  const auto config = dir.file("c.toml", "[display]\nedid = false\n");
  const auto r = run({kVugpu, "--config", config, "--print-capabilities"}, plugins_from(test_plugin_dir()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(features_of(parse_json(r.out)).empty()) << r.out;
}

TEST(Capabilities, ShortOptionAsQemuSpellsIt) {
  const auto r = run({kVugpu, "-c"}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NO_THROW(parse_json(r.out));
}

// QEMU's vhost-user-gpu: -c --print-capabilities, -f --fd, -s --socket-path, -r --render-node,
// -v --virgl. A script written for it must mean the same thing to vugpu.
TEST(Cli, ShortOptionsMeanWhatQemusVhostUserGpuMeans) {
  const auto r = run({kVugpu, "--help"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* pair : {"-c,--print-capabilities", "-f,--fd", "-s,--socket-path", "-r,--render-node", "-v,--virgl"})
    EXPECT_TRUE(contains(r.out, pair)) << pair << " missing from --help:\n" << r.out;
}

TEST(Cli, ShortVIsVirglAsInQemu) {
  TempDir dir;
  const auto config = dir.file("c.toml", "presenters = [\"test.valid-presenter\"]\n");
  const auto r = run({kVugpu, "--check-config", config, "-v"},
                     plugins_from(test_plugin_dir() + "/fake-virgl:" + test_plugin_dir()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "renderer = \"renderer.virgl\"")) << r.out;
}

TEST(Cli, ShortROnlyNamesTheRenderNode) {
  TempDir dir;
  const auto config = dir.file("c.toml", "presenters = [\"test.valid-presenter\"]\n");
  const auto r = run({kVugpu, "--check-config", config, "-r", "/dev/dri/renderD130"},
                     plugins_from(test_plugin_dir() + "/fake-virgl:" + test_plugin_dir()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "render_node = \"/dev/dri/renderD130\"")) << r.out;
}

TEST(CheckConfig, GoodFilePrintsTheEffectiveConfigWithPluginDefaults) {
  TempDir dir;
  const auto file = dir.file("good.toml",
                             "renderer = \"test.valid-renderer\"\npresenters = [\"test.valid-presenter\"]\n"
                             "[limits]\nmax_contexts = 3\n[plugin.\"test.valid-renderer\"]\ncount = 12\n");
  const auto r = run({kVugpu, "--check-config", file}, plugins_from(test_plugin_dir()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "max_contexts = 3\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "[plugin.\"test.valid-renderer\"]\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "count = 12  # int: an integer (default 30)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "flag = true  # bool: a boolean (default true)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "path = \"out/%s.png\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "[plugin.\"test.valid-presenter\"]\n# (this plugin has no options)")) << r.out;
  // The printout is itself a valid configuration, the same one.
  const Config printed = parse_config(r.out, "printed");
  EXPECT_EQ(printed.renderer, "test.valid-renderer");
  EXPECT_EQ(printed.device.limits.max_contexts, 3u);
  EXPECT_EQ(std::get<int64_t>(*printed.plugins.at("test.valid-renderer").options.at("count").value), 12);
}

TEST(CheckConfig, RealPluginsWithTheirOptions) {
  const std::string dir = real_plugin_dir();
  if (!built(dir, "renderer.pixman") || !built(dir, "present.headless"))
    GTEST_SKIP() << "renderer.pixman or present.headless not built in " << dir;
  TempDir tmp;
  const auto file = tmp.file("real.toml", "presenters = [\"present.headless\"]\n[plugin.\"present.headless\"]\ninterval_ms = 0\n");
  const auto r = run({kVugpu, "--check-config", file}, plugins_from(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "[plugin.\"renderer.pixman\"]")) << r.out;
  EXPECT_TRUE(contains(r.out, "interval_ms = 0  # int:")) << r.out;
  EXPECT_TRUE(contains(r.out, "snapshot_path = \"\"  # string:")) << r.out;
  EXPECT_TRUE(contains(r.out, "snapshot_on_exit = true  # bool:")) << r.out;
}

TEST(CheckConfig, BadFileExitsOneWithFileLineColumn) {
  TempDir dir;
  const auto file = dir.file("bad.toml", "log_level = \"info\"\n[limits]\nmax_resourcez = 10\n");
  const auto r = run({kVugpu, "--check-config", file}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "vugpu: " + file + ":3:1: unknown key (key 'limits.max_resourcez'; did you mean 'max_resources'?)\n");
}

TEST(CheckConfig, BadPluginOptionNamesKeyAndPosition) {
  TempDir dir;
  const auto file = dir.file("opt.toml",
                             "renderer = \"test.valid-renderer\"\npresenters = [\"test.valid-presenter\"]\n"
                             "[plugin.\"test.valid-renderer\"]\ncont = 3\n");
  const auto r = run({kVugpu, "--check-config", file}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vugpu: " + file +
                       ":4:1: unknown option of test.valid-renderer (key 'plugin.\"test.valid-renderer\".cont'; did you "
                       "mean 'count'?)\n");
}

TEST(CheckConfig, TablesOfUninstalledPluginsAreWarnedAbout) {
  TempDir dir;
  const auto file = dir.file("t.toml",
                             "renderer = \"test.valid-renderer\"\npresenters = [\"test.valid-presenter\"]\n"
                             "[plugin.\"present.headles\"]\ninterval_ms = 3\n");
  const auto r = run({kVugpu, "--check-config", file}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, file + ":3:9: options for plugin 'present.headles' not checked: it is not in use and not "
                                     "installed")) << r.err;
}

TEST(CheckConfig, MissingFile) {
  const auto r = run({kVugpu, "--check-config", "/nonexistent/x.toml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "vugpu: /nonexistent/x.toml: cannot read the configuration file: No such file or directory (check "
                   "the path given to --config)\n");
}

TEST(ListPlugins, ShowsTheTreePluginsWithOptions) {
  const std::string dir = real_plugin_dir();
  const auto r = run({kVugpu, "--list-plugins"}, plugins_from(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, dir + " (VUGPU_PLUGIN_PATH)")) << r.out;
  if (!built(dir, "present.headless")) GTEST_SKIP() << "present.headless not built";
  EXPECT_TRUE(contains(r.out, "present.headless 0.1.0 (presenter): ")) << r.out;
  EXPECT_TRUE(contains(r.out, "    snapshot_path (string, default \"\"): ")) << r.out;
  EXPECT_TRUE(contains(r.out, "    interval_ms (int, default 1000): ")) << r.out;
  for (const char* name : {"renderer.pixman", "present.vhost-user"}) {
    if (!built(dir, name)) {
      ADD_FAILURE() << name << " is not built in " << dir << " (expected by now)";
      continue;
    }
    EXPECT_TRUE(contains(r.out, std::string("\n") + name + " ")) << name << " missing:\n" << r.out;
  }
}

TEST(ListPlugins, BrokenFilesAreListedWithTheReason) {
  const auto r = run({kVugpu, "--list-plugins"}, plugins_from(test_plugin_dir()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, test_plugin_dir() + "/vugpu-test.wrong-abi.so: plugin ABI " +
                                  std::to_string(kAbiVersion + 1) + ", this vugpu speaks ABI " +
                                  std::to_string(kAbiVersion)))
      << r.out;
  EXPECT_TRUE(contains(r.out, "test.valid-renderer 9.8.7 (renderer)")) << r.out;
}

TEST(StartupFailures, MissingPresenterNamesTheFoldersAndDoesNotServe) {
  TempDir dir;
  const auto config = dir.file("c.toml", "renderer = \"test.valid-renderer\"\npresenters = [\"present.nothere\"]\n");
  const auto socket = (dir.path() / "gpu.sock").string();
  const auto r = run({kVugpu, "--config", config, "--socket-path", socket}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(line_count(r.err), 1u) << r.err;
  EXPECT_TRUE(contains(r.err, "vugpu: presenter plugin 'present.nothere' not found: no vugpu-present.nothere.so in " +
                                  test_plugin_dir() + " (VUGPU_PLUGIN_PATH), " VUGPU_PLUGIN_DIR " (built-in); install"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(socket)) << "served before failing";
}

TEST(StartupFailures, VirglWithoutThePlugin) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--virgl"},
                                               std::vector<std::string>{"--render-node", "/dev/dri/renderD128"}}) {
    std::vector<std::string> argv{kVugpu, "--socket-path", "/tmp/vugpu-never.sock"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run(argv, plugins_from(test_plugin_dir()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.err, "vugpu: --virgl/--render-node need the renderer.virgl plugin: renderer plugin "
                                "'renderer.virgl' not found: no vugpu-renderer.virgl.so in " +
                                    test_plugin_dir() + " (VUGPU_PLUGIN_PATH)"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "install the package that provides it")) << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
  }
}

TEST(StartupFailures, RenderNodeReachesTheVirglPluginOptions) {
  TempDir dir;
  const auto config = dir.file("c.toml", "presenters = [\"test.valid-presenter\"]\n");
  auto options = plugins_from(test_plugin_dir() + "/fake-virgl:" + test_plugin_dir());
  const auto r = run({kVugpu, "--check-config", config, "--render-node", "/dev/dri/renderD129"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "renderer = \"renderer.virgl\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "render_node = \"/dev/dri/renderD129\"")) << r.out;
}

TEST(StartupFailures, FactoryThatThrowsStopsBeforeServing) {
  TempDir dir;
  const auto config = dir.file("c.toml", "renderer = \"test.valid-renderer\"\npresenters = [\"test.throws\"]\n");
  const auto socket = (dir.path() / "gpu.sock").string();
  const auto r = run({kVugpu, "--config", config, "--socket-path", socket}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "vugpu: " + test_plugin_dir() +
                                  "/vugpu-test.throws.so: test.throws failed to start: no display here (test)\n"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(socket));
}

TEST(StartupFailures, SocketThatCannotBeCreated) {
  TempDir dir;
  const auto config = dir.file("c.toml", "renderer = \"test.valid-renderer\"\npresenters = [\"test.valid-presenter\"]\n");
  const auto r = run({kVugpu, "--config", config, "--socket-path", "/nonexistent/folder/gpu.sock"},
                     plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 1);
  const std::string error = without_info_lines(r.err);
  EXPECT_TRUE(error.starts_with("vugpu: ")) << r.err;
  EXPECT_TRUE(contains(error, "/nonexistent/folder/gpu.sock")) << r.err;
  EXPECT_EQ(line_count(error), 1u) << r.err;
}

TEST(StartupFailures, FdThatIsNotOpen) {
  TempDir dir;
  const auto config = dir.file("c.toml", "renderer = \"test.valid-renderer\"\npresenters = [\"test.valid-presenter\"]\n");
  const auto r = run({kVugpu, "--config", config, "--fd", "99"}, plugins_from(test_plugin_dir()));
  EXPECT_EQ(r.exit_code, 1);
  const std::string error = without_info_lines(r.err);
  EXPECT_TRUE(error.starts_with("vugpu: ")) << r.err;
  EXPECT_EQ(line_count(error), 1u) << r.err;
}

TEST(JsonDescriptor, PointsAtTheInstalledBinary) {
  std::ifstream in(VUGPU_JSON_DESCRIPTOR);
  ASSERT_TRUE(in) << VUGPU_JSON_DESCRIPTOR;
  std::stringstream text;
  text << in.rdbuf();
  const ptree d = parse_json(text.str());
  EXPECT_EQ(d.get<std::string>("type"), "gpu");
  EXPECT_FALSE(d.get<std::string>("description").empty());
  EXPECT_EQ(d.get<std::string>("binary"), std::string(VUGPU_INSTALL_LIBEXECDIR) + "/vugpu/vugpu");
}

}  // namespace
}  // namespace vugpu::test
