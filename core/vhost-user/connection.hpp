// One VMM connection: the vhost-user protocol state of one front-end (features, memory table,
// the two virtqueues, the display channel) and the handlers of its messages.
//
// Every message is checked (size, fds, flags: check_message) before its handler runs; a handler
// checks the values (queue index, feature bits, region ranges). A refused message is logged; a
// request with its own reply (GET_*) then gets an empty reply, which QEMU reports as an error
// rather than waiting forever; any other request gets a REPLY_ACK nack when the front-end asked
// for one. fds that a handler does not keep are closed when the message goes away.
//
// Device loop thread only. The socket belongs to the server (which watches it); the connection
// owns everything else and releases it in its destructor: kick/call/err fds, the display
// socket, and (through MemoryTable) every mapping of guest memory.
#pragma once
#include <array>
#include <memory>
#include <string>
#include "loop/event_loop.hpp"
#include "memory/guest_memory.hpp"
#include "vhost-user/display_channel.hpp"
#include "vhost-user/gpu_backend.hpp"
#include "vhost-user/memory_table.hpp"
#include "vhost-user/message.hpp"
#include "vhost-user/virtqueue.hpp"
#include "log/rate_limited_log.hpp"

namespace vugpu::vhost {

struct ConnectionEnv {
  EventLoop& loop;
  GpuBackend& device;
  GuestMemory& memory;
  Log& log;
  RateLimitedLog& guest_log;
  int timeout_ms;
};

// Virtio and vhost-user feature bits the transport itself offers (the device adds its own).
inline constexpr uint64_t kTransportFeatures =
    bit(kFeatureVersion1) | bit(kFeatureIndirectDesc) | bit(kFeatureEventIdx) | bit(kFeatureProtocolFeatures);
inline constexpr uint64_t kProtocolFeatures =
    bit(kProtocolReplyAck) | bit(kProtocolBackendReq) | bit(kProtocolConfig) | bit(kProtocolConfigureMemSlots);

class Connection {
 public:
  Connection(ConnectionEnv env, int socket_fd);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The socket is readable: handle the messages there. False when the connection is over
  // (closed by the VMM, or a stream that cannot be trusted any more).
  bool on_readable();

  // The display channel, or null when there is none (or it closed).
  VmmDisplay* display();
  // The VMM is gone: close the display channel first, so that a device reset does not talk to it.
  void drop_display() { display_.reset(); }
  // Completion from the device.
  void on_complete(QueueId queue, uint16_t head, uint32_t bytes_written);

  // A virtio-gpu config event (VIRTIO_GPU_EVENT_DISPLAY): set in events_read (the driver reads
  // it and clears it through events_clear) and, where the front-end agreed CONFIG and gave a
  // back-end channel (BACKEND_REQ), announced with VHOST_USER_BACKEND_CONFIG_CHANGE_MSG so it
  // interrupts the guest. QEMU 10's vhost-user-gpu logs "unhandled backend config change" and
  // does not: its guest keeps its modes. Returns whether the message went out.
  bool raise_config_event(uint32_t event);

  // A mapping of this VMM's guest RAM was truncated under us (guarded_mapping.hpp).
  bool memory_poisoned() const { return memory_table_.poisoned(); }

  uint64_t acked_features() const { return features_; }
  uint64_t acked_protocol_features() const { return protocol_features_; }
  const Virtqueue& queue(uint32_t i) const { return *queues_[i]; }

 private:
  void dispatch(Message& m);
  bool handle(Message& m, std::string& why);  // false = refused
  bool reply(uint32_t request, std::span<const uint8_t> payload);
  bool reply_u64(uint32_t request, uint64_t value);
  Virtqueue* queue_at(uint64_t index, std::string& why);
  void after_memory_change();
  void reset_device(const char* reason);
  uint64_t chains_submitted() const;

  bool h_set_mem_table(Message& m, std::string& why);
  bool h_get_config(const Message& m, std::string& why);
  bool h_set_config(const Message& m, std::string& why);
  bool h_vring_fd(Message& m, std::string& why);
  bool h_set_vring_base(const Message& m, std::string& why);

  ConnectionEnv env_;
  const int socket_;
  bool lost_ = false;  // a reply could not be sent: the stream is gone

  uint64_t features_ = 0;
  uint64_t protocol_features_ = 0;
  bool owner_ = false;
  MemoryTable memory_table_;
  std::array<std::unique_ptr<Virtqueue>, kQueueCount> queues_;
  std::unique_ptr<DisplayChannel> display_;
  uint64_t chains_at_last_stop_ = 0;
  uint32_t events_read_ = 0;  // virtio_gpu_config.events_read (raise_config_event sets bits)
  UniqueFd backend_channel_;  // SET_BACKEND_REQ_FD: messages to the front-end
};

}  // namespace vugpu::vhost
