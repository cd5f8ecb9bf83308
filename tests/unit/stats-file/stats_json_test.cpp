// stats_json(): the top-level keys benchmarks read stay where they were, and each plugin's
// counters (Presenter::stats()) are nested under its name in "plugins", parsed back by a real
// JSON parser (names escaped, plugins without counters left out).
#include <gtest/gtest.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <sstream>
#include "host/stats_file.hpp"

namespace vugpu {
namespace {

boost::property_tree::ptree parse(const std::string& json) {
  std::istringstream in(json);
  boost::property_tree::ptree tree;
  boost::property_tree::read_json(in, tree);  // throws on invalid JSON
  return tree;
}

DeviceStats some_device_stats() {
  DeviceStats d;
  d.commands = 11;
  d.errors = 2;
  d.frames_presented = 7;
  d.resources = 3;
  d.host_bytes = 4096;
  d.blob_views = 5;
  d.blob_mappings = 40;
  return d;
}

TEST(StatsJson, CoreKeysUnchangedAndPluginsEmptyWithoutCounters) {
  const auto t = parse(stats_json(1000, some_device_stats(), 400, {{"present.vhost-user", {}}}));
  EXPECT_EQ(t.get<uint64_t>("bytes_copied"), 1000u);
  EXPECT_EQ(t.get<uint64_t>("device_bytes_copied"), 600u);
  EXPECT_EQ(t.get<uint64_t>("presenter_bytes_copied"), 400u);
  EXPECT_EQ(t.get<uint64_t>("commands"), 11u);
  EXPECT_EQ(t.get<uint64_t>("errors"), 2u);
  EXPECT_EQ(t.get<uint64_t>("frames_presented"), 7u);
  EXPECT_EQ(t.get<uint64_t>("resources"), 3u);
  EXPECT_EQ(t.get<uint64_t>("host_bytes"), 4096u);
  EXPECT_EQ(t.get<uint64_t>("blob_frames_presented"), 0u);
  EXPECT_EQ(t.get<uint64_t>("blob_views"), 5u);
  EXPECT_EQ(t.get<uint64_t>("blob_mappings"), 40u);
  ASSERT_TRUE(t.get_child_optional("plugins"));
  EXPECT_TRUE(t.get_child("plugins").empty()) << "a plugin without counters is left out";
}

TEST(StatsJson, EachPluginsCountersUnderItsName) {
  const std::vector<PluginCounters> plugins{
      {"present.vhost-user", {}},
      {"present.egl-headless", {{"frames", 12}, {"composed", 10}, {"dropped", 2}}},
      {"present.headless", {{"frames", 12}, {"snapshots_written", 1}}},
  };
  const std::string json = stats_json(0, some_device_stats(), 0, plugins);
  const auto t = parse(json);
  const auto& p = t.get_child("plugins");
  EXPECT_EQ(p.size(), 2u) << json;
  // Plugin names contain dots: address them with another path separator.
  using Path = boost::property_tree::ptree::path_type;
  EXPECT_EQ(t.get<uint64_t>(Path("plugins/present.egl-headless/frames", '/')), 12u);
  EXPECT_EQ(t.get<uint64_t>(Path("plugins/present.egl-headless/composed", '/')), 10u);
  EXPECT_EQ(t.get<uint64_t>(Path("plugins/present.egl-headless/dropped", '/')), 2u);
  EXPECT_EQ(t.get<uint64_t>(Path("plugins/present.headless/snapshots_written", '/')), 1u);
  EXPECT_EQ(t.get<uint64_t>("frames_presented"), 7u) << "a plugin's \"frames\" does not shadow the core's";
  // Benchmarks find the core's counters by the first occurrence of their key.
  EXPECT_LT(json.find("\"bytes_copied\""), json.find("\"plugins\""));
  EXPECT_LT(json.find("\"frames_presented\""), json.find("\"plugins\""));
}

TEST(StatsJson, NamesAreEscaped) {
  const std::string json =
      stats_json(0, DeviceStats{}, 0, {{"present.\"odd\\name", {{"line\nbreak", UINT64_MAX}}}});
  const auto t = parse(json);
  const auto& p = t.get_child("plugins");
  ASSERT_EQ(p.size(), 1u) << json;
  EXPECT_EQ(p.begin()->first, "present.\"odd\\name");
  ASSERT_EQ(p.begin()->second.size(), 1u);
  EXPECT_EQ(p.begin()->second.begin()->first, "line\nbreak");
  EXPECT_EQ(p.begin()->second.begin()->second.get_value<uint64_t>(), UINT64_MAX);
}

}  // namespace
}  // namespace vugpu
