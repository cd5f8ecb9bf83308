#include "daemon/serve.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <list>
#include "daemon/kernel_limits.hpp"
#include "daemon/signals.hpp"
#include "device/device.hpp"
#include "host/loop_host_services.hpp"
#include "host/stats_file.hpp"
#include "loop/event_loop.hpp"
#include "memory/guest_memory.hpp"
#include "sandbox/sandbox.hpp"
#include "vhost-user/server.hpp"

namespace vugpu {

namespace {

// One HostServices per plugin, each with a log that names the plugin. A list: addresses stay
// valid as plugins are added.
class PluginHosts {
 public:
  PluginHosts(EventLoop& loop, Log& log, HostLinks& links) : loop_(loop), log_(log), links_(links) {}
  HostServices& add(std::string_view plugin_name, bool presenter = false) {
    auto& tagged = logs_.emplace_back(log_, std::string(plugin_name));
    return hosts_.emplace_back(loop_, tagged, links_, presenter);
  }

 private:
  EventLoop& loop_;
  Log& log_;
  HostLinks& links_;
  std::list<TaggedLog> logs_;
  std::list<LoopHostServices> hosts_;  // after logs_: destroyed first
};

// Every loaded plugin whose declared system calls join the sandbox's allowlist.
std::vector<std::filesystem::path> sandbox_plugin_files(const PluginSelection& plugins) {
  std::vector<std::filesystem::path> files{plugins.renderer.library->file()};
  for (const auto& p : plugins.presenters) files.push_back(p.library->file());
  if (plugins.blob) files.push_back(plugins.blob->library->file());
  return files;
}

}  // namespace

int serve(const CommandLine& cl, const Config& config, PluginSelection plugins, SpdLog& log) {
  // Declaration order is destruction order reversed: the server goes first, then the device,
  // then the plugin objects (each before its library), then their HostServices, then the loop.
  EventLoop loop;
  HostLinks links;
  PluginHosts hosts(loop, log, links);
  const bool sandboxed = cl.sandbox.value_or(config.sandbox);
  if (sandboxed) sandbox::drop_privileges(log);  // before plugins start threads (per-thread sets)

  auto renderer = create_renderer(plugins.renderer.library, hosts.add(plugins.renderer.library->name()),
                                  plugins.renderer.options);
  std::vector<PluginInstance<Presenter>> presenters;
  std::vector<Presenter*> presenter_pointers;
  for (auto& p : plugins.presenters) {
    presenters.push_back(create_presenter(p.library, hosts.add(p.library->name(), true), p.options));
    presenter_pointers.push_back(presenters.back().get());
  }

  PluginInstance<BlobProvider> blob;
  if (plugins.blob) blob = create_blob_provider(plugins.blob->library, hosts.add(plugins.blob->library->name()), plugins.blob->options);
  if (blob) warn_if_blob_limits_exceed_the_kernels(config.device.limits, log);  // before the sandbox: reads /proc/sys

  GuestMemory memory;
  LoopHostServices device_host(loop, log, links);
  Device device(config.device, *renderer, presenter_pointers, memory, device_host, blob.get());
  links.fence_signalled = [&device](uint32_t ctx, uint32_t ring, uint64_t fence) {
    device.fence_signalled(ctx, ring, fence);
  };
  VhostUserServer server(loop, device, memory, log, ServerOptions{cl.socket_path, cl.fd, cl.once});
  links.vmm_display = [&server] { return server.vmm_display(); };
  links.display_mode_wanted = [&device, &server](uint32_t scanout_id, const DisplayMode& mode) {
    if (device.prefer_mode(scanout_id, mode)) server.display_changed(scanout_id, mode);
  };

  const auto write_stats = [&] {  // device loop (SIGUSR1), or after it stopped
    if (cl.stats_file.empty()) return;
    std::vector<PluginCounters> plugin_counters;
    for (size_t i = 0; i < presenters.size(); ++i)
      plugin_counters.push_back({std::string(plugins.presenters[i].library->name()), presenters[i]->stats()});
    if (auto error = write_stats_file(cl.stats_file, stats_json(links.bytes_copied.load(), device.stats(),
                                                                links.presenter_bytes_copied.load(), plugin_counters));
        !error.empty())
      log.error("stats: {}", error);
  };
  SignalWatch signals(loop, [&](int signo) {
    if (signo == SIGUSR1) {
      write_stats();
      return;
    }
    log.info("{}: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
    loop.stop();
  });

  server.start();
  std::string presenter_names;
  for (const auto& name : config.presenters) presenter_names += (presenter_names.empty() ? "" : ", ") + name;
  log.info("vugpu {} serving {}: renderer {}, presenters {}, blobs {}, configuration {}", VUGPU_VERSION,
           cl.fd >= 0 ? fmt::format("fd {}", cl.fd) : cl.socket_path, config.renderer, presenter_names,
           config.blob.empty() ? "off" : config.blob, config.source);
  if (sandboxed)
    sandbox::confine(sandbox_plugin_files(plugins), log);
  else
    log.warn("sandbox off (--sandbox=off or sandbox = false): no seccomp filter, capabilities kept");
  const bool ok = loop.run();

  for (auto& p : presenters) p->shutdown();
  write_stats();
  links.vmm_display = nullptr;
  links.fence_signalled = nullptr;
  links.display_mode_wanted = nullptr;
  if (!ok) {
    log.error("event loop failed");
    return 1;
  }
  return links.exit_status;  // 0 unless a plugin stopped vugpu for a failure (HostServices::request_stop)
}

}  // namespace vugpu
