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
     // SQLite. Messages queued by accounts::Outbox. `sealed` is the whole
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
    {6, "collection",
     // SQLite
     R"sql(
-- C2.1 the access log (request_log; access_log above records reads of personal
-- data): one row per web or app request, already protected by the
-- collector (collect/protector.h). No column holds a full IP or an account id in
-- the clear: both are sealed under the per-day log key (keystore subject
-- "log-day:N"), destroyed by the retention job. request_id binds the seals.
CREATE TABLE request_log (
  id              INTEGER PRIMARY KEY,
  request_id      TEXT NOT NULL,
  at              INTEGER NOT NULL,  -- Unix seconds, floored to the minute
  day             INTEGER NOT NULL,  -- UTC day number: the salt and key day
  source          TEXT NOT NULL,    -- web | import
  method          TEXT NOT NULL,
  path            TEXT NOT NULL,    -- sensitive parameter values removed
  status          INTEGER NOT NULL,
  visitor         TEXT,             -- daily-salted pseudonym
  ip_prefix       TEXT NOT NULL,    -- /24 or /48
  ip_sealed       BLOB,             -- NULL once past the full IP's retention
  browser         TEXT NOT NULL,
  browser_version TEXT,
  os              TEXT NOT NULL,
  os_version      TEXT,
  device          TEXT NOT NULL,
  language        TEXT,
  referrer_domain TEXT,
  bot             INTEGER NOT NULL,
  account_sealed  BLOB
) STRICT;
CREATE INDEX request_log_by_day ON request_log (day);
-- C2.1/C3.4 web events (the Plausible tracker, the batch API); bots never land here.
CREATE TABLE events (
  id              INTEGER PRIMARY KEY,
  at              INTEGER NOT NULL,
  day             INTEGER NOT NULL,
  source          TEXT NOT NULL,    -- tracker | batch
  site            TEXT NOT NULL,
  name            TEXT NOT NULL,
  path            TEXT NOT NULL,
  referrer_domain TEXT,
  visitor         TEXT,
  browser         TEXT NOT NULL,
  browser_version TEXT,
  os              TEXT NOT NULL,
  os_version      TEXT,
  device          TEXT NOT NULL,
  language        TEXT,
  props           TEXT              -- JSON object of string values, or NULL
) STRICT;
CREATE INDEX events_by_site_day ON events (site, day);
-- Bots and crawlers, counted apart from visitors.
CREATE TABLE bot_hits (
  day  INTEGER NOT NULL,
  site TEXT NOT NULL,
  bot  TEXT NOT NULL,
  hits INTEGER NOT NULL,
  PRIMARY KEY (day, site, bot)
) STRICT;
-- Days that have a visitor salt and a log key in the keystore, and when the
-- retention job destroyed each.
CREATE TABLE log_days (
  day                INTEGER PRIMARY KEY,
  salt_destroyed_at  INTEGER,
  key_destroyed_at   INTEGER
) STRICT;
)sql",
     // PostgreSQL
     R"sql(
