// Opening the keys that go with the data database, as every command that reads or
// writes personal data does (serve, keys, outbox, import-log): the key directory,
// the keystore in its own database (SQLite keys.db, or the schema yz_keys on
// PostgreSQL), and the blind indexer.
//
// The keys must be the ones the data was written with (issue 15, defect 5). A
// fresh data database (no fingerprints recorded, no sealed data) gets new keys, or
// adopts those it is pointed at, and records their fingerprints
// (privacy/key_fingerprints.h). Afterwards nothing is created: a missing master-N.key
// the keystore records, blind.key, or the keystore itself, or one that is not the
// recorded one, fails the open with a message naming the file and what to restore.
//
// Thread-safety: OpenKeys may run in several processes at once (nodes starting
// together agree through the store); the Keys it returns are as thread-safe as
// their parts.
#pragma once

#include <memory>
#include <string>

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

// Opens the keys of `config` for the data database `data` (migrated; used only
// during the call, to read and record fingerprints). FailedPrecondition (or
// NotFound, PermissionDenied) with an operator's message when a key file or the
// keystore is missing or not the one recorded; the store's error otherwise.
Result<Keys> OpenKeys(const Config& config, store::Database& data);

// Records master version `version`'s fingerprint in `data` before a rotation puts
// anything under it (overwriting one a failed earlier attempt left), and after it
// forgets the fingerprints of the versions below `keep_from`.
Status RecordMasterFingerprint(store::Database& data, int version, const crypto::SecretKey& key);
Status ForgetMastersBelow(store::Database& data, int keep_from);

// How the keystore of `config` is named to an operator: its SQLite path, or the
// PostgreSQL schema (never a URL, which may carry a password).
std::string DescribeKeystore(const Config& config);

}  // namespace yz::privacy
