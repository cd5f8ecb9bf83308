// A generated EDID 1.4 base block for a scanout with no real monitor behind it (no presenter
// answers GET_EDID): the preferred mode is the scanout's size at 60 Hz or the highest rate
// the 16-bit pixel clock of a detailed timing allows, with CVT reduced-blanking margins; the
// monitor is named "vugpu". Pure function, any thread.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

namespace vugpu {

using EdidBlock = std::array<uint8_t, 128>;

// A detailed timing descriptor holds at most 4095 x 4095 pixels: larger sizes get nullopt
// (the guest then takes the mode from GET_DISPLAY_INFO alone). serial tells scanouts apart.
std::optional<EdidBlock> make_edid(uint32_t width, uint32_t height, uint32_t serial);

}  // namespace vugpu