-- C2.1 the access log (request_log; access_log above records reads of personal
-- data): one row per web or app request, already protected by the
-- collector (collect/protector.h). No column holds a full IP or an account id in
-- the clear: both are sealed under the per-day log key (keystore subject
-- "log-day:N"), destroyed by the retention job. request_id binds the seals.
CREATE TABLE request_log (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id      TEXT NOT NULL,
  at              BIGINT NOT NULL,  -- Unix seconds, floored to the minute
  day             BIGINT NOT NULL,  -- UTC day number: the salt and key day
  source          TEXT NOT NULL,    -- web | import
  method          TEXT NOT NULL,
  path            TEXT NOT NULL,    -- sensitive parameter values removed
  status          BIGINT NOT NULL,
  visitor         TEXT,             -- daily-salted pseudonym
  ip_prefix       TEXT NOT NULL,    -- /24 or /48
  ip_sealed       BYTEA,             -- NULL once past the full IP's retention
  browser         TEXT NOT NULL,
  browser_version TEXT,
  os              TEXT NOT NULL,
  os_version      TEXT,
  device          TEXT NOT NULL,
  language        TEXT,
  referrer_domain TEXT,
  bot             BIGINT NOT NULL,
  account_sealed  BYTEA
);
CREATE INDEX request_log_by_day ON request_log (day);
-- C2.1/C3.4 web events (the Plausible tracker, the batch API); bots never land here.
CREATE TABLE events (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at              BIGINT NOT NULL,
  day             BIGINT NOT NULL,
  source          TEXT NOT NULL,    -- tracker | batch
  site            TEXT NOT NULL,
  name            TEXT NOT NULL,
  path            TEXT NOT NULL,
  referrer_domain TEXT,
  visitor         TEXT,
  browser         TEXT NOT NULL,
  browser_version TEXT,
  os              TEXT NOT NULL,
  os_version      TEXT,
  device          TEXT NOT NULL,
  language        TEXT,
  props           TEXT              -- JSON object of string values, or NULL
);
CREATE INDEX events_by_site_day ON events (site, day);
-- Bots and crawlers, counted apart from visitors.
CREATE TABLE bot_hits (
  day  BIGINT NOT NULL,
  site TEXT NOT NULL,
  bot  TEXT NOT NULL,
  hits BIGINT NOT NULL,
  PRIMARY KEY (day, site, bot)
);
-- Days that have a visitor salt and a log key in the keystore, and when the
-- retention job destroyed each.
CREATE TABLE log_days (
  day                BIGINT PRIMARY KEY,
  salt_destroyed_at  BIGINT,
  key_destroyed_at   BIGINT
);
)sql"},
    {7, "devices",
     // SQLite
     R"sql(
-- C2.2 devices. No column holds an install id: a device is the keyed BLAKE2b of
-- its install id (collect/devices.h); its gate subject is "device:" || device.
-- IMEI and MAC rest in personal_values (sealed, blind-indexed) through the gate.
CREATE TABLE devices (
  device          TEXT PRIMARY KEY,
  os              TEXT NOT NULL,     -- android | ios | harmonyos | ... | other
  os_version      TEXT NOT NULL,     -- major
  app_version     TEXT NOT NULL,     -- major.minor
  hardware_model  TEXT NOT NULL,
  first_seen      INTEGER NOT NULL,  -- Unix seconds, floored to the minute
  last_seen       INTEGER NOT NULL,
  installed_at    INTEGER,
  uninstalled_at  INTEGER
) STRICT;
CREATE INDEX devices_by_last_seen ON devices (last_seen);
-- Lifecycle events: install | activate | update | uninstall.
CREATE TABLE device_events (
  id              INTEGER PRIMARY KEY,
  device          TEXT NOT NULL,
  type            TEXT NOT NULL,
  at              INTEGER NOT NULL,  -- Unix seconds, floored to the minute
  day             INTEGER NOT NULL,
  os              TEXT NOT NULL,
  os_version      TEXT NOT NULL,
  app_version     TEXT NOT NULL,
  hardware_model  TEXT NOT NULL
) STRICT;
CREATE INDEX device_events_by_at ON device_events (at);
-- Update check-ins; device is NULL when the app sent no install id.
CREATE TABLE update_checks (
  id              INTEGER PRIMARY KEY,
  at              INTEGER NOT NULL,
  day             INTEGER NOT NULL,
  platform        TEXT NOT NULL,
  channel         TEXT NOT NULL,
  app_version     TEXT NOT NULL,     -- major.minor
  device          TEXT
) STRICT;
CREATE INDEX update_checks_by_at ON update_checks (at);
-- Precise points, with consent only: "lat,lon" sealed under the device's data key,
-- bound to (device_locations, point, id); deleted at expires_at (24 h).
CREATE TABLE device_locations (
  id              TEXT PRIMARY KEY,  -- random, known before the point is sealed
  device          TEXT NOT NULL,
  point           BLOB NOT NULL,
  at              INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX device_locations_by_device ON device_locations (device, at);
CREATE INDEX device_locations_by_expiry ON device_locations (expires_at);
-- Geohash cells (precision 6, about 1 km), with consent only: one row per device,
-- cell and day.
CREATE TABLE device_cells (
  day             INTEGER NOT NULL,
  geohash         TEXT NOT NULL,
  device          TEXT NOT NULL,
  PRIMARY KEY (day, geohash, device)
) STRICT;
CREATE INDEX device_cells_by_device ON device_cells (device);
-- App releases published with `yzcloud releases add` (no personal data).
CREATE TABLE app_releases (
  id              INTEGER PRIMARY KEY,
  platform        TEXT NOT NULL,
  channel         TEXT NOT NULL,
  version         TEXT NOT NULL,
  required        INTEGER NOT NULL,
  min_supported   TEXT,
  url             TEXT NOT NULL,
  published_at    INTEGER NOT NULL,
  UNIQUE (platform, channel, version)
) STRICT;
)sql",
     // PostgreSQL
     R"sql(
-- C2.2 devices. No column holds an install id: a device is the keyed BLAKE2b of
-- its install id (collect/devices.h); its gate subject is "device:" || device.
-- IMEI and MAC rest in personal_values (sealed, blind-indexed) through the gate.
CREATE TABLE devices (
  device          TEXT PRIMARY KEY,
  os              TEXT NOT NULL,     -- android | ios | harmonyos | ... | other
  os_version      TEXT NOT NULL,     -- major
  app_version     TEXT NOT NULL,     -- major.minor
  hardware_model  TEXT NOT NULL,
  first_seen      BIGINT NOT NULL,  -- Unix seconds, floored to the minute
  last_seen       BIGINT NOT NULL,
  installed_at    BIGINT,
  uninstalled_at  BIGINT
);
CREATE INDEX devices_by_last_seen ON devices (last_seen);
-- Lifecycle events: install | activate | update | uninstall.
CREATE TABLE device_events (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device          TEXT NOT NULL,
  type            TEXT NOT NULL,
  at              BIGINT NOT NULL,  -- Unix seconds, floored to the minute
  day             BIGINT NOT NULL,
  os              TEXT NOT NULL,
  os_version      TEXT NOT NULL,
  app_version     TEXT NOT NULL,
  hardware_model  TEXT NOT NULL
);
CREATE INDEX device_events_by_at ON device_events (at);
-- Update check-ins; device is NULL when the app sent no install id.
CREATE TABLE update_checks (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at              BIGINT NOT NULL,
  day             BIGINT NOT NULL,
  platform        TEXT NOT NULL,
  channel         TEXT NOT NULL,
  app_version     TEXT NOT NULL,     -- major.minor
  device          TEXT
);
CREATE INDEX update_checks_by_at ON update_checks (at);
-- Precise points, with consent only: "lat,lon" sealed under the device's data key,
-- bound to (device_locations, point, id); deleted at expires_at (24 h).
CREATE TABLE device_locations (
  id              TEXT PRIMARY KEY,  -- random, known before the point is sealed
  device          TEXT NOT NULL,
  point           BYTEA NOT NULL,
  at              BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL
);
CREATE INDEX device_locations_by_device ON device_locations (device, at);
CREATE INDEX device_locations_by_expiry ON device_locations (expires_at);
-- Geohash cells (precision 6, about 1 km), with consent only: one row per device,
-- cell and day.
CREATE TABLE device_cells (
  day             BIGINT NOT NULL,
  geohash         TEXT NOT NULL,
  device          TEXT NOT NULL,
  PRIMARY KEY (day, geohash, device)
);
CREATE INDEX device_cells_by_device ON device_cells (device);
-- App releases published with `yzcloud releases add` (no personal data).
CREATE TABLE app_releases (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform        TEXT NOT NULL,
  channel         TEXT NOT NULL,
  version         TEXT NOT NULL,
  required        BIGINT NOT NULL,
  min_supported   TEXT,
  url             TEXT NOT NULL,
  published_at    BIGINT NOT NULL,
  UNIQUE (platform, channel, version)
);
)sql"},
    {8, "log_imports",
     // SQLite
     R"sql(
-- What import-log imported of each log file (collect/log_imports.h): a file is
-- known by the SHA-256 of its first min(bytes, 4 KiB) and of the min(bytes, 64
-- KiB) before `bytes`. No log text, so no personal data.
CREATE TABLE log_imports (
  id          INTEGER PRIMARY KEY,
  bytes       INTEGER NOT NULL,  -- the file's first `bytes` bytes were imported
  lines       INTEGER NOT NULL,  -- holding this many lines
  head_hash   BLOB NOT NULL,
  tail_hash   BLOB NOT NULL,
  imported_at INTEGER NOT NULL
) STRICT;
)sql",
     // PostgreSQL
     R"sql(
