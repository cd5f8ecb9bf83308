// vugpu-bench: one workload per invocation, every backend in turns, one JSON object on stdout.
// bench/run calls it once per workload and builds the table; by hand:
//
//   vugpu-bench full-frame --size=1920x1080 --rounds=5 --frames=20 --backends=vugpu,qemu-10.0
//   vugpu-bench small-damage | round-trip | churn | startup | blob-flush | idle | memcpy  [--key=value ...]
//
// Backends: vugpu ($VUGPU_DAEMON or the build tree's; plugins from $VUGPU_PLUGIN_PATH),
// qemu-10.0 ($VUGPU_QEMU_DIR or the scripts/fetch-qemu cache), qemu-7.2 (Debian's). One that
// is missing or fails is reported as such in the JSON; the others still run.
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include "workloads.hpp"

using namespace vugpu::bench;

int main(int argc, char** argv) {
  const std::map<std::string, void (*)(Options&, JsonWriter&)> workloads = {
      {"memcpy", memcpy_limit}, {"full-frame", full_frame}, {"small-damage", small_damage},
      {"round-trip", round_trip}, {"churn", churn}, {"startup", startup}, {"blob-flush", blob_flush},
      {"idle", idle}};
  if (argc < 2 || !workloads.count(argv[1])) {
    std::fprintf(stderr, "usage: vugpu-bench <workload> [--key=value ...]\nworkloads:");
    for (const auto& [name, fn] : workloads) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  try {
    Options options(argc, argv, 2);
    JsonWriter w;
    workloads.at(argv[1])(options, w);
    std::printf("%s\n", w.str().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vugpu-bench %s: %s\n", argv[1], e.what());
    return 1;
  }
}
