// Log lines for systemd's journal. Under a service manager stderr is often a journal stream:
// the journal stamps every line with its own time, and reads a leading "<N>" as the line's
// syslog priority (sd-daemon(3)). So there, vugpu writes "<4>message" instead of
// "[time] [warning] message": `journalctl -p warning -u vugpu@vm1` then shows what it should.
// Thread-safe (pure functions).
#pragma once
#include <spdlog/formatter.h>
#include <memory>

namespace vugpu {

// True when `fd` is the stream systemd names in $JOURNAL_STREAM ("<device>:<inode>", the
// documented way to tell; an fd redirected elsewhere by a parent does not match).
// `journal_stream` is the variable's value (null when unset).
bool is_journal_stream(int fd, const char* journal_stream);

// "<priority>message" (the journal's format) or "[time] [level] message" (a terminal or a file).
std::unique_ptr<spdlog::formatter> make_log_formatter(bool journal);

}  // namespace vugpu