-- What import-log imported of each log file (collect/log_imports.h): a file is
-- known by the SHA-256 of its first min(bytes, 4 KiB) and of the min(bytes, 64
-- KiB) before `bytes`. No log text, so no personal data.
CREATE TABLE log_imports (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bytes       BIGINT NOT NULL,
  lines       BIGINT NOT NULL,
  head_hash   BYTEA NOT NULL,
  tail_hash   BYTEA NOT NULL,
  imported_at BIGINT NOT NULL
);
)sql"},
    {9, "day_row_ids",
     // SQLite
     R"sql(
-- C2.1 request_log and events ids become day * 2^32 + n (collect/records.h): a
-- day's rows are one range of the primary key, which the retention job clears
-- and deletes, and the statistics read, by range. The indexes on day, which
-- every insert paid for, go. Both tables are rebuilt with their rows numbered
-- day by day, in their order; a CHECK refuses a row filed under another day
-- (such as one from a binary older than this migration, which lets the store
-- pick the id: stop every node before upgrading).
CREATE TABLE request_log_by_day_id (
  id              INTEGER PRIMARY KEY,  -- day * 2^32 + n
  request_id      TEXT NOT NULL,
  at              INTEGER NOT NULL,  -- Unix seconds, floored to the minute
  day             INTEGER NOT NULL,  -- UTC day number: the salt and key day
  source          TEXT NOT NULL,    -- web | import
  method          TEXT NOT NULL,
  path            TEXT NOT NULL,    -- sensitive parameter values removed
  status          INTEGER NOT NULL,
  visitor         TEXT,             -- daily-salted pseudonym
  ip_prefix       TEXT NOT NULL,    -- /24 or /48
  ip_sealed       BLOB,             -- NULL once past the full IP's retention
  browser         TEXT NOT NULL,
  browser_version TEXT,
  os              TEXT NOT NULL,
  os_version      TEXT,
  device          TEXT NOT NULL,
  language        TEXT,
  referrer_domain TEXT,
  bot             INTEGER NOT NULL,
  account_sealed  BLOB,
  CONSTRAINT request_log_id_day CHECK ((id >> 32) = day)
) STRICT;
INSERT INTO request_log_by_day_id
  SELECT day * 4294967296 + row_number() OVER (PARTITION BY day ORDER BY id), request_id, at, day, source, method, path, status, visitor, ip_prefix, ip_sealed, browser,
    browser_version, os, os_version, device, language, referrer_domain, bot, account_sealed
  FROM request_log;
DROP TABLE request_log;
ALTER TABLE request_log_by_day_id RENAME TO request_log;
CREATE TABLE events_by_day_id (
  id              INTEGER PRIMARY KEY,  -- day * 2^32 + n
  at              INTEGER NOT NULL,
  day             INTEGER NOT NULL,
  source          TEXT NOT NULL,    -- tracker | batch
  site            TEXT NOT NULL,
  name            TEXT NOT NULL,
  path            TEXT NOT NULL,
  referrer_domain TEXT,
  visitor         TEXT,
  browser         TEXT NOT NULL,
  browser_version TEXT,
  os              TEXT NOT NULL,
  os_version      TEXT,
  device          TEXT NOT NULL,
  language        TEXT,
  props           TEXT,             -- JSON object of string values, or NULL
  CONSTRAINT events_id_day CHECK ((id >> 32) = day)
) STRICT;
INSERT INTO events_by_day_id
  SELECT day * 4294967296 + row_number() OVER (PARTITION BY day ORDER BY id), at, day, source, site, name, path, referrer_domain, visitor, browser, browser_version, os,
    os_version, device, language, props
  FROM events;
DROP TABLE events;
ALTER TABLE events_by_day_id RENAME TO events;
)sql",
     // PostgreSQL
     R"sql(
