// The loader against deliberately broken plugins (tests/plugins) and the real ones: every
// failure is one line naming the file and the reason; a library outlives its objects.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include "config/plugin_options.hpp"
#include "host/loop_host_services.hpp"
#include "log/spdlog_log.hpp"
#include "plugin/loader.hpp"
#include "plugin/plugin_error.hpp"
#include "test_dirs.hpp"

namespace vugpu {
namespace {

using test::broken_plugin_dir;

std::string file_of(std::string_view name) { return (broken_plugin_dir() / plugin_file_name(name)).string(); }

// The message of the PluginError that opening (and, if that works, starting) `name` gives.
std::string failure_of(std::string_view name, PluginKind kind = PluginKind::Presenter) {
  PluginLoader loader({{broken_plugin_dir(), "test"}});
  EventLoop loop;
  SpdLog log(LogLevel::Error);
  HostLinks links;
  LoopHostServices host(loop, log, links);
  try {
    auto lib = loader.load(name, kind);
    auto options = resolve_plugin_options(name, lib->options(), nullptr);
    if (kind == PluginKind::Presenter) create_presenter(lib, host, options);
    else create_renderer(lib, host, options);
  } catch (const PluginError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "not one line: " << e.what();
    return e.what();
  }
  ADD_FAILURE() << name << " loaded and started";
  return {};
}

class BrokenPlugins : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(file_of("test.valid-presenter")))
      GTEST_SKIP() << "test plugins not built in " << broken_plugin_dir() << " (build target vugpu-test-plugins)";
  }
};

TEST_F(BrokenPlugins, NoDescriptor) {
  EXPECT_EQ(failure_of("test.no-descriptor"),
            file_of("test.no-descriptor") +
                ": no plugin descriptor (symbol 'vugpu_plugin_descriptor' is missing); is this a vugpu plugin? "
                "Plugins export one with VUGPU_EXPORT_PLUGIN()");
}

TEST_F(BrokenPlugins, WrongAbiVersion) {
  EXPECT_EQ(failure_of("test.wrong-abi"), file_of("test.wrong-abi") + ": plugin ABI " + std::to_string(kAbiVersion + 1) +
                                              ", this vugpu speaks ABI " + std::to_string(kAbiVersion) +
                                              "; rebuild the plugin against vugpu " VUGPU_VERSION);
}

TEST_F(BrokenPlugins, WrongStructSize) {
  const std::string expected = file_of("test.wrong-size") +
                               fmt::format(": descriptor is {} bytes, this vugpu expects {}", sizeof(PluginDescriptor) - 8,
                                           sizeof(PluginDescriptor));
  EXPECT_TRUE(failure_of("test.wrong-size").starts_with(expected)) << failure_of("test.wrong-size");
}

TEST_F(BrokenPlugins, FactoryThrows) {
  EXPECT_EQ(failure_of("test.throws"), file_of("test.throws") + ": test.throws failed to start: no display here (test)");
}

TEST_F(BrokenPlugins, FactoryReturnsNothing) {
  EXPECT_EQ(failure_of("test.returns-null"),
            file_of("test.returns-null") + ": test.returns-null failed to start: its factory returned no object");
}

TEST_F(BrokenPlugins, NameMismatch) {
  EXPECT_EQ(failure_of("test.name-mismatch"),
            file_of("test.name-mismatch") +
                ": descriptor names the plugin 'test.other-name', but the file is named for 'test.name-mismatch'; "
                "rename the file to vugpu-test.other-name.so");
}

TEST_F(BrokenPlugins, KindDoesNotMatchTheFactory) {
  EXPECT_EQ(failure_of("test.kind-mismatch", PluginKind::Renderer),
            file_of("test.kind-mismatch") +
                ": descriptor says kind 'renderer' but sets create_presenter; it must set exactly create_renderer");
}

TEST_F(BrokenPlugins, PresenterUsedAsRenderer) {
  EXPECT_EQ(failure_of("test.valid-presenter", PluginKind::Renderer),
            file_of("test.valid-presenter") +
                ": 'test.valid-presenter' is a presenter plugin, but the configuration uses it as a renderer");
}

TEST_F(BrokenPlugins, BadOptionDefault) {
  EXPECT_EQ(failure_of("test.bad-default"), file_of("test.bad-default") +
                                                ": bad option declaration: option 'frames': default \"thirty\" is "
                                                "not a valid int");
}

TEST_F(BrokenPlugins, UnresolvedSymbol) {
  const std::string message = failure_of("test.unresolved");
  EXPECT_TRUE(message.starts_with(file_of("test.unresolved") + ": cannot load: ")) << message;
  EXPECT_NE(message.find("undefined symbol: vugpu_test_symbol_nobody_defines"), std::string::npos) << message;
}

TEST_F(BrokenPlugins, MissingPluginNamesEveryFolderAndAHint) {
  PluginLoader loader({{"/nonexistent/one", "VUGPU_PLUGIN_PATH"}, {broken_plugin_dir(), "plugin_path"},
                       {"/usr/lib/vugpu/plugins", "built-in"}});
  try {
    loader.load("renderer.virgl", PluginKind::Renderer);
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_EQ(std::string(e.what()),
              "renderer plugin 'renderer.virgl' not found: no vugpu-renderer.virgl.so in /nonexistent/one "
              "(VUGPU_PLUGIN_PATH), " +
                  broken_plugin_dir().string() +
                  " (plugin_path), /usr/lib/vugpu/plugins (built-in); install the package that provides it, or "
                  "point VUGPU_PLUGIN_PATH (or plugin_path in the config) at its folder");
  }
}

