// TOML -> Config. Every key is checked: unknown keys (with a suggestion), wrong types and
// out-of-range values fail with the file:line:col of the offending key or value.
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include "config/config.hpp"
#include "log/spdlog_log.hpp"

namespace vugpu {

namespace {

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table: return "table";
    case toml::node_type::array: return "array";
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::date: return "date";
    case toml::node_type::time: return "time";
    case toml::node_type::date_time: return "date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string join_key(std::string_view prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
}

// Reads one document; knows the origin for error positions.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  SourcePos pos(const toml::source_region& r) const { return {origin_, r.begin.line, r.begin.column}; }

  [[noreturn]] void fail(const toml::source_region& r, std::string_view what, std::string_view key,
                         std::string_view hint = {}) const {
    throw ConfigError(pos(r), what, key, hint);
  }

  // Every key of `table` must be in `known`.
  void check_keys(const toml::table& table, std::string_view prefix, std::initializer_list<std::string_view> known) const {
    const std::vector<std::string_view> list(known);
    for (auto&& [key, node] : table) {
      if (std::find(list.begin(), list.end(), key.str()) == list.end())
        fail(key.source(), "unknown key", join_key(prefix, key.str()), suggest_key(key.str(), list));
    }
  }

  const toml::table& table(const toml::node& node, const std::string& key) const {
    if (auto* t = node.as_table()) return *t;
    wrong_type(node, "a table", key);
  }
  const toml::array& array(const toml::node& node, const std::string& key) const {
    if (auto* a = node.as_array()) return *a;
    wrong_type(node, "an array", key);
  }
  std::string string(const toml::node& node, const std::string& key) const {
    if (auto* s = node.as_string()) return s->get();
    wrong_type(node, "a string", key);
  }
  bool boolean(const toml::node& node, const std::string& key) const {
    if (auto* b = node.as_boolean()) return b->get();
    wrong_type(node, "a boolean (true or false)", key);
  }
  int64_t integer(const toml::node& node, const std::string& key, int64_t min, int64_t max) const {
    auto* i = node.as_integer();
    if (!i) wrong_type(node, "an integer", key);
    const int64_t v = i->get();
    if (v < min || v > max) fail(node.source(), fmt::format("value {} is out of range {}..{}", v, min, max), key);
    return v;
  }
  std::vector<std::string> strings(const toml::node& node, const std::string& key) const {
    std::vector<std::string> out;
    for (auto& element : array(node, key)) out.push_back(string(element, key));
    return out;
  }

  [[noreturn]] void wrong_type(const toml::node& node, std::string_view expected, const std::string& key) const {
    fail(node.source(), fmt::format("wrong type: expected {}, found {}", expected, type_name(node.type())), key);
  }

 private:
  std::string origin_;
};

// Plugin names are dotted: "renderer.pixman". One table per plugin: [plugin."renderer.pixman"].
void check_plugin_name(const Reader& r, const toml::node& node, const std::string& name, const std::string& key) {
  const bool ok = !name.empty() && name.find('.') != std::string::npos &&
                  name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_") == std::string::npos;
  if (!ok)
    r.fail(node.source(), fmt::format("'{}' is not a plugin name", name), key,
           "plugin names are dotted lower-case words, e.g. 'renderer.pixman' or 'present.headless'");
}

