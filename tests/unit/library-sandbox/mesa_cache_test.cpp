// Mesa keeps working under vugpu's sandbox with each GL plugin's declared system calls.
//
// Mesa's shader disk cache writes new shaders from a queue that starts another thread whenever a
// write is already waiting (plugins/egl-common/mesa_syscalls.hpp), so in the daemon that happens
// after the sandbox is on, at a moment set by timing: e2e_virgl_glmark2_validate died of it in
// CI once, on sched_setscheduler. Here it is made to happen on purpose: with an empty cache
// folder, a GL context (the cache and its first thread exist before the sandbox, as after a
// plugin's factory), then under the sandbox new shaders while every CPU is busy, until the cache
// has started a second thread and written entries.
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <gtest/gtest.h>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include "confined_child.hpp"

#if !defined(VUGPU_TEST_MESA_PLUGINS) || !defined(VUGPU_TEST_PLUGIN_WITHOUT_SYSCALLS)
#error "VUGPU_TEST_MESA_PLUGINS (the built GL plugins, ':'-separated) and VUGPU_TEST_PLUGIN_WITHOUT_SYSCALLS must be defined"
#endif

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using vugpu::test::ConfinedResult;

// The child's answers (its exit status), besides vugpu::test::kConfinedSetupFailed.
enum : int {
  kCacheThreadStarted = 0,  // a second cache thread started under the sandbox, and nothing died
  kNoContext = 4,           // no GLES 2 context on EGL surfaceless
  kNeverStarted = 5,        // no second cache thread, or no entry written: nothing was tested
  kNoDiskCache = 77,        // this Mesa has no shader disk cache (built without, or disabled)
};
constexpr int kMaxPrograms = 200;  // with every CPU busy, a second thread starts within a few

// Threads of Mesa's disk cache queue: named "<process>:disk$N" (or a cut of it) by Mesa.
int disk_cache_threads() {
  int n = 0;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name.find("disk$") != std::string::npos) ++n;
  }
  return n;
}

