#include "store/migrations.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace yz::store {
namespace {

// Append only. Scripts run inside the migration's transaction, so they must not
// contain BEGIN/COMMIT (and, on SQLite, no PRAGMA foreign_keys, which is ignored
// inside a transaction). SQLite tables are STRICT so that, as on PostgreSQL, a
// value of the wrong type is refused instead of stored.
constexpr Migration kMigrations[] = {
    {1, "init",
     // SQLite
     R"sql(
CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL  -- Unix seconds, UTC
) STRICT;
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
)sql",
     // PostgreSQL
     R"sql(
CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at BIGINT NOT NULL  -- Unix seconds, UTC
);
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
    {2, "privacy_gate",
     // SQLite. personal_values holds only AEAD ciphertext (see privacy/gate.h).
     R"sql(
CREATE TABLE personal_values (
  subject    TEXT NOT NULL,
  field      TEXT NOT NULL,
  value      BLOB NOT NULL,
  blind      BLOB,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (subject, field)
) STRICT;
CREATE INDEX personal_values_blind ON personal_values (field, blind);
CREATE TABLE consents (
  id             INTEGER PRIMARY KEY,
  subject        TEXT NOT NULL,
  purpose        TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  source         TEXT NOT NULL,
  given_at       INTEGER NOT NULL,
  withdrawn_at   INTEGER
) STRICT;
CREATE INDEX consents_subject ON consents (subject, purpose);
CREATE TABLE access_log (
  id      INTEGER PRIMARY KEY,
  subject TEXT NOT NULL,
  field   TEXT NOT NULL,
  purpose TEXT NOT NULL,
  actor   TEXT NOT NULL,
  at      INTEGER NOT NULL
) STRICT;
CREATE INDEX access_log_subject ON access_log (subject, at);
)sql",
     // PostgreSQL
     R"sql(
CREATE TABLE personal_values (
  subject    TEXT NOT NULL,
  field      TEXT NOT NULL,
  value      BYTEA NOT NULL,
  blind      BYTEA,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (subject, field)
);
CREATE INDEX personal_values_blind ON personal_values (field, blind);
CREATE TABLE consents (
  id             BIGSERIAL PRIMARY KEY,
  subject        TEXT NOT NULL,
  purpose        TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  source         TEXT NOT NULL,
  given_at       BIGINT NOT NULL,
  withdrawn_at   BIGINT
);
CREATE INDEX consents_subject ON consents (subject, purpose);
CREATE TABLE access_log (
  id      BIGSERIAL PRIMARY KEY,
  subject TEXT NOT NULL,
  field   TEXT NOT NULL,
  purpose TEXT NOT NULL,
  actor   TEXT NOT NULL,
  at      BIGINT NOT NULL
);
CREATE INDEX access_log_subject ON access_log (subject, at);
)sql"},
    {3, "notice_versions",
     // SQLite. Published privacy-notice versions (privacy/notice_versions.h) are
     // append-only: the triggers refuse to change or remove one, whoever asks.
     R"sql(
CREATE TABLE notice_versions (
  number       INTEGER PRIMARY KEY,  -- 1, 2, 3...
  published_at INTEGER NOT NULL,     -- Unix seconds, UTC
  sha256       TEXT NOT NULL,
  source       TEXT NOT NULL,
  inventory    TEXT NOT NULL,
  statement    TEXT NOT NULL
) STRICT;
CREATE TRIGGER notice_versions_no_update BEFORE UPDATE ON notice_versions
BEGIN
  SELECT RAISE(ABORT, 'notice_versions is append-only: a published notice never changes');
END;
CREATE TRIGGER notice_versions_no_delete BEFORE DELETE ON notice_versions
BEGIN
  SELECT RAISE(ABORT, 'notice_versions is append-only: a published notice never changes');
END;
)sql",
     // PostgreSQL. CREATE OR REPLACE: the function outlives a dropped table.
     R"sql(
CREATE TABLE notice_versions (
  number       BIGINT PRIMARY KEY,
  published_at BIGINT NOT NULL,
  sha256       TEXT NOT NULL,
  source       TEXT NOT NULL,
  inventory    TEXT NOT NULL,
  statement    TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION notice_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'notice_versions is append-only: a published notice never changes';
END;
$$;
CREATE TRIGGER notice_versions_no_change BEFORE UPDATE OR DELETE ON notice_versions
  FOR EACH ROW EXECUTE FUNCTION notice_versions_immutable();
CREATE TRIGGER notice_versions_no_truncate BEFORE TRUNCATE ON notice_versions
  FOR EACH STATEMENT EXECUTE FUNCTION notice_versions_immutable();
)sql"},
    {4, "outbox",
     // SQLite. Messages queued by accounts::OutboxNotifier. `sealed` is the whole
     // message (JSON) sealed through the privacy gate, bound to
     // Binding{"outbox", "sealed", message_id}; message_id is random, chosen before
     // the insert.
     R"sql(
CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL UNIQUE,
  account    TEXT NOT NULL,
  sealed     BLOB NOT NULL,
  created_at INTEGER NOT NULL  -- Unix seconds, UTC
) STRICT;
CREATE INDEX outbox_account ON outbox (account);
)sql",
     // PostgreSQL
     R"sql(
