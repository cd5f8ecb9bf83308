// Harness for present.egl-headless: the real plugin loader, a LoopHostServices over a real
// EventLoop, a log that keeps every line (the plugin's statistics line is read from it), and
// FrameReleases that count and record when they run. present.headless can be started next to
// it, to compare the PNGs both write for the same frames.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <vector>
#include "config/config.hpp"
#include "config/plugin_options.hpp"
#include "guest_image.hpp"
#include "host/loop_host_services.hpp"
#include "plugin/loader.hpp"
#include "plugin/plugin_error.hpp"
#include "png_reader.hpp"

namespace vugpu::test {

// Keeps every line, in order, with the releases the test records in the same sequence.
class RecordingLog final : public Log {
 public:
  void write(LogLevel level, std::string_view message) override {
    if (level >= LogLevel::Warn) fprintf(stderr, "[log] %.*s\n", int(message.size()), message.data());
    std::lock_guard lock(mutex_);
    lines_.emplace_back(message);
  }
  bool enabled(LogLevel) const override { return true; }
  void mark(std::string line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  // Position of the first line containing `text`, or -1.
  long find(std::string_view text) const {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < lines_.size(); ++i)
      if (lines_[i].find(text) != std::string::npos) return long(i);
    return -1;
  }
  // The plugin's statistics line as name -> number ("12 composed" -> composed = 12).
  std::map<std::string, uint64_t> statistics() const {
    std::map<std::string, uint64_t> out;
    const long at = find("statistics: ");
    if (at < 0) return out;
    const std::string line = lines()[size_t(at)];
    static const std::regex pair(R"((\d+) ([a-z]+))");
    for (auto it = std::sregex_iterator(line.begin(), line.end(), pair); it != std::sregex_iterator(); ++it)
      out[(*it)[2]] = std::stoull((*it)[1]);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

// Counts FrameRelease calls (from any thread) and lets a test wait for a number of them.
class Releases {
 public:
  explicit Releases(RecordingLog& log) : log_(log) {}
  FrameRelease make(uint32_t scanout, uint64_t number) {
    return FrameRelease([this, scanout, number] {
      log_.mark("released scanout " + std::to_string(scanout) + " frame " + std::to_string(number) + ".");
      std::lock_guard lock(mutex_);
      ++count_;
      changed_.notify_all();
    });
  }
  // Waits until `n` releases happened (30 s safety net); true when they did.
  bool wait_for(uint64_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return count_ >= n; });
  }
  uint64_t count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  RecordingLog& log_;
  std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t count_ = 0;
};

class EglHeadlessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("VUGPU_PLUGIN_PATH");
    loader_ = std::make_unique<PluginLoader>(plugin_search_path(env ? env : VUGPU_BUILD_PLUGIN_DIR_DEFAULT, {}));
    ASSERT_TRUE(loader_->find("present.egl-headless")) << "searched " << describe(loader_->folders());
    char pattern[] = "/tmp/vugpu-egl-headless-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    egl_.reset();
    headless_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Starts `plugin` with `options` (TOML lines of its table); %D is the temporary folder.
  PluginInstance<Presenter> start_plugin(const std::string& plugin, std::string options, LoopHostServices& host) {
    for (size_t p; (p = options.find("%D")) != std::string::npos;) options.replace(p, 2, dir_.string());
    const Config c = parse_config("[plugin.\"" + plugin + "\"]\n" + options, "test.toml");
    auto lib = loader_->load(plugin, PluginKind::Presenter);
    const OptionValues values = resolve_plugin_options(plugin, lib->options(), &c.plugins.at(plugin));
    return create_presenter(lib, host, values);
  }
  void start(const std::string& options) { egl_ = start_plugin("present.egl-headless", options, host_); }
  void start_headless(const std::string& options) {
    ASSERT_TRUE(loader_->find("present.headless"));
    headless_ = start_plugin("present.headless", options, headless_host_);
  }

  // Presents to present.egl-headless with a counted release; returns the frame's number.
  uint64_t present(uint32_t scanout, const Frame& f, Rect damage) {
    const uint64_t n = ++presented_[scanout];
    egl_->present(scanout, f, damage, releases_.make(scanout, n));
    return n;
  }
  uint64_t presented_total() const {
    uint64_t n = 0;
    for (auto& [id, count] : presented_) n += count;
    return n;
  }
  // Every frame presented so far was released (the GL thread uploaded it and its fence signalled).
  void wait_all_released() { ASSERT_TRUE(releases_.wait_for(presented_total())) << releases_.count() << " released"; }

  EventLoop loop_;
  RecordingLog log_;
  HostLinks links_;
  LoopHostServices host_{loop_, log_, links_};
  RecordingLog headless_log_;
  HostLinks headless_links_;
  LoopHostServices headless_host_{loop_, headless_log_, headless_links_};
  Releases releases_{log_};
  std::map<uint32_t, uint64_t> presented_;
  std::unique_ptr<PluginLoader> loader_;
  PluginInstance<Presenter> egl_;
  PluginInstance<Presenter> headless_;
  std::filesystem::path dir_;
};

inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Both PNGs decode to the same size, colour type and pixels.
inline ::testing::AssertionResult same_picture(const std::filesystem::path& a, const std::filesystem::path& b) {
  const DecodedPng pa = read_png(a), pb = read_png(b);
  if (pa.width != pb.width || pa.height != pb.height || pa.color_type != pb.color_type)
    return ::testing::AssertionFailure() << a << " is " << pa.width << "x" << pa.height << " type "
                                         << int(pa.color_type) << ", " << b << " is " << pb.width << "x" << pb.height
                                         << " type " << int(pb.color_type);
  for (uint32_t y = 0; y < pa.height; ++y)
    for (uint32_t x = 0; x < pa.width; ++x)
      if (std::memcmp(pa.at(x, y), pb.at(x, y), 4) != 0)
        return ::testing::AssertionFailure() << "pixel " << x << "," << y << " differs: " << int(pa.at(x, y)[0]) << ","
                                             << int(pa.at(x, y)[1]) << "," << int(pa.at(x, y)[2]) << ","
                                             << int(pa.at(x, y)[3]) << " vs " << int(pb.at(x, y)[0]) << ","
                                             << int(pb.at(x, y)[1]) << "," << int(pb.at(x, y)[2]) << ","
                                             << int(pb.at(x, y)[3]);
  return ::testing::AssertionSuccess();
}

}  // namespace vugpu::test
