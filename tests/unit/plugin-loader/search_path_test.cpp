#include <gtest/gtest.h>

#include "plugin/plugin_library.hpp"
#include "plugin/search_path.hpp"

namespace vugpu {
namespace {

TEST(PluginSearchPath, EnvironmentThenConfigThenBuiltIn) {
  const auto folders = plugin_search_path("/a:/b/::/a", {"/c", "/b"});
  ASSERT_EQ(folders.size(), 4u);
  EXPECT_EQ(folders[0].path, "/a");
  EXPECT_EQ(folders[0].origin, "VUGPU_PLUGIN_PATH");
  EXPECT_EQ(folders[1].path, "/b");
  EXPECT_EQ(folders[2].path, "/c");
  EXPECT_EQ(folders[2].origin, "plugin_path");
  EXPECT_EQ(folders[3].path, VUGPU_PLUGIN_DIR);
  EXPECT_EQ(folders[3].origin, "built-in");
}

TEST(PluginSearchPath, UnsetEnvironment) {
  const auto folders = plugin_search_path(nullptr, {});
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_EQ(folders[0].path, VUGPU_PLUGIN_DIR);
}

TEST(PluginSearchPath, Describe) {
  EXPECT_EQ(describe({{"/x", "VUGPU_PLUGIN_PATH"}, {"/y", "built-in"}}), "/x (VUGPU_PLUGIN_PATH), /y (built-in)");
}

TEST(PluginFileNames, NameAndFileCorrespond) {
  EXPECT_EQ(plugin_file_name("renderer.pixman"), "vugpu-renderer.pixman.so");
  EXPECT_EQ(plugin_name_from_file("/usr/lib/vugpu/plugins/vugpu-present.headless.so"), "present.headless");
  EXPECT_EQ(plugin_name_from_file("libfoo.so"), "");
  EXPECT_EQ(plugin_name_from_file("vugpu-.so"), "");
  EXPECT_EQ(plugin_name_from_file("vugpu-x.so.1"), "");
}

}  // namespace
}  // namespace vugpu
