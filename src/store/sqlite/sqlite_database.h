// SQLite backend of store::Database: the embedded default.
//
// WAL journal, a busy timeout, foreign keys on, synchronous=NORMAL (durable at
// checkpoint in WAL; FULL where a caller needs it per statement is not offered).
// Writers serialize through BEGIN IMMEDIATE: SQLite has a single writer and the
// busy timeout queues the others. Statements are prepared once per connection and
// cached by SQL text. `$N` placeholders are bound by number.
//
// Thread-safety: the Database is thread-safe; each Connection is used by one
// thread at a time.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace yz::store::sqlite {

// Opens (creating if needed) the SQLite file at `path`.
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, int pool_size);

}  // namespace yz::store::sqlite
