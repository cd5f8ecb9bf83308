// One fuzz input run through a fresh Device with the pixman renderer (its sources compiled in,
// so sanitizers and coverage see them), fake guest RAM, test presenters that may hold frames,
// and optionally a ScriptedRenderer in front that defers fences.
//
// Input: a first byte of configuration, then operations (submit a raw or a structured command on
// either queue, hold/release frames, signal fences, run the loop). After the input everything
// is released and signalled; the run fails when an invariant broke:
//   - a completion for a chain not in flight, or one completed twice;
//   - per queue, completions out of submission order;
//   - more bytes written than the room given, or a response type that is not a response;
//   - a fenced request answered without its fence echoed;
//   - a command that never completed once everything was released and signalled;
//   - host memory above the limit.
// Used by the libFuzzer target (clang) and a replay test (any compiler).
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace vugpu::fuzz {

struct RunSummary {
  std::string broken;  // "" when every invariant held, else what broke
  uint64_t commands = 0, errors = 0, frames_presented = 0, cursor_updates = 0;
};

RunSummary run_device_input_summary(std::span<const uint8_t> input);
// Just the verdict ("" = fine): what the libFuzzer target needs.
inline std::string run_device_input(std::span<const uint8_t> input) { return run_device_input_summary(input).broken; }

}  // namespace vugpu::fuzz
