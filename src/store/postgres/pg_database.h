// PostgreSQL backend of store::Database, over libpq.
//
// Each pooled connection prepares a statement once per distinct SQL text
// (PQprepare) and then runs it with PQexecPrepared; parameters are sent
// separately (text for numbers and strings, binary for Blob). Result columns are
// typed by their OID: int2/4/8 -> int64, float4/8/numeric -> double,
// bytea -> Blob, bool -> int64 0/1, everything else -> text.
//
// Thread-safety: the Database is thread-safe; each Connection is used by one
// thread at a time.
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace yz::store::postgres {

// Connects once to validate `url`; Unavailable (naming the host, never the
// password) if the server cannot be reached.
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, int pool_size);

}  // namespace yz::store::postgres
