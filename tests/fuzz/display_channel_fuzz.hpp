// Fuzzing the vhost-user-gpu display channel's replies: whatever a VMM writes on the display
// socket (protocol-feature answers, DISPLAY_INFO / EDID / DMABUF_UPDATE replies, garbage, lies
// about sizes and sequence) while the channel negotiates, asks display info and EDID, and sends
// scanouts and updates. Nothing may crash; display info never has more than 16 modes and an
// EDID never more than 1024 bytes. Shared by the libFuzzer target and the replay test.
//
// Input: records [op][u16 n][n bytes]. The VMM's end answers the first message the channel
// sends during the record with the n bytes; op % 5 picks what the channel does: 0
// display_info, 1 edid(op / 5 % 16), 2 scanout 64x64 and an UPDATE of it, 3 the bytes arrive
// unsolicited and the event loop turns once, 4 start() (negotiation; also the first record).
// The VMM's end runs on the calling thread between loop turns (no thread, no polling), and
// time is virtual (virtual_time.hpp): where the VMM stays silent on a question, or the channel
// polls for the rest of a message cut short, the clock jumps by the time-out, `timeout_ms`,
// instead of waiting for it. So no input waits, and no answer is lost to a time-out because the
// thread was descheduled: the same input takes the same paths on any machine.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace vugpu::fuzz {

struct DisplayChannelSummary {
  unsigned display_info_ok = 0, edid_ok = 0, updates_ok = 0;
  uint32_t first_width = 0;  // scanout 0's width in the last display info answered
};
std::string run_display_channel_input(std::span<const uint8_t> data, DisplayChannelSummary* summary = nullptr,
                                      int timeout_ms = 1);

}  // namespace vugpu::fuzz