-- C2.1 request_log and events ids become day * 2^32 + n (collect/records.h): a
-- day's rows are one range of the primary key, which the retention job clears
-- and deletes, and the statistics read, by range. The indexes on day, which
-- every insert paid for, go. The pipeline numbers new rows; existing ones are
-- numbered day by day, in their order; a CHECK refuses a row filed under another
-- day (an older binary leaves the id out and fails on NOT NULL: stop every node
-- before upgrading). Run VACUUM afterwards: the UPDATEs rewrite every row.
DROP INDEX request_log_by_day;
ALTER TABLE request_log ALTER COLUMN id DROP IDENTITY;
ALTER TABLE request_log DROP CONSTRAINT request_log_pkey;
UPDATE request_log SET id = numbered.id
  FROM (SELECT id AS old, day * 4294967296 + row_number() OVER (PARTITION BY day ORDER BY id) AS id
        FROM request_log) AS numbered
  WHERE request_log.id = numbered.old;
ALTER TABLE request_log ADD PRIMARY KEY (id);
ALTER TABLE request_log ADD CONSTRAINT request_log_id_day CHECK ((id >> 32) = day);
DROP INDEX events_by_site_day;
ALTER TABLE events ALTER COLUMN id DROP IDENTITY;
ALTER TABLE events DROP CONSTRAINT events_pkey;
UPDATE events SET id = numbered.id
  FROM (SELECT id AS old, day * 4294967296 + row_number() OVER (PARTITION BY day ORDER BY id) AS id
        FROM events) AS numbered
  WHERE events.id = numbered.old;