// Entries the cache has written (each locked with flock first), its temporary files aside.
int cache_entries(const fs::path& cache_dir) {
  int n = 0;
  for (const auto& f : fs::recursive_directory_iterator(cache_dir))
    if (f.is_regular_file() && f.path().extension() != ".tmp") ++n;
  return n;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A GLES 2 context on EGL surfaceless (llvmpipe without a GPU).
bool make_gl_context() {
  auto get_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
  if (get_display == nullptr) return false;
  EGLDisplay display = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
  if (display == EGL_NO_DISPLAY || !eglInitialize(display, nullptr, nullptr) || !eglBindAPI(EGL_OPENGL_ES_API))
    return false;
  const EGLint attributes[] = {EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE};
  EGLContext context = eglCreateContext(display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attributes);
  return context != EGL_NO_CONTEXT && eglMakeCurrent(display, EGL_NO_SURFACE, EGL_NO_SURFACE, context);
}

// A program no earlier call has linked (the constant differs): new cache entries, written by the
// cache's thread while this one goes on.
void link_new_program(int n) {
  const std::string vertex = "attribute vec4 p; void main() { gl_Position = p * " + std::to_string(n) + ".0; }";
  const std::string fragment =
      "precision mediump float; void main() { gl_FragColor = vec4(" + std::to_string(n % 97) + ".0 / 97.0); }";
  const GLuint program = glCreateProgram();
  for (const auto& [type, source] : {std::pair{GL_VERTEX_SHADER, vertex}, std::pair{GL_FRAGMENT_SHADER, fragment}}) {
    const GLuint shader = glCreateShader(type);
    const char* text = source.c_str();
    glShaderSource(shader, 1, &text, nullptr);
    glCompileShader(shader);
    glAttachShader(program, shader);
    glDeleteShader(shader);
  }
  glLinkProgram(program);
  glDeleteProgram(program);
}

// The child's body (confined_child.hpp).
int grow_the_cache_under_the_sandbox(const fs::path& cache_dir, const std::function<void()>& confine) {
  ::setenv("MESA_SHADER_CACHE_DIR", cache_dir.c_str(), 1);
  ::unsetenv("MESA_SHADER_CACHE_DISABLE");
  ::unsetenv("MESA_GLSL_CACHE_DISABLE");
  if (!make_gl_context()) {
    std::fprintf(stderr, "no GLES 2 context on EGL surfaceless (eglGetError 0x%x)\n", eglGetError());
    return kNoContext;
  }
  link_new_program(0);
  if (!wait_until([] { return disk_cache_threads() >= 1; }, 2s)) return kNoDiskCache;
  // Every CPU busy at normal priority (as llvmpipe's threads keep them while a guest renders):
  // the cache's writer, at nice 19, then falls behind, and the next write starts a thread.
  // Spinning makes no system call, so it does not mind the sandbox.
  static volatile bool spin = true;
  for (unsigned i = 0; i < std::max(1u, std::thread::hardware_concurrency()); ++i)
    std::thread([] {
      while (spin) {
      }
    }).detach();
  confine();
  const int entries_before = cache_entries(cache_dir);
  for (int n = 1; n <= kMaxPrograms && disk_cache_threads() < 2; ++n) link_new_program(n);
  // A thread is named once it has set its affinity and nice; then let the writers catch up, so
  // entries written (and locked) under the sandbox are seen too.
  spin = false;
  if (!wait_until([] { return disk_cache_threads() >= 2; }, 2s)) return kNeverStarted;
  if (!wait_until([&] { return cache_entries(cache_dir) > entries_before; }, 5s)) return kNeverStarted;
  return kCacheThreadStarted;
}

ConfinedResult grow_the_cache(const fs::path& plugin) {
  char name[] = "/tmp/vugpu-mesa-cache-XXXXXX";
  const char* made = ::mkdtemp(name);
  if (made == nullptr) return {};
  const fs::path cache_dir = made;
  ConfinedResult r = vugpu::test::run_confined(
      plugin, [&](const std::function<void()>& confine) { return grow_the_cache_under_the_sandbox(cache_dir, confine); });
  std::error_code ignored;
  fs::remove_all(cache_dir, ignored);
  return r;
}

std::vector<std::string> mesa_plugins() {
  std::vector<std::string> out;
  std::stringstream list(VUGPU_TEST_MESA_PLUGINS);
  for (std::string file; std::getline(list, file, ':');) out.push_back(file);
  return out;
}

class MesaUnderSandbox : public ::testing::TestWithParam<std::string> {};

TEST_P(MesaUnderSandbox, ShaderCacheStartsThreadsUnderThePluginsAllowlist) {
  const ConfinedResult r = grow_the_cache(GetParam());
  if (r.exited && r.code == kNoDiskCache)
    GTEST_SKIP() << "this Mesa has no shader disk cache (no disk$ thread after a first program)";
  EXPECT_TRUE(r.exited && r.code == kCacheThreadStarted)
      << fs::path(GetParam()).filename().string() << ": " << r.describe()
      << "\n(SIGSYS: the plugin's list lacks what Mesa calls, plugins/egl-common/mesa_syscalls.hpp; exit "
      << kNeverStarted << ": the cache started no second thread, nothing was tested)";
}

INSTANTIATE_TEST_SUITE_P(GlPlugins, MesaUnderSandbox, ::testing::ValuesIn(mesa_plugins()),
                         [](const auto& info) {
                           std::string name = fs::path(info.param).stem().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// The test can fail: a plugin that declares nothing (tests/plugins' valid presenter) gets the
// core's set only, and the cache's second thread kills the child on one of Mesa's calls.
TEST(MesaUnderSandboxWithoutMesasCalls, TheCacheThreadIsStopped) {
  const ConfinedResult r = grow_the_cache(VUGPU_TEST_PLUGIN_WITHOUT_SYSCALLS);
  if (r.exited && r.code == kNoDiskCache) GTEST_SKIP() << "this Mesa has no shader disk cache";
  EXPECT_TRUE(r.killed_by_sandbox()) << r.describe();
  EXPECT_TRUE(std::regex_search(r.output, std::regex("forbidden system call (sched_setscheduler|setpriority|"
                                                     "sched_setaffinity|flock) ")))
      << r.output;
}

}  // namespace
