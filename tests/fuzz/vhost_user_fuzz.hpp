// Fuzzing the vhost-user transport as a VMM reaches it: whole messages with fds through a real
// socketpair into VhostUserServer (message parser, size/fd checks, every handler, the memory
// table over a real memfd), bytes poked into guest RAM and kicks, so descriptor chains are read
// over whatever memory table the input set up. The GPU behind is the transport tests' loopback
// device. Shared by the libFuzzer target (clang) and the corpus replay test (any compiler).
//
// Input: a sequence of records, each starting with a tag byte t:
//   t & 0x80 == 0  a message: 12-byte header, then min(header.size, 4096, rest) payload bytes;
//                  (t & 3) fds go with it, fd i is guest RAM (the 1 MiB memfd) when bit 2+i of
//                  t is set, else a fresh eventfd (kept, for kicks)
//   t == 0x80      poke: u32 offset, u16 length, bytes -> guest RAM (wrapped into its 1 MiB)
//   t == 0x81      kick: signal every eventfd sent so far
//   other          ignored
// The server's answers are drained and dropped. User addresses in memory tables are labels
// only (the server maps the fd itself); seeds use test::GuestRam::kUvaBase.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace vugpu::fuzz {

// Runs one input; returns "" or the invariant that broke (the fuzzer aborts on it).
std::string run_vhost_user_input(std::span<const uint8_t> data);

}  // namespace vugpu::fuzz
