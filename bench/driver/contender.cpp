#include "contender.hpp"
#include <stdexcept>

namespace vugpu::bench {

using namespace vugpu::frontend;

BackendChoice find_backend(const std::string& name) {
  BackendLookup l;
  if (name == "vugpu") l = find_vugpu();
  else if (name == "qemu-10.0") l = find_qemu_gpu("10.0");
  else if (name == "qemu-7.2") l = find_qemu_gpu("7.2");
  else l.missing_reason = "unknown backend " + name + " (vugpu, qemu-10.0, qemu-7.2)";
  return {name, l.command, l.missing_reason};
}

uint64_t ram_for(uint32_t width, uint32_t height, unsigned framebuffers) {
  const uint64_t frame = (uint64_t(width) * height * 4 + 4095) & ~uint64_t{4095};
  return std::max<uint64_t>(64ull << 20, frame * framebuffers + (32ull << 20));
}

Contender::Contender(const BackendChoice& choice, uint32_t width, uint32_t height, uint64_t ram_bytes)
    : name_(choice.name) {
  if (!choice.command) throw std::runtime_error(choice.missing_reason);
  BackendCommand command = *choice.command;
  if (name_.rfind("vugpu", 0) == 0) {  // "vugpu" and the workloads' own vugpu configurations
    copies_ = std::make_unique<CopyCounter>();
    command.argv.push_back(copies_->argument());
  }
  process_ = std::make_unique<BackendProcess>(command);
  VmmOptions o;
  o.ram_bytes = ram_bytes;
  o.display.outputs = {{width, height, true}};
  o.display.compose = true;  // the VMM pays QEMU's console copy, for every backend alike
  o.display.max_recorded_events = 0;  // long runs: keep no per-message history
  vmm_ = std::make_unique<TestVmm>(o);
  vmm_->boot(process_->socket_path());  // QEMU's message order (test_vmm.hpp)
  gpu_ = std::make_unique<GuestDriver>(*vmm_);
}

Contender::~Contender() {
  // The VMM goes first (QEMU's backend exits when it does), then the process is stopped.
  gpu_.reset();
  vmm_.reset();
}

ProcessStats Contender::stats() const {
  auto s = read_process_stats(process_->pid());
  if (!s) throw std::runtime_error(name_ + " has exited: " + process_->describe_exit());
  return *s;
}

std::optional<uint64_t> Contender::bytes_copied() {
  return copies_ ? copies_->read(process_->pid()) : std::nullopt;
}

std::optional<uint64_t> Contender::device_bytes_copied() const {
  return copies_ ? copies_->last_device_bytes() : std::nullopt;
}

std::string Contender::log_tail(size_t max) const {
  const std::string all = process_->log();
  return all.size() <= max ? all : "..." + all.substr(all.size() - max);
}

}  // namespace vugpu::bench
