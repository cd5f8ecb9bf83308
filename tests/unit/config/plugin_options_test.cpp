// A plugin's table checked against the options it declares.
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config/plugin_options.hpp"

namespace vugpu {
namespace {

const OptionSpec kSpecs[] = {
    {"snapshot_path", OptionType::String, "out/%s-%n.png", "pattern"},
    {"interval_ms", OptionType::Int, "1000", "interval"},
    {"scale", OptionType::Float, "0.5", "scale"},
    {"on_exit", OptionType::Bool, "true", "flag"},
};

const PluginSection& section_of(const Config& c) { return c.plugins.at("present.headless"); }

ConfigError resolve_error(std::string_view text) {
  const Config c = parse_config(text, "p.toml");
  try {
    resolve_plugin_options("present.headless", kSpecs, &section_of(c));
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << text;
  return ConfigError(SourcePos{}, "none");
}

TEST(PluginOptions, DefaultsFillEveryDeclaredKey) {
  const OptionValues v = resolve_plugin_options("present.headless", kSpecs, nullptr);
  EXPECT_EQ(v.get_string("snapshot_path"), "out/%s-%n.png");
  EXPECT_EQ(v.get_int("interval_ms"), 1000);
  EXPECT_DOUBLE_EQ(v.get_float("scale"), 0.5);
  EXPECT_TRUE(v.get_bool("on_exit"));
  EXPECT_EQ(v.all().size(), 4u);
}

TEST(PluginOptions, FileValuesReplaceDefaults) {
  const Config c = parse_config(
      "[plugin.\"present.headless\"]\ninterval_ms = 0\nscale = 2\non_exit = false\nsnapshot_path = \"\"\n", "p.toml");
  const OptionValues v = resolve_plugin_options("present.headless", kSpecs, &section_of(c));
  EXPECT_EQ(v.get_int("interval_ms"), 0);
  EXPECT_DOUBLE_EQ(v.get_float("scale"), 2.0);  // an integer is a fine float
  EXPECT_FALSE(v.get_bool("on_exit"));
  EXPECT_EQ(v.get_string("snapshot_path"), "");
}

TEST(PluginOptions, UnknownKeyNamedWithSuggestionAndPosition) {
  const auto e = resolve_error("[plugin.\"present.headless\"]\ninterval_ms = 5\n  intervall_ms = 10\n");
  EXPECT_EQ(e.where().line, 3u);
  EXPECT_EQ(e.where().column, 3u);
  EXPECT_STREQ(e.what(),
               "p.toml:3:3: unknown option of present.headless (key 'plugin.\"present.headless\".intervall_ms'; "
               "did you mean 'interval_ms'?)");
}

TEST(PluginOptions, WrongTypeAtTheValue) {
  const auto e = resolve_error("[plugin.\"present.headless\"]\non_exit = \"yes\"\n");
  EXPECT_EQ(e.where().line, 2u);
  EXPECT_EQ(e.where().column, 11u);
  EXPECT_STREQ(e.what(),
               "p.toml:2:11: wrong type: expected a boolean (true or false), found string "
               "(key 'plugin.\"present.headless\".on_exit')");
}

TEST(PluginOptions, FloatIsNotAnInteger) {
  const auto e = resolve_error("[plugin.\"present.headless\"]\ninterval_ms = 2.5\n");
  EXPECT_NE(std::string(e.what()).find("expected an integer, found float"), std::string::npos) << e.what();
}

TEST(PluginOptions, ArraysAreRejectedByName) {
  const auto e = resolve_error("[plugin.\"present.headless\"]\nsnapshot_path = [\"a\"]\n");
  EXPECT_EQ(e.where().column, 17u);
  EXPECT_NE(std::string(e.what()).find("expected a string, found array"), std::string::npos) << e.what();
}

TEST(PluginOptions, PluginWithoutOptionsSaysSo) {
  const Config c = parse_config("[plugin.\"present.vhost-user\"]\nfoo = 1\n", "p.toml");
  try {
    resolve_plugin_options("present.vhost-user", {}, &c.plugins.at("present.vhost-user"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("present.vhost-user takes no options"), std::string::npos) << e.what();
  }
}

TEST(PluginOptions, CommandLineValueIsValidatedToo) {
  Config c = default_config();
  apply_overrides(c, {.virgl = true, .render_node = "/dev/dri/renderD128", .log_level = std::nullopt});
  const OptionSpec virgl_specs[] = {{"render_nod", OptionType::String, "", "typo in the plugin"}};
  try {
    resolve_plugin_options("renderer.virgl", virgl_specs, &c.plugins.at("renderer.virgl"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_TRUE(std::string_view(e.what()).starts_with("command line (--render-node): unknown option")) << e.what();
  }
}

TEST(PluginOptionSpecs, DefaultsParseByType) {
  EXPECT_EQ(std::get<bool>(parse_option_default({"a", OptionType::Bool, "false", ""})), false);
  EXPECT_EQ(std::get<int64_t>(parse_option_default({"a", OptionType::Int, "-42", ""})), -42);
  EXPECT_DOUBLE_EQ(std::get<double>(parse_option_default({"a", OptionType::Float, "1e3", ""})), 1000.0);
  EXPECT_EQ(std::get<std::string>(parse_option_default({"a", OptionType::String, "a b", ""})), "a b");
  EXPECT_THROW(parse_option_default({"a", OptionType::Int, "thirty", ""}), std::invalid_argument);
  EXPECT_THROW(parse_option_default({"a", OptionType::Int, "3.5", ""}), std::invalid_argument);
  EXPECT_THROW(parse_option_default({"a", OptionType::Bool, "yes", ""}), std::invalid_argument);
  EXPECT_THROW(parse_option_default({"a", OptionType::Float, "", ""}), std::invalid_argument);
}

TEST(PluginOptionSpecs, DeclarationErrors) {
  const OptionSpec twice[] = {{"a", OptionType::Int, "1", ""}, {"a", OptionType::Int, "2", ""}};
  EXPECT_THROW(check_option_specs(twice), std::invalid_argument);
  const OptionSpec no_key[] = {{nullptr, OptionType::Int, "1", ""}};
  EXPECT_THROW(check_option_specs(no_key), std::invalid_argument);
  const OptionSpec bad_type[] = {{"a", OptionType(99), "1", ""}};
  EXPECT_THROW(check_option_specs(bad_type), std::invalid_argument);
  EXPECT_NO_THROW(check_option_specs(kSpecs));
}

TEST(PluginOptionSpecs, TomlFormattingOfValues) {
  EXPECT_EQ(to_toml(OptionValue(true)), "true");
  EXPECT_EQ(to_toml(OptionValue(int64_t{-7})), "-7");
  EXPECT_EQ(to_toml(OptionValue(2.0)), "2.0");
  EXPECT_EQ(to_toml(OptionValue(0.25)), "0.25");
  EXPECT_EQ(to_toml(OptionValue(std::string("a\"b\\c\n"))), "\"a\\\"b\\\\c\\n\"");
}

}  // namespace
}  // namespace vugpu
