// What the data database remembers about the keys its data was written with, so
// that a lost or swapped key file is refused at start instead of silently
// replaced (issue 15, defect 5): a new blind.key would make every login unknown,
// a new keystore every sealed value unreadable.
//
// Entries live in the data database's `settings` table, one row per key, named
// "key_fingerprint:FILE":
//   keystore       the keystore's random id (crypto::Keystore::id)
//   blind.key      crypto::KeyFingerprint of the blind-index root
//   master-N.key   crypto::KeyFingerprint of master version N
// A fingerprint is a one-way digest: the data database, and its backups, never
// hold a key.
//
// Thread-safety: free functions over a thread-safe store::Database; concurrent
// recorders (nodes starting together) agree on the first value written.
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "store/database.h"

namespace yz::privacy {

// Entry name -> recorded value ("blind.key" -> fingerprint). Empty for a data
// database that has recorded none yet. The store's error if `settings` is missing.
using KeyFingerprintMap = std::map<std::string, std::string>;
Result<KeyFingerprintMap> LoadKeyFingerprints(store::Database& data);

// Records every entry of `want` that is not recorded yet, then checks that each
// recorded value equals the wanted one. FailedPrecondition whose message is just
// the name of the first entry that differs (the caller words what to restore);
// the store's error otherwise.
Status RecordKeyFingerprints(store::Database& data, const KeyFingerprintMap& want);

// Forgets the entry `name` (a master key a finished rotation retired).
Status ForgetKeyFingerprint(store::Database& data, const std::string& name);

// Whether the data database already holds sealed personal data (values, access
// log, devices, outbox): then its keys exist somewhere and must not be created
// anew. Used for databases written before fingerprints were recorded.
Result<bool> HoldsSealedData(store::Database& data);

}  // namespace yz::privacy
