// Opening the keys that go with the data database, as `serve` and `keys` do: the
// key directory, the keystore in its own database (SQLite keys.db, or the schema
// yz_keys on PostgreSQL), and the blind indexer.
#pragma once

#include <memory>

#include "core/config.h"
#include "core/status.h"
#include "crypto/blind_index.h"
#include "crypto/key_directory.h"
#include "crypto/keyring.h"
#include "store/database.h"

namespace yz::privacy {

struct Keys {
  crypto::KeyDirectory dir;
  std::unique_ptr<store::Database> db;         // the keystore's database
  std::unique_ptr<crypto::Keystore> keystore;  // declared after db: destroyed first
  std::unique_ptr<crypto::BlindIndexer> blind;
};

Result<Keys> OpenKeys(const Config& config);

}  // namespace yz::privacy
