// The same presenter, declaring "socket": the sandbox lets it through.
#include <vugpu/sandbox.hpp>
#include "sandbox_probe.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor = vugpu::make_presenter_descriptor(
    "test.declared-syscall", "1.0.0", "opens a socket at its first frame, declared", vugpu_test::make_socket_presenter);
VUGPU_EXPORT_PLUGIN(test_descriptor)
static const char* const kSyscalls[] = {"socket"};
VUGPU_EXPORT_SYSCALLS(kSyscalls)