CREATE TABLE outbox (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  account    TEXT NOT NULL,
  sealed     BYTEA NOT NULL,
  created_at BIGINT NOT NULL  -- Unix seconds, UTC
);
CREATE INDEX outbox_account ON outbox (account);
)sql"},
    {5, "accounts",
     // SQLite
     R"sql(
-- accounts: states and coarse facts only; every personal value is in
-- personal_values (or sealed below) through the gate.
CREATE TABLE accounts (
  id                  TEXT PRIMARY KEY,
  state               TEXT NOT NULL,  -- pending_verification | pending_guardian | active | suspended
  login_kind          TEXT NOT NULL,  -- phone | email
  minor               INTEGER NOT NULL,   -- 1 if under the adult age at registration
  under_sensitive_age INTEGER NOT NULL,   -- 1 if under 14 (PIPL Art. 28)
  must_reset          INTEGER NOT NULL,   -- 1 after a misuse report, until a password reset
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL
) STRICT;
-- One unverified login, one account: a second registration of the same phone or
-- e-mail (compared by blind index) fails even when two race.
CREATE UNIQUE INDEX personal_values_one_login ON personal_values (field, blind)
  WHERE field IN ('registration.login_phone', 'registration.login_email');
CREATE TABLE one_time_codes (
  id         TEXT PRIMARY KEY,
  account    TEXT NOT NULL,
  purpose    TEXT NOT NULL,     -- verify | reset | misuse
  code_hash  BLOB NOT NULL,      -- SHA-256 of the code, sealed through the gate
  expires_at INTEGER NOT NULL,
  attempts   INTEGER NOT NULL,
  used_at    INTEGER
) STRICT;
CREATE INDEX one_time_codes_by_account ON one_time_codes (account, purpose);
CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,  -- public id, for listing and revoking
  account    TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,  -- SHA-256 of the token; the token is never stored
  created_at INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  revoked_at INTEGER,
  place      TEXT NOT NULL,  -- coarse: /24 or /48
  browser    TEXT NOT NULL   -- family and major version
) STRICT;
CREATE INDEX sessions_by_account ON sessions (account);
CREATE TABLE login_events (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  account   TEXT NOT NULL,
  at        INTEGER NOT NULL,
  place     TEXT NOT NULL,
  browser   TEXT NOT NULL,
  succeeded INTEGER NOT NULL
) STRICT;
CREATE INDEX login_events_by_account ON login_events (account, at);
CREATE TABLE profile_history (
  n       INTEGER PRIMARY KEY AUTOINCREMENT,  -- order of the changes
  id      TEXT NOT NULL UNIQUE,
  account TEXT NOT NULL,
  at      INTEGER NOT NULL,
  sealed  BLOB NOT NULL  -- the change as JSON, sealed through the gate
) STRICT;
CREATE INDEX profile_history_by_account ON profile_history (account, at);
CREATE TABLE misuse_reports (
  id      TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  at      INTEGER NOT NULL,
  via     TEXT NOT NULL,  -- session | code
  note    BLOB NOT NULL    -- sealed through the gate
) STRICT;
CREATE TABLE guardian_links (
  token_hash   BLOB PRIMARY KEY,  -- SHA-256 of the link's token
  account      TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  confirmed_at INTEGER,
  withdrawn_at INTEGER
) STRICT;
CREATE INDEX guardian_links_by_account ON guardian_links (account);
)sql",
     // PostgreSQL
     R"sql(
-- accounts: states and coarse facts only; every personal value is in
-- personal_values (or sealed below) through the gate.
CREATE TABLE accounts (
  id                  TEXT PRIMARY KEY,
  state               TEXT NOT NULL,  -- pending_verification | pending_guardian | active | suspended
  login_kind          TEXT NOT NULL,  -- phone | email
  minor               BIGINT NOT NULL,   -- 1 if under the adult age at registration
  under_sensitive_age BIGINT NOT NULL,   -- 1 if under 14 (PIPL Art. 28)
  must_reset          BIGINT NOT NULL,   -- 1 after a misuse report, until a password reset
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL
);
-- One unverified login, one account: a second registration of the same phone or
-- e-mail (compared by blind index) fails even when two race.
CREATE UNIQUE INDEX personal_values_one_login ON personal_values (field, blind)
  WHERE field IN ('registration.login_phone', 'registration.login_email');
