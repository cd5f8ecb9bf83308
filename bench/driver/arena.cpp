#include "arena.hpp"
#include <exception>

namespace vugpu::bench {

Arena::Arena(const std::vector<std::string>& backends, const Factory& make) {
  for (const auto& name : backends) {
    Entry e;
    e.name = name;
    const BackendChoice choice = find_backend(name);
    if (!choice.command) {
      e.skipped = true;
      e.error = choice.missing_reason;
    } else {
      try {
        e.contender = make(choice);
      } catch (const std::exception& ex) {
        e.error = std::string("could not start: ") + ex.what();
      }
    }
    entries_.push_back(std::move(e));
  }
}

void Arena::run(Entry& e, const std::function<void(Contender&)>& step) {
  if (!e.contender || !e.error.empty()) return;
  try {
    step(*e.contender);
  } catch (const std::exception& ex) {
    e.error = ex.what();
    const std::string log = e.contender->log_tail();
    if (!log.empty()) e.error += "\nbackend log:\n" + log;
  }
}

void Arena::each(const std::function<void(Contender&)>& step) {
  for (auto& e : entries_) run(e, step);
}

void Arena::rounds(unsigned n, const std::function<void(Contender&, unsigned)>& step) {
  for (unsigned round = 0; round < n; ++round)
    for (auto& e : entries_) run(e, [&](Contender& c) { step(c, round); });
}

void Arena::write(JsonWriter& w, const std::function<void(Contender&, JsonWriter&)>& fields) {
  w.key("backends").begin_object();
  for (auto& e : entries_) {
    w.key(e.name).begin_object();
    if (e.contender && e.error.empty()) fields(*e.contender, w);
    w.field("ok", e.error.empty());
    if (!e.error.empty()) w.field("skipped", e.skipped).field("error", e.error);
    w.end_object();
  }
  w.end_object();
}

}  // namespace vugpu::bench
