// Printable names of the wire requests, for log lines and test failure messages.
#include "wire/display.hpp"
#include "wire/vhost_user.hpp"

namespace vugpu::frontend {

const char* vu::request_name(uint32_t request) {
  switch (request) {
    case kGetFeatures: return "GET_FEATURES";
    case kSetFeatures: return "SET_FEATURES";
    case kSetOwner: return "SET_OWNER";
    case kResetOwner: return "RESET_OWNER";
    case kSetMemTable: return "SET_MEM_TABLE";
    case kSetLogBase: return "SET_LOG_BASE";
    case kSetLogFd: return "SET_LOG_FD";
    case kSetVringNum: return "SET_VRING_NUM";
    case kSetVringAddr: return "SET_VRING_ADDR";
    case kSetVringBase: return "SET_VRING_BASE";
    case kGetVringBase: return "GET_VRING_BASE";
    case kSetVringKick: return "SET_VRING_KICK";
    case kSetVringCall: return "SET_VRING_CALL";
    case kSetVringErr: return "SET_VRING_ERR";
    case kGetProtocolFeatures: return "GET_PROTOCOL_FEATURES";
    case kSetProtocolFeatures: return "SET_PROTOCOL_FEATURES";
    case kGetQueueNum: return "GET_QUEUE_NUM";
    case kSetVringEnable: return "SET_VRING_ENABLE";
    case kSetBackendReqFd: return "SET_BACKEND_REQ_FD";
    case kGetConfig: return "GET_CONFIG";
    case kSetConfig: return "SET_CONFIG";
    case kGpuSetSocket: return "GPU_SET_SOCKET";
    case kResetDevice: return "RESET_DEVICE";
    case kGetMaxMemSlots: return "GET_MAX_MEM_SLOTS";
    case kAddMemReg: return "ADD_MEM_REG";
    case kRemMemReg: return "REM_MEM_REG";
    case kSetStatus: return "SET_STATUS";
    case kGetStatus: return "GET_STATUS";
    default: return "unknown";
  }
}

const char* gpu::request_name(uint32_t request) {
  switch (request) {
    case kGetProtocolFeatures: return "GET_PROTOCOL_FEATURES";
    case kSetProtocolFeatures: return "SET_PROTOCOL_FEATURES";
    case kGetDisplayInfo: return "GET_DISPLAY_INFO";
    case kCursorPos: return "CURSOR_POS";
    case kCursorPosHide: return "CURSOR_POS_HIDE";
    case kCursorUpdate: return "CURSOR_UPDATE";
    case kScanout: return "SCANOUT";
    case kUpdate: return "UPDATE";
    case kDmabufScanout: return "DMABUF_SCANOUT";
    case kDmabufUpdate: return "DMABUF_UPDATE";
    case kGetEdid: return "GET_EDID";
    case kDmabufScanout2: return "DMABUF_SCANOUT2";
    default: return "unknown";
  }
}

}  // namespace vugpu::frontend
