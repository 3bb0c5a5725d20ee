#include "privacy/keys.h"

#include <string>

namespace yz::privacy {
namespace {

// On PostgreSQL the default keystore is a schema of the data database, created
// here (nodes starting together take turns under an advisory lock).
Status EnsureKeystoreSchema(store::Database& db) {
  return db.InTransaction([](store::Connection& conn) -> Status {
    auto locked = conn.Query("SELECT pg_advisory_xact_lock(133449431639413)");
    if (!locked.ok()) return locked.status();
    return conn.ExecScript(std::string("CREATE SCHEMA IF NOT EXISTS ") + kKeystoreSchema);
  });
}

}  // namespace

Result<Keys> OpenKeys(const Config& config) {
  ASSIGN_OR_RETURN(crypto::KeyDirectory dir, crypto::KeyDirectory::Open(config.KeyDir()));
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Open(config.KeystoreUrl(), 4));
  if (db->backend() == store::Backend::kPostgres && config.keystore.empty()) {
    RETURN_IF_ERROR(EnsureKeystoreSchema(*db));
  }
  ASSIGN_OR_RETURN(
      std::unique_ptr<crypto::Keystore> keystore,
      crypto::Keystore::Open(*db, dir.Loader(), static_cast<std::size_t>(config.key_cache)));
  ASSIGN_OR_RETURN(crypto::SecretKey blind_root, dir.BlindRoot());
  auto blind = std::make_unique<crypto::BlindIndexer>(blind_root);
  return Keys{std::move(dir), std::move(db), std::move(keystore), std::move(blind)};
}

}  // namespace yz::privacy
