// Versioned schema migrations for both backends.
//
// Every schema change is one entry in the table in migrations.cc, written once
// per dialect side by side, so the SQLite and PostgreSQL schemas cannot drift
// apart unnoticed. Migrations are applied in version order, each in its own
// transaction together with its row in schema_migrations(version, name,
// applied_at), so a crash leaves the schema at a whole version.
//
// Features add a migration by appending to that table; a migration once shipped
// is never edited.
//
// Thread-safety: Migrate may run from several processes at once. On PostgreSQL
// it holds a session advisory lock for the whole run; on SQLite each migration
// re-checks its version inside BEGIN IMMEDIATE, which serializes writers.
#pragma once

#include <span>

#include "core/status.h"
#include "store/database.h"

namespace yz::store {

struct Migration {
  int version;           // 1, 2, 3... with no gaps
  const char* name;      // short snake_case description, recorded in schema_migrations
  const char* sqlite;    // script in SQLite's dialect
  const char* postgres;  // the same change in PostgreSQL's dialect
};

// All migrations in version order.
std::span<const Migration> AllMigrations();

// Applies every migration newer than the database's version; a no-op when the
// schema is current. FailedPrecondition if the database is newer than this binary
// knows; otherwise the first failing migration's Status (earlier ones stay applied).
Status Migrate(Database& db);

// The highest applied version; 0 for a fresh database.
Result<int> SchemaVersion(Database& db);

}  // namespace yz::store
