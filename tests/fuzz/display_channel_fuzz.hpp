// Fuzzing the vhost-user-gpu display channel's replies: whatever a VMM writes on the display
// socket (protocol-feature answers, DISPLAY_INFO / EDID / DMABUF_UPDATE replies, garbage, lies
// about sizes and sequence) while the channel negotiates, asks display info and EDID, and sends
// scanouts and updates. Nothing may crash; display info never has more than 16 modes and an
// EDID never more than 1024 bytes. Shared by the libFuzzer target and the replay test.
//
// Input: records [op][u16 n][n bytes]. The VMM's end (a thread) answers the first message the
// channel sends during the record with the n bytes; op % 5 picks what the channel does: 0
// display_info, 1 edid(op / 5 % 16), 2 scanout 64x64 and an UPDATE of it, 3 the bytes arrive
// unsolicited and the event loop turns once, 4 start() (negotiation; also the first record).
// The channel waits 20 ms for a reply.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace vugpu::fuzz {

struct DisplayChannelSummary {
  unsigned display_info_ok = 0, edid_ok = 0, updates_ok = 0;
  uint32_t first_width = 0;  // scanout 0's width in the last display info answered
};
std::string run_display_channel_input(std::span<const uint8_t> data, DisplayChannelSummary* summary = nullptr);

}  // namespace vugpu::fuzz