CREATE TABLE one_time_codes (
  id         TEXT PRIMARY KEY,
  account    TEXT NOT NULL,
  purpose    TEXT NOT NULL,     -- verify | reset | misuse
  code_hash  BYTEA NOT NULL,      -- SHA-256 of the code, sealed through the gate
  expires_at BIGINT NOT NULL,
  attempts   BIGINT NOT NULL,
  used_at    BIGINT
);
CREATE INDEX one_time_codes_by_account ON one_time_codes (account, purpose);
CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,  -- public id, for listing and revoking
  account    TEXT NOT NULL,
  token_hash BYTEA NOT NULL UNIQUE,  -- SHA-256 of the token; the token is never stored
  created_at BIGINT NOT NULL,
  last_seen  BIGINT NOT NULL,
  revoked_at BIGINT,
  place      TEXT NOT NULL,  -- coarse: /24 or /48
  browser    TEXT NOT NULL   -- family and major version
);
CREATE INDEX sessions_by_account ON sessions (account);
CREATE TABLE login_events (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account   TEXT NOT NULL,
  at        BIGINT NOT NULL,
  place     TEXT NOT NULL,
  browser   TEXT NOT NULL,
  succeeded BIGINT NOT NULL
);
CREATE INDEX login_events_by_account ON login_events (account, at);
CREATE TABLE profile_history (
  n       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- order of the changes
  id      TEXT NOT NULL UNIQUE,
  account TEXT NOT NULL,
  at      BIGINT NOT NULL,
  sealed  BYTEA NOT NULL  -- the change as JSON, sealed through the gate
);
CREATE INDEX profile_history_by_account ON profile_history (account, at);
CREATE TABLE misuse_reports (
  id      TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  at      BIGINT NOT NULL,
  via     TEXT NOT NULL,  -- session | code
  note    BYTEA NOT NULL    -- sealed through the gate
);
CREATE TABLE guardian_links (
  token_hash   BYTEA PRIMARY KEY,  -- SHA-256 of the link's token
  account      TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  confirmed_at BIGINT,
  withdrawn_at BIGINT
);
CREATE INDEX guardian_links_by_account ON guardian_links (account);
)sql"},
};

// Key of the PostgreSQL advisory lock held while migrating ("yzcloud" in ASCII).
// A constant of the program, so it sits in the SQL text rather than a parameter.
constexpr const char* kLockSql = "SELECT pg_advisory_lock(34193039621584228)";
constexpr const char* kUnlockSql = "SELECT pg_advisory_unlock(34193039621584228)";

Status CheckTable() {
  int expected = 1;
  for (const Migration& m : kMigrations) {
    if (m.version != expected++) {
      return Internal("migrations: versions must run 1, 2, 3... without gaps (at " +
                      std::string(m.name) + ")");
    }
  }
  return Status::Ok();
}

Result<int> VersionOn(Connection& conn) {
  const char* exists_sql =
      conn.backend() == Backend::kSqlite
          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
          : "SELECT count(*) FROM pg_catalog.pg_tables "
            "WHERE schemaname = current_schema() AND tablename = 'schema_migrations'";
  ASSIGN_OR_RETURN(Rows exists, conn.Query(exists_sql));
  if (exists.empty() || exists[0].Int(0) == 0) return 0;
  ASSIGN_OR_RETURN(Rows rows,
                   conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return rows.empty() ? 0 : static_cast<int>(rows[0].Int(0));
}

std::int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Apply(Connection& conn, const Migration& m) {
  Transaction tx(conn);
  RETURN_IF_ERROR(tx.begin_status());
  // Another process may have applied it since we looked; the check runs under the
  // write lock (SQLite) or the advisory lock (PostgreSQL).
  ASSIGN_OR_RETURN(int current, VersionOn(conn));
  if (current >= m.version) return Status::Ok();  // rolls back the empty transaction
  const std::string label = "migration " + std::to_string(m.version) + " " + m.name + ": ";
  Status s = conn.ExecScript(conn.backend() == Backend::kSqlite ? m.sqlite : m.postgres);
  if (!s.ok()) return Status(s.code(), label + s.message());
  const Value record[] = {std::int64_t{m.version}, std::string(m.name), NowUnixSeconds()};
  auto inserted = conn.Exec(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", record);
  if (!inserted.ok()) return Status(inserted.status().code(), label + inserted.status().message());
  return tx.Commit();
}

Status ApplyAll(Connection& conn) {
  ASSIGN_OR_RETURN(int current, VersionOn(conn));
  const int latest = AllMigrations().back().version;
  if (current > latest) {
    return FailedPrecondition("database schema is at version " + std::to_string(current) +
                              " but this yzcloud knows only up to " + std::to_string(latest) +
                              "; run a newer yzcloud");
  }
  for (const Migration& m : AllMigrations()) {
    if (m.version > current) RETURN_IF_ERROR(Apply(conn, m));
  }
  return Status::Ok();
}

}  // namespace

std::span<const Migration> AllMigrations() { return kMigrations; }

Status Migrate(Database& db) {
  RETURN_IF_ERROR(CheckTable());
  ASSIGN_OR_RETURN(PooledConnection conn, db.Acquire());
  if (db.backend() != Backend::kPostgres) return ApplyAll(*conn);

  // Several nodes may start at once; the session lock makes them take turns.
  auto locked = conn->Query(kLockSql);
  if (!locked.ok()) return locked.status();
  Status s = ApplyAll(*conn);
  // If this fails the connection is broken, and the server drops the lock with it.
  (void)conn->Query(kUnlockSql);
  return s;
}

Result<int> SchemaVersion(Database& db) {
  ASSIGN_OR_RETURN(PooledConnection conn, db.Acquire());
  return VersionOn(*conn);
}

}  // namespace yz::store