void read_limits(const Reader& r, const toml::table& t, Limits& limits) {
  r.check_keys(t, "limits",
               {"host_memory_mib", "max_resources", "max_backing_entries", "max_dimension", "max_contexts", "max_submit_mib",
                "max_blob_views", "max_blob_mappings"});
  if (auto* n = t.get("host_memory_mib"))
    limits.host_memory_bytes = uint64_t(r.integer(*n, "limits.host_memory_mib", 1, 1 << 20)) << 20;
  if (auto* n = t.get("max_resources")) limits.max_resources = uint32_t(r.integer(*n, "limits.max_resources", 1, 1 << 20));
  if (auto* n = t.get("max_backing_entries"))
    limits.max_backing_entries = uint32_t(r.integer(*n, "limits.max_backing_entries", 1, 1 << 24));
  if (auto* n = t.get("max_dimension")) limits.max_dimension = uint32_t(r.integer(*n, "limits.max_dimension", 16, 65536));
  if (auto* n = t.get("max_contexts")) limits.max_contexts = uint32_t(r.integer(*n, "limits.max_contexts", 0, 65536));
  if (auto* n = t.get("max_submit_mib"))
    limits.max_submit_bytes = uint32_t(r.integer(*n, "limits.max_submit_mib", 1, 1024)) << 20;
  if (auto* n = t.get("max_blob_views")) limits.max_blob_views = uint32_t(r.integer(*n, "limits.max_blob_views", 1, 1 << 20));
  if (auto* n = t.get("max_blob_mappings"))
    limits.max_blob_mappings = uint32_t(r.integer(*n, "limits.max_blob_mappings", 1, 1 << 24));
}

void read_display(const Reader& r, const toml::table& t, DeviceSettings& device) {
  r.check_keys(t, "display", {"edid", "scanout"});
  if (auto* n = t.get("edid")) device.edid = r.boolean(*n, "display.edid");
  auto* list = t.get("scanout");
  if (!list) return;
  const auto& scanouts = r.array(*list, "display.scanout");
  if (scanouts.empty() || scanouts.size() > kMaxScanouts)
    r.fail(list->source(), fmt::format("{} scanouts; vugpu supports 1..{}", scanouts.size(), kMaxScanouts),
           "display.scanout", "one [[display.scanout]] table per screen");
  device.scanouts.clear();
  for (size_t i = 0; i < scanouts.size(); ++i) {
    const std::string prefix = fmt::format("display.scanout[{}]", i);
    const auto& s = r.table(scanouts[i], prefix);
    r.check_keys(s, prefix, {"width", "height", "enabled"});
    ScanoutSettings out;
    const int64_t max = device.limits.max_dimension;
    if (auto* n = s.get("width")) out.width = uint32_t(r.integer(*n, prefix + ".width", 1, max));
    if (auto* n = s.get("height")) out.height = uint32_t(r.integer(*n, prefix + ".height", 1, max));
    if (auto* n = s.get("enabled")) out.enabled = r.boolean(*n, prefix + ".enabled");
    device.scanouts.push_back(out);
  }
}

RawOption raw_option(const Reader& r, const toml::key& key, const toml::node& node) {
  RawOption o;
  o.toml_type = type_name(node.type());
  o.key_pos = r.pos(key.source());
  o.value_pos = r.pos(node.source());
  if (auto* b = node.as_boolean()) o.value = b->get();
  else if (auto* i = node.as_integer()) o.value = i->get();
  else if (auto* f = node.as_floating_point()) o.value = f->get();
  else if (auto* s = node.as_string()) o.value = s->get();
  return o;
}

void read_plugins(const Reader& r, const toml::table& t, std::map<std::string, PluginSection>& out) {
  for (auto&& [key, node] : t) {
    const std::string name(key.str());
    const std::string path = "plugin." + name;
    if (name.find('.') == std::string::npos && node.is_table())
      r.fail(key.source(), fmt::format("'{}' is not a plugin name", name), path,
             "plugin names contain a dot, so quote them: [plugin.\"renderer.virgl\"]");
    check_plugin_name(r, node, name, path);
    const auto& table = r.table(node, path);
    PluginSection section;
    section.pos = r.pos(key.source());
    for (auto&& [option_key, option_node] : table)
      section.options.emplace(std::string(option_key.str()), raw_option(r, option_key, option_node));
    out[name] = std::move(section);
  }
}

std::string absolute_plugin_folder(const std::string& folder, std::string_view origin) {
  std::filesystem::path p(folder);
  if (p.is_absolute() || origin == kBuiltinConfigName) return folder;
  return (std::filesystem::path(origin).parent_path() / p).lexically_normal().string();
}

}  // namespace

