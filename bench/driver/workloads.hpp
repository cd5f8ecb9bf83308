// The workloads. Each reads its options, runs every requested backend in turns and writes one
// JSON object: {"workload": ..., "params": {...}, "backends": {...}}. bench/run turns these
// into the table.
#pragma once
#include "json_writer.hpp"
#include "options.hpp"

namespace vugpu::bench {

void memcpy_limit(Options& o, JsonWriter& w);  // the limit: one frame-sized memcpy
void full_frame(Options& o, JsonWriter& w);    // B1
void small_damage(Options& o, JsonWriter& w);  // B2
void round_trip(Options& o, JsonWriter& w);    // B3
void churn(Options& o, JsonWriter& w);         // B4
void startup(Options& o, JsonWriter& w);       // B5
void blob_flush(Options& o, JsonWriter& w);    // B6 (blob_flush.cpp)
void idle(Options& o, JsonWriter& w);          // B7: wake-ups of an idle guest

}  // namespace vugpu::bench
