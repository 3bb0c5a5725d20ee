// What `yzcloud import-log` remembers of the files it imported (migration 8,
// table log_imports), so that importing a file again adds only the lines
// appended since (a log that kept growing, or was rotated away after its last
// import) and a file imported whole adds nothing. Without this, every run over
// the same log would count its visits again, and a log whose rows the retention
// job had already deleted would bring them back.
//
// A file is known by content, not by name: an earlier import of its first B
// bytes is found when the file still begins with the same first 4 KiB and has
// the same 64 KiB just before byte B (SHA-256 of each; no log text is kept).
// The longest such earlier import wins.
//
// Thread-safety: free functions on a caller's connection.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "store/database.h"

namespace yz::collect {

// A point in a log file: its first `bytes` bytes hold `lines` lines.
struct LogPosition {
  std::uint64_t bytes = 0;
  std::uint64_t lines = 0;
};

// Where an import of the regular file open as `fd` (`size` bytes long) should
// start: the end of the longest earlier import of the same content, or {0, 0}.
Result<LogPosition> ResumePoint(store::Connection& conn, int fd, std::uint64_t size);

// Records that the first `end.bytes` bytes (`end.lines` lines) of `fd` are imported.
Status RecordImport(store::Connection& conn, int fd, LogPosition end, std::int64_t now);

}  // namespace yz::collect
