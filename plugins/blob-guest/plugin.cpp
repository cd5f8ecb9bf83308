// blob.guest: the export, nothing else.
#include <vugpu/plugin.hpp>
#include <vugpu/sandbox.hpp>
#include "guest_blob_provider.hpp"

namespace {

const vugpu::OptionSpec kOptions[] = {
    {"view", vugpu::OptionType::String, "auto",
     "auto (udmabuf, else memfd mapping, else gather copy), udmabuf, map or gather: the only kind tried"},
    {"udmabuf_device", vugpu::OptionType::String, "/dev/udmabuf", "the udmabuf device"},
};

std::unique_ptr<vugpu::BlobProvider> create(vugpu::HostServices& host, const vugpu::OptionValues& options) {
  return std::make_unique<vugpu::blob_guest::GuestBlobProvider>(host, vugpu::blob_guest::BlobOptions::from(options));
}

}  // namespace

extern "C" const vugpu::PluginDescriptor vugpu_blob_guest_descriptor = vugpu::make_blob_descriptor(
    "blob.guest", "0.1.0", "Guest-memory blobs shown in place: udmabuf, memfd mapping or counted gather copy", kOptions,
    create);
VUGPU_EXPORT_PLUGIN(vugpu_blob_guest_descriptor)

// Under the daemon's sandbox: UDMABUF_CREATE_LIST on the udmabuf device (opened in the factory).
// Everything else (mmap MAP_FIXED of the guest's memory file, fstat, fcntl) is in the base set.
static const char* const kSyscalls[] = {"ioctl"};
VUGPU_EXPORT_SYSCALLS(kSyscalls)
