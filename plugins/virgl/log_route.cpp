#include "log_route.hpp"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <string_view>
#include "rate_limiter.hpp"
#include "virgl_api.hpp"

namespace vugpu::virgl {

namespace {

std::atomic<Log*> g_sink{nullptr};
virgl_debug_callback_type g_previous = nullptr;
RateLimiter g_limiter(20, std::chrono::seconds(5));

void route(const char* format, va_list args) {
  Log* log = g_sink.load();
  if (!log || !format) return;
  char line[512];
  const int n = std::vsnprintf(line, sizeof line, format, args);
  if (n <= 0) return;
  std::string_view text(line, std::min<size_t>(size_t(n), sizeof line - 1));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return;
  const auto dropped = g_limiter.admit();
  if (!dropped) return;
  if (*dropped)
    log->info("virglrenderer: {} ({} lines suppressed)", text, *dropped);
  else
    log->info("virglrenderer: {}", text);
}

}  // namespace

LogRoute::LogRoute(Log& log) {
  g_sink.store(&log);
  g_previous = virgl_set_debug_callback(route);
}

LogRoute::~LogRoute() {
  virgl_set_debug_callback(g_previous);
  g_sink.store(nullptr);
}

}  // namespace vugpu::virgl
