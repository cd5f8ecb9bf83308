// The config key that enables blobs: `blob = "blob.guest"` (default ""), and its error paths
// with file:line:column.
#include <gtest/gtest.h>
#include "config/config.hpp"
#include "config/config_printer.hpp"

namespace vugpu {
namespace {

ConfigError error_of(std::string_view text) {
  try {
    parse_config(text, "test.toml");
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return ConfigError(SourcePos{}, "none");
}

TEST(BlobConfig, OffByDefaultOnWhenNamed) {
  EXPECT_EQ(default_config().blob, "");
  EXPECT_EQ(parse_config("blob = \"blob.guest\"\n", "test.toml").blob, "blob.guest");
  EXPECT_EQ(parse_config("blob = \"\"\n", "test.toml").blob, "");
  EXPECT_NE(format_effective_config(parse_config("blob = \"blob.guest\"\n", "test.toml"), {}).find("blob = \"blob.guest\""),
            std::string::npos);
}

TEST(BlobConfig, ErrorsSayWhere) {
  auto e = error_of("renderer = \"renderer.pixman\"\nblob = 3\n");
  EXPECT_EQ(e.where().line, 2u);
  EXPECT_EQ(e.where().column, 8u);
  EXPECT_TRUE(std::string_view(e.what()).starts_with("test.toml:2:8: wrong type: expected a string")) << e.what();
  e = error_of("blob = \"guest\"\n");
  EXPECT_TRUE(std::string_view(e.what()).starts_with("test.toml:1:8: 'guest' is not a plugin name")) << e.what();
  e = error_of("blob = \"present.vhost-user\"\n");
  EXPECT_TRUE(std::string_view(e.what()).starts_with("test.toml:1:8: 'present.vhost-user' is already used")) << e.what();
  e = error_of("blobs = \"blob.guest\"\n");
  EXPECT_NE(std::string(e.what()).find("did you mean 'blob'?"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace vugpu
