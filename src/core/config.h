// Runtime configuration: defaults, then yzcloud.toml, then YZ_* environment
// variables, then command-line flags, each overriding the one before.
//
// Every key is declared once (config.cc, kKeys) with its type and bounds; an
// unknown key or a bad value is an error that names the key and where it came
// from ("yzcloud.toml:7: port: must be 0..65535"). Thread-safety: a loaded Config
// is immutable and shared freely.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace yz {

// The PostgreSQL schema that holds the keystore when `keystore` is not set.
inline constexpr const char* kKeystoreSchema = "yz_keys";

// One I/O thread per core but one, at least one: the other core is the
// collection writer's (bench/README.md, event_ingest, measured both ways).
std::int64_t DefaultIoThreads();

struct Config {
  std::string listen = "127.0.0.1";           // address to bind
  std::int64_t port = 8080;                   // 0 picks a free port
  std::int64_t threads = DefaultIoThreads();  // I/O threads
  std::int64_t workers = 4;                   // blocking pool (database, hashing)
  std::string data_dir = "./data";            // SQLite file, keys, outbox
  std::string database;           // empty: SQLite at data_dir/yzcloud.db; or postgres://...
  std::int64_t db_pool = 8;       // pooled connections
  std::string key_dir;            // empty: data_dir/keys (master-N.key, blind.key)
  std::string keystore;           // empty: SQLite data_dir/keys.db, or on PostgreSQL
                                  // the data database's schema yz_keys
  std::int64_t key_cache = 4096;  // unwrapped data keys kept in memory
  std::int64_t adult_age = 18;    // under this, a guardian must consent (C5.1)
  std::int64_t session_idle_seconds = 7 * 24 * 3600;  // a session unused this long ends
  std::int64_t session_max_seconds = 30 * 24 * 3600;  // and every session ends after this
  std::vector<std::string> trusted_proxies;           // CIDRs whose X-Forwarded-For is believed
  std::int64_t max_connections = 10000;
  std::int64_t max_header_bytes = 16 * 1024;
  std::int64_t max_body_bytes = 1024 * 1024;
  std::int64_t request_timeout_ms =
      10000;  // a whole request (or keep-alive idle) must arrive in this
  std::int64_t shutdown_grace_ms = 4000;  // in-flight requests get this long after SIGTERM
  std::string log_level = "info";
  std::string public_url;   // e.g. https://cloud.example.cn; empty: derived from the request
  std::string smtp_url;     // e.g. smtp://mail.example.cn:25 or smtps://...; empty: outbox only
  std::string smtp_from;    // envelope and From: address of e-mail sent over SMTP
  std::string smtp_user;    // SMTP login; its password comes from YZCLOUD_SMTP_PASSWORD
  std::string outbox_file;  // empty: data_dir/outbox.jsonl
  // When a 2xx for collected events is given: "full" after the commit reached the
  // disk (fsync), "normal" after it reached the operating system (survives the
  // process being killed, not the machine losing power). See collect/pipeline.h.
  std::string collect_sync = "full";
  std::int64_t collect_queue_rows = 200000;  // rows waiting for the writer at most

  // The SQLite path or PostgreSQL URL to open.
  std::string DatabaseUrl() const;
  std::string KeyDir() const;
  // Where the wrapped data keys live: never in the data database's own tables,
  // so a backup of the data does not carry the keys that open it.
  std::string KeystoreUrl() const;
  // The JSON-lines file the outbox notifier appends to.
  std::string OutboxFile() const;
};

// Loads TOML text (`source` names it in errors) into `config`.
Status ApplyToml(Config& config, const std::string& text, const std::string& source);
// Loads a TOML file; NotFound if it does not exist.
Status ApplyTomlFile(Config& config, const std::string& path);
// Applies YZ_* variables from `env` ("YZ_TRUSTED_PROXIES" -> trusted_proxies).
// YZ_CONFIG is the config file path and is not a key. Unknown YZ_ names are errors.
Status ApplyEnv(Config& config, const std::map<std::string, std::string>& env);
// Sets one key from its string form (flags, env). Lists are comma-separated.
Status ApplyValue(Config& config, const std::string& key, const std::string& value,
                  const std::string& source);
// The process environment as a map (only YZ_ names).
std::map<std::string, std::string> YzEnvironment();

}  // namespace yz
