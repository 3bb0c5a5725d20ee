#include "privacy/keys.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "privacy/key_fingerprints.h"

namespace yz::privacy {
namespace {

constexpr const char* kRestore =
    "restore it from the backup of the keys taken with this data (yzcloud creates keys only "
    "for a data directory or database that holds no data yet)";

bool IsPostgres(const std::string& url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

std::string MasterName(int version) { return "master-" + std::to_string(version) + ".key"; }

// On PostgreSQL the default keystore is a schema of the data database, created
// here (nodes starting together take turns under an advisory lock).
Status EnsureKeystoreSchema(store::Database& db) {
  return db.InTransaction([](store::Connection& conn) -> Status {
    auto locked = conn.Query("SELECT pg_advisory_xact_lock(133449431639413)");
    if (!locked.ok()) return locked.status();
    return conn.ExecScript(std::string("CREATE SCHEMA IF NOT EXISTS ") + kKeystoreSchema);
  });
}

// Whether the keystore's tables exist in `db` (opened, never created here).
Result<bool> KeystoreTablesExist(store::Database& db) {
  ASSIGN_OR_RETURN(store::PooledConnection conn, db.Acquire());
  const char* sql =
      db.backend() == store::Backend::kSqlite
          ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'master_keys'"
          : "SELECT 1 WHERE to_regclass('master_keys') IS NOT NULL";
  ASSIGN_OR_RETURN(store::Rows rows, conn->Query(sql));
  return !rows.empty();
}

Status Missing(const std::string& what, const std::string& why) {
  return FailedPrecondition(what + " is missing, but " + why + ": " + kRestore);
}

Status NotTheOne(const std::string& what) {
  return FailedPrecondition(what +
                            " is not the one the data was written with (its fingerprint differs "
                            "from the one the data database recorded): " +
                            kRestore);
}

// A key file's load error, worded for the operator: NotFound becomes "missing".
Status KeyFileError(const Status& s, const std::string& path, const std::string& why) {
  if (s.code() == Code::kNotFound) return Missing("key file " + path, why);
  return s;
}

}  // namespace

std::string DescribeKeystore(const Config& config) {
  const std::string url = config.KeystoreUrl();
  if (!IsPostgres(url)) return "keystore " + url;
  if (config.keystore.empty()) {
    return std::string("keystore schema ") + kKeystoreSchema + " of the PostgreSQL database";
  }
  return "keystore database (config key `keystore`)";
}

Result<Keys> OpenKeys(const Config& config, store::Database& data) {
  ASSIGN_OR_RETURN(KeyFingerprintMap recorded, LoadKeyFingerprints(data));
  bool established = !recorded.empty();
  // A database written before fingerprints were kept: its keys exist somewhere.
  if (!established) {
    ASSIGN_OR_RETURN(established, HoldsSealedData(data));
  }
  const std::string why_keystore = "the data database holds data sealed under its keys";

  ASSIGN_OR_RETURN(crypto::KeyDirectory dir, crypto::KeyDirectory::Open(config.KeyDir()));
  const std::string keystore_url = config.KeystoreUrl();
  const std::string keystore_name = DescribeKeystore(config);
  if (established && !IsPostgres(keystore_url)) {
    // Checked before opening: SQLite would create an empty file in its place.
    std::error_code ec;
    if (!std::filesystem::exists(keystore_url, ec)) return Missing(keystore_name, why_keystore);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Open(keystore_url, 4));
  if (established) {
    ASSIGN_OR_RETURN(bool exists, KeystoreTablesExist(*db));
    if (!exists) return Missing(keystore_name, why_keystore);
  } else if (db->backend() == store::Backend::kPostgres && config.keystore.empty()) {
    RETURN_IF_ERROR(EnsureKeystoreSchema(*db));
  }

  // Over existing data a master key is only ever loaded, never made.
  crypto::Keystore::MasterLoader loader = dir.Loader();
  if (established) {
    loader = [dir](int version, bool) { return dir.Master(version, /*create=*/false); };
  }
  auto opened = crypto::Keystore::Open(*db, loader, static_cast<std::size_t>(config.key_cache));
  if (!opened.ok()) {
    // Open names the file when the current master is missing; say what to do.
    if (opened.status().code() == Code::kNotFound) {
      return FailedPrecondition(opened.status().message() + ", but the " + keystore_name +
                                " wraps data keys under it: " + kRestore);
    }
    if (opened.status().code() == Code::kPermissionDenied &&
        opened.status().message().starts_with("keystore: this is not the master key")) {
      return FailedPrecondition(opened.status().message() + " (a master key file in " +
                                dir.path().string() + " was replaced): " + kRestore);
    }
    return opened.status();
  }
  std::unique_ptr<crypto::Keystore> keystore = std::move(opened).value();

  KeyFingerprintMap want;
  want["keystore"] = keystore->id();
  // Every master version the keystore records must be here (an unfinished rotation
  // needs both), and be the recorded key.
  ASSIGN_OR_RETURN(std::vector<int> versions, keystore->MasterVersions());
  for (int version : versions) {
    const std::string path = dir.MasterPath(version).string();
    auto key = dir.Master(version, /*create=*/false);
    if (!key.ok() && key.status().code() == Code::kNotFound) {
      // A rotation in another process may just have retired it with its file.
      ASSIGN_OR_RETURN(std::vector<int> now, keystore->MasterVersions());
      if (std::find(now.begin(), now.end(), version) == now.end()) continue;
    }
    if (!key.ok()) {
      return KeyFileError(key.status(), path,
                          "the " + keystore_name + " wraps data keys under master version " +
                              std::to_string(version));
    }
    if (Status s = keystore->CheckMaster(version, *key); !s.ok()) {
      if (s.code() == Code::kNotFound) continue;  // retired meanwhile
      return FailedPrecondition("key file " + path + " is not master version " +
                                std::to_string(version) + " of the " + keystore_name + ": " +
                                kRestore);
    }
    want[MasterName(version)] = crypto::KeyFingerprint(*key);
  }

  auto blind_root = dir.Blind(/*create=*/!established);
  if (!blind_root.ok()) {
    return KeyFileError(blind_root.status(), dir.BlindPath().string(),
                        "the data's logins and other lookups are indexed under it");
  }
  want["blind.key"] = crypto::KeyFingerprint(*blind_root);

  if (Status s = RecordKeyFingerprints(data, want); !s.ok()) {
    if (s.code() != Code::kFailedPrecondition) return s;
    const std::string& name = s.message();
    if (name == "keystore") {
      return FailedPrecondition(keystore_name +
                                " is not the one the data was written with (its id differs from "
                                "the one the data database recorded): restore the keystore "
                                "backed up with this data");
    }
    const std::filesystem::path file = name == "blind.key" ? dir.BlindPath() : dir.path() / name;
    return NotTheOne("key file " + file.string());
  }
  // Fingerprints of masters a finished rotation retired are no longer required.
  if (!versions.empty()) RETURN_IF_ERROR(ForgetMastersBelow(data, versions.front()));
  auto blind = std::make_unique<crypto::BlindIndexer>(*blind_root);
  return Keys{std::move(dir), std::move(db), std::move(keystore), std::move(blind)};
}

Status RecordMasterFingerprint(store::Database& data, int version, const crypto::SecretKey& key) {
  RETURN_IF_ERROR(ForgetKeyFingerprint(data, MasterName(version)));
  return RecordKeyFingerprints(data, {{MasterName(version), crypto::KeyFingerprint(key)}});
}

Status ForgetMastersBelow(store::Database& data, int keep_from) {
  ASSIGN_OR_RETURN(KeyFingerprintMap recorded, LoadKeyFingerprints(data));
  for (const auto& [name, value] : recorded) {
    int version = 0;
    if (std::sscanf(name.c_str(), "master-%d.key", &version) == 1 && version < keep_from) {
      RETURN_IF_ERROR(ForgetKeyFingerprint(data, name));
    }
  }
  return Status::Ok();
}

}  // namespace yz::privacy