Config parse_config(std::string_view toml_text, std::string_view origin) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(SourcePos{std::string(origin), e.source().begin.line, e.source().begin.column},
                      fmt::format("TOML syntax error: {}", e.description()));
  }
  const Reader r{std::string(origin)};
  Config c;
  c.source = origin;
  r.check_keys(doc, "", {"renderer", "presenters", "blob", "plugin_path", "log_level", "sandbox", "limits", "display", "plugin"});

  if (auto* n = doc.get("renderer")) {
    c.renderer = r.string(*n, "renderer");
    check_plugin_name(r, *n, c.renderer, "renderer");
  }
  if (auto* n = doc.get("presenters")) {
    c.presenters = r.strings(*n, "presenters");
    if (c.presenters.empty())
      r.fail(n->source(), "no presenter", "presenters", "list at least one, e.g. [\"present.headless\"]");
    std::set<std::string> seen;
    for (size_t i = 0; i < c.presenters.size(); ++i) {
      const auto& element = *n->as_array()->get(i);
      check_plugin_name(r, element, c.presenters[i], "presenters");
      if (!seen.insert(c.presenters[i]).second)
        r.fail(element.source(), fmt::format("'{}' is listed twice", c.presenters[i]), "presenters");
    }
  }
  if (auto* n = doc.get("blob")) {
    c.blob = r.string(*n, "blob");
    if (!c.blob.empty()) check_plugin_name(r, *n, c.blob, "blob");
    if (!c.blob.empty() && (c.blob == c.renderer || std::find(c.presenters.begin(), c.presenters.end(), c.blob) != c.presenters.end()))
      r.fail(n->source(), fmt::format("'{}' is already used as the renderer or a presenter", c.blob), "blob",
             "blob names a blob provider plugin, e.g. \"blob.guest\", or \"\" for none");
  }
  if (auto* n = doc.get("plugin_path")) {
    c.plugin_path.clear();
    for (auto& folder : r.strings(*n, "plugin_path")) c.plugin_path.push_back(absolute_plugin_folder(folder, origin));
  }
  if (auto* n = doc.get("log_level")) {
    const std::string name = r.string(*n, "log_level");
    auto level = parse_log_level(name);
    if (!level) r.fail(n->source(), fmt::format("unknown log level '{}'", name), "log_level", "one of trace, debug, info, warn, error");
    c.log_level = *level;
  }
  if (auto* n = doc.get("sandbox")) c.sandbox = r.boolean(*n, "sandbox");
  // Limits first: scanout sizes are checked against limits.max_dimension.
  if (auto* n = doc.get("limits")) read_limits(r, r.table(*n, "limits"), c.device.limits);
  if (auto* n = doc.get("display")) read_display(r, r.table(*n, "display"), c.device);
  // Scanouts that keep a default size (none listed, or no width/height) must fit a lowered
  // max_dimension too (found by tests/fuzz's config target: such a file passed, its printout not).
  const uint32_t max_dimension = c.device.limits.max_dimension;
  for (const ScanoutSettings& s : c.device.scanouts)
    if (s.width > max_dimension || s.height > max_dimension)
      r.fail(doc.at_path("limits.max_dimension").node()->source(),
             fmt::format("max_dimension {} is smaller than a scanout's default size {}x{}", max_dimension, s.width,
                         s.height),
             "limits.max_dimension", "give every [[display.scanout]] a width and height within it");
  if (auto* n = doc.get("plugin")) read_plugins(r, r.table(*n, "plugin"), c.plugins);
  return c;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ConfigError(SourcePos{path}, fmt::format("cannot read the configuration file: {}", std::strerror(errno)), {},
                      "check the path given to --config");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

void apply_overrides(Config& config, const ConfigOverrides& overrides) {
  if (overrides.virgl) config.renderer = kVirglRenderer;
  if (overrides.render_node) {
    RawOption o;
    o.value = *overrides.render_node;
    o.toml_type = "string";
    o.key_pos = o.value_pos = SourcePos{"command line (--render-node)"};
    auto& section = config.plugins[std::string(kVirglRenderer)];
    if (section.pos.origin.empty()) section.pos = o.key_pos;
    section.options["render_node"] = std::move(o);
  }
  if (overrides.log_level) config.log_level = *overrides.log_level;
}

}  // namespace vugpu
