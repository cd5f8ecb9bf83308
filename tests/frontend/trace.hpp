// VUGPU_FRONTEND_TRACE=1 prints every vhost-user message, display message and used entry to
// stderr: the first thing to turn on when a backend and the frontend disagree.
#pragma once
#include <cstdio>
#include <cstdlib>

namespace vugpu::frontend {

inline bool tracing() {
  static const bool on = [] {
    const char* v = std::getenv("VUGPU_FRONTEND_TRACE");
    return v && *v && *v != '0';
  }();
  return on;
}

#define VUGPU_FE_TRACE(...)                                  \
  do {                                                       \
    if (::vugpu::frontend::tracing()) {                      \
      std::fprintf(stderr, "[frontend] " __VA_ARGS__);       \
      std::fputc('\n', stderr);                              \
    }                                                        \
  } while (0)

}  // namespace vugpu::frontend
