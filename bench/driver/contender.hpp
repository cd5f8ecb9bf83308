// One backend under measurement: its process, the stand-in VMM connected to it, and the guest
// driver model. The workloads hold one Contender per backend and take turns (A B A B ...), so
// every backend sees the same machine state and the same command stream.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "backend_process.hpp"
#include "copy_counter.hpp"
#include "guest_driver.hpp"
#include "process_stats.hpp"
#include "test_vmm.hpp"

namespace vugpu::bench {

// A backend to run, or why it cannot run here.
struct BackendChoice {
  std::string name;  // "vugpu", "qemu-10.0", "qemu-7.2"
  std::optional<frontend::BackendCommand> command;
  std::string missing_reason;
};
BackendChoice find_backend(const std::string& name);

class Contender {
 public:
  // Starts the backend and boots the VMM with one output of `width`x`height`.
  // `ram_bytes`: guest RAM for the framebuffers this workload needs.
  Contender(const BackendChoice& choice, uint32_t width, uint32_t height, uint64_t ram_bytes);
  ~Contender();
  Contender(const Contender&) = delete;
  Contender& operator=(const Contender&) = delete;

  const std::string& name() const { return name_; }
  frontend::TestVmm& vmm() { return *vmm_; }
  frontend::GuestDriver& gpu() { return *gpu_; }
  frontend::BackendProcess& process() { return *process_; }
  // CPU and memory of the backend process; throws when it has gone.
  frontend::ProcessStats stats() const;
  // True for a backend that counts the pixel bytes it copies (vugpu, any configuration).
  bool counts_copies() const { return copies_ != nullptr; }
  // Pixel bytes the backend copied on the host so far, by its own count; nothing for a backend
  // that keeps no count (QEMU's).
  std::optional<uint64_t> bytes_copied();
  // The device's part of the last bytes_copied() (the renderer's transfer copies).
  std::optional<uint64_t> device_bytes_copied() const;
  // The backend's own log, for error messages.
  std::string log_tail(size_t max = 1500) const;

  // Set when something failed: this contender sits out the remaining rounds.
  std::string failure;

 private:
  std::string name_;
  std::unique_ptr<CopyCounter> copies_;  // vugpu only
  std::unique_ptr<frontend::BackendProcess> process_;
  std::unique_ptr<frontend::TestVmm> vmm_;
  std::unique_ptr<frontend::GuestDriver> gpu_;
};

// The guest RAM a workload needs for `framebuffers` frames of w x h, plus rings and commands.
uint64_t ram_for(uint32_t width, uint32_t height, unsigned framebuffers = 1);

}  // namespace vugpu::bench