TEST_F(BrokenPlugins, NamesCannotEscapeTheFolders) {
  PluginLoader loader({{broken_plugin_dir(), "test"}});
  EXPECT_FALSE(loader.find("../plugins/vugpu-test.valid-presenter").has_value());
  EXPECT_TRUE(loader.find("test.valid-presenter").has_value());
}

TEST_F(BrokenPlugins, ValidRendererDeclaresTypedOptions) {
  PluginLoader loader({{broken_plugin_dir(), "test"}});
  auto lib = loader.load("test.valid-renderer", PluginKind::Renderer);
  EXPECT_EQ(lib->version(), "9.8.7");
  ASSERT_EQ(lib->options().size(), 4u);
  const OptionValues v = resolve_plugin_options(lib->name(), lib->options(), nullptr);
  EXPECT_TRUE(v.get_bool("flag"));
  EXPECT_EQ(v.get_int("count"), 30);
  EXPECT_DOUBLE_EQ(v.get_float("ratio"), 0.5);
  EXPECT_EQ(v.get_string("path"), "out/%s.png");
}

// dlopen(RTLD_NOLOAD) succeeds only while the library is mapped.
bool is_mapped(const std::string& file) {
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle) ::dlclose(handle);
  return handle != nullptr;
}

TEST_F(BrokenPlugins, LibraryOutlivesItsObjectAndGoesAfterIt) {
  const std::string file = file_of("test.valid-presenter");
  ASSERT_FALSE(is_mapped(file));
  EventLoop loop;
  SpdLog log(LogLevel::Error);
  HostLinks links;
  LoopHostServices host(loop, log, links);
  {
    PluginInstance<Presenter> presenter;
    {
      PluginLoader loader({{broken_plugin_dir(), "test"}});
      presenter = create_presenter(loader.load("test.valid-presenter", PluginKind::Presenter), host, {});
    }  // the loader and our reference to the library are gone; the instance keeps it
    EXPECT_TRUE(is_mapped(file));
    presenter->set_scanout(0, {640, 480, true});  // code of the library still runs
    presenter->present(0, Frame{}, Rect{}, FrameRelease{});
  }
  EXPECT_FALSE(is_mapped(file));
}

TEST_F(BrokenPlugins, ListingShowsGoodAndBrokenFiles) {
  const std::vector<PluginFolder> folders{{broken_plugin_dir(), "test"}};
  PluginLoader loader(folders);
  const auto listing = loader.list();
  std::map<std::string, const PluginListing*> by_name;
  for (const auto& p : listing) by_name[p.name] = &p;
  ASSERT_TRUE(by_name.count("test.valid-renderer"));
  EXPECT_TRUE(by_name["test.valid-renderer"]->library);
  ASSERT_TRUE(by_name.count("test.wrong-abi"));
  EXPECT_FALSE(by_name["test.wrong-abi"]->library);
  EXPECT_NE(by_name["test.wrong-abi"]->error.find("plugin ABI " + std::to_string(kAbiVersion + 1)), std::string::npos);

  const std::string text = format_plugin_listing(folders, listing);
  EXPECT_NE(text.find("test.valid-renderer 9.8.7 (renderer): test renderer that draws nothing"), std::string::npos) << text;
  EXPECT_NE(text.find("    count (int, default 30): an integer"), std::string::npos) << text;
  EXPECT_NE(text.find("    path (string, default \"out/%s.png\"): a string"), std::string::npos) << text;
  EXPECT_NE(text.find("test.valid-presenter 1.2.3 (presenter)"), std::string::npos) << text;
  EXPECT_NE(text.find(file_of("test.throws")), std::string::npos) << text;  // loads fine; fails only when started
  EXPECT_NE(text.find(file_of("test.no-descriptor") + ": no plugin descriptor"), std::string::npos) << text;
}

TEST_F(BrokenPlugins, EarlierFolderShadowsLaterOne) {
  PluginLoader loader({{broken_plugin_dir(), "first"}, {broken_plugin_dir() / ".", "second"}});
  // lexically different paths, same files: the second copy of each name is shadowed
  int shadowed = 0;
  for (const auto& p : loader.list()) shadowed += p.shadowed;
  EXPECT_GT(shadowed, 0);
}

// The real plugins of this tree load through the same loader.
class RealPlugins : public ::testing::TestWithParam<std::pair<const char*, PluginKind>> {};

TEST_P(RealPlugins, LoadAndStartWithDefaults) {
  const auto [name, kind] = GetParam();
  const char* env = std::getenv("VUGPU_PLUGIN_PATH");
  PluginLoader loader(plugin_search_path(env ? env : test::build_plugin_dir().c_str(), {}));
  if (!loader.find(name)) GTEST_SKIP() << name << " is not built in this tree (searched " << describe(loader.folders()) << ")";
  auto lib = loader.load(name, kind);
  EXPECT_EQ(lib->name(), name);
  EventLoop loop;
  SpdLog log(LogLevel::Error);
  HostLinks links;
  LoopHostServices host(loop, log, links);
  const OptionValues options = resolve_plugin_options(name, lib->options(), nullptr);
  if (kind == PluginKind::Renderer) {
    auto renderer = create_renderer(lib, host, options);
    EXPECT_TRUE(renderer);
  } else {
    auto presenter = create_presenter(lib, host, options);
    ASSERT_TRUE(presenter);
    presenter->shutdown();
  }
}

INSTANTIATE_TEST_SUITE_P(Tree, RealPlugins,
                         ::testing::Values(std::pair{"renderer.pixman", PluginKind::Renderer},
                                           std::pair{"present.headless", PluginKind::Presenter},
                                           std::pair{"present.vhost-user", PluginKind::Presenter}),
                         [](const auto& info) {
                           std::string n = info.param.first;
                           for (auto& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace vugpu
