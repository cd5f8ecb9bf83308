// TestVmm::start() as QEMU does it, but handing the backend a *blocking* display socket.
//
// Why this exists: QEMU's frontend (hw/display/vhost-user-gpu.c) makes the display channel with
// a plain socketpair(), so the backend's end blocks. The test frontend's stream_socketpair()
// makes both ends non-blocking; QEMU's vhost-user-gpu writes an UPDATE with one sendmsg() and
// ignores a short write, so any UPDATE larger than the socket buffer (~200 KiB, i.e. 256x256
// and up) desynchronises the channel and the flush never completes. Remove this file (and call
// TestVmm::start()) once tests/frontend hands over a blocking end -- requested in the bench
// report.
#pragma once
#include "test_vmm.hpp"

namespace vugpu::bench {

// Same message order as TestVmm::start() with AckPolicy::Qemu: GPU_SET_SOCKET, SET_FEATURES,
// SET_MEM_TABLE (acked), per queue SET_VRING_NUM/_BASE/_ADDR/_KICK/_CALL, SET_VRING_ENABLE.
void start_like_qemu(frontend::TestVmm& vmm);

}  // namespace vugpu::bench
