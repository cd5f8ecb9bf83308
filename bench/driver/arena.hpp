// The backends of one workload, taking turns: round 1 runs A then B then C, round 2 again, ...
// Interleaving makes each round's ratio a comparison under the same machine load (the other
// engineers' builds and guests come and go), which a run of all-A-then-all-B would not be.
//
// A backend that cannot start, or fails during a round, leaves the race with the reason (and
// the tail of its log) and the others carry on: one broken peer must not cost the whole table.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "contender.hpp"
#include "json_writer.hpp"

namespace vugpu::bench {

class Arena {
 public:
  using Factory = std::function<std::unique_ptr<Contender>(const BackendChoice&)>;
  Arena(const std::vector<std::string>& backends, const Factory& make);

  // step(contender) for every contender still running (set-up, warm-up, final readings).
  void each(const std::function<void(Contender&)>& step);
  // step(contender, round) for round 0..n-1, all contenders in turn within each round.
  void rounds(unsigned n, const std::function<void(Contender&, unsigned round)>& step);

  // "backends": {name: {...fields, "ok": true} | {"ok": false, "skipped": bool, "error": "..."}}
  // `fields` only writes values measured earlier (it must not throw: half an object would be
  // invalid JSON).
  void write(JsonWriter& w, const std::function<void(Contender&, JsonWriter&)>& fields);

 private:
  struct Entry {
    std::string name;
    std::unique_ptr<Contender> contender;
    std::string error;
    bool skipped = false;  // not installed here (as opposed to failed)
  };
  void run(Entry& e, const std::function<void(Contender&)>& step);

  std::vector<Entry> entries_;
};

}  // namespace vugpu::bench
