// A presenter that opens a network socket under the sandbox without declaring it: the daemon
// must die of SIGSYS, naming "socket" (tests/integration/vugpu_sandbox_test.cpp).
#include "sandbox_probe.hpp"

extern "C" const vugpu::PluginDescriptor test_descriptor = vugpu::make_presenter_descriptor(
    "test.forbidden-syscall", "1.0.0", "opens a socket at its first frame, undeclared", vugpu_test::make_socket_presenter);
VUGPU_EXPORT_PLUGIN(test_descriptor)