ALTER TABLE events ADD PRIMARY KEY (id);
ALTER TABLE events ADD CONSTRAINT events_id_day CHECK ((id >> 32) = day);
)sql"},
    {10, "outbox_delivery_and_throttles",
     // SQLite. The outbox becomes the queue a delivery worker drains (issue 15
     // defect 7): a message is queued in the transaction of the change that caused
     // it and delivered afterwards, with retries. Earlier rows were written to the
     // outbox file when queued, so they count as delivered. `throttles` holds the
     // attempt counters of accounts::Throttle (issue 15 defect 1), in the database
     // so that every node sees the same counts; `bucket` is a keyed hash of the
     // limit and the login, client or device it counts, never the value itself.
     R"sql(
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN delivered_at INTEGER;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
UPDATE outbox SET delivered_at = created_at;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE TABLE throttles (
  bucket     BLOB PRIMARY KEY,   -- keyed BLAKE2b of limit name and subject
  window_end INTEGER NOT NULL,   -- Unix seconds; the count starts again after it
  count      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX throttles_by_end ON throttles (window_end);
)sql",
     // PostgreSQL
     R"sql(
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN delivered_at BIGINT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
UPDATE outbox SET delivered_at = created_at;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
CREATE TABLE throttles (
  bucket     BYTEA PRIMARY KEY,  -- keyed BLAKE2b of limit name and subject
  window_end BIGINT NOT NULL,    -- Unix seconds; the count starts again after it
  count      BIGINT NOT NULL
);
CREATE INDEX throttles_by_end ON throttles (window_end);
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
