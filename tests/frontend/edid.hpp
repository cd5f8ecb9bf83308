// EDID as the display peer hands it out (the VMM's answer to VHOST_USER_GPU_GET_EDID) and a
// checker for what a backend hands the guest. Our own small EDID 1.4 writer: one base block with
// a preferred detailed timing for the output's size and a monitor name.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vugpu::frontend {

// 128 bytes, checksummed. Sizes above 4095 (what a detailed timing can carry) are clamped.
std::vector<uint8_t> make_edid(uint32_t width, uint32_t height, const std::string& name = "vugpu-test");

struct EdidInfo {
  bool valid = false;
  std::string problem;       // why not valid
  unsigned blocks = 0;
  uint32_t preferred_width = 0, preferred_height = 0;  // from the first detailed timing
  std::string name;          // monitor name descriptor, if any
};

// Checks the header, the version, and the checksum of every 128-byte block.
EdidInfo parse_edid(std::span<const uint8_t> edid);

}  // namespace vugpu::frontend
