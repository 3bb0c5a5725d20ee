// The key directory (config key `key_dir`, default DATA_DIR/keys): the secrets
// that must never rest in the database or in its backups.
//
//   master-N.key  the master key of version N, which wraps the data keys in the
//                 keystore; a rotation adds N+1 and removes N once nothing is
//                 wrapped under it any more
//   blind.key     the root of the blind-index keys (lookup by phone, e-mail, IMEI)
//
// The directory is created with mode 0700 and every file with 0600; a key file
// that group or others can access is refused (LoadKeyFile).
//
// Thread-safety: immutable after Open; the loader it returns may be called from
// any thread.
#pragma once

#include <filesystem>
#include <string>

#include "core/status.h"
#include "crypto/keyring.h"
#include "crypto/secret_key.h"

namespace yz::crypto {

class KeyDirectory {
 public:
  // Creates `dir` and its missing parents (mode 0700) if missing. Unavailable if it
  // cannot be created; FailedPrecondition if it is not a folder.
  static Result<KeyDirectory> Open(std::filesystem::path dir);

  // The master key of `version`; with `create`, made on first use. NotFound if
  // it does not exist and `create` is false.
  Result<SecretKey> Master(int version, bool create) const;
  Keystore::MasterLoader Loader() const;
  // The blind-index root key, made on first use.
  Result<SecretKey> BlindRoot() const;
  // The same; with `create` false, NotFound if blind.key does not exist (data
  // indexed under a lost key must not get a new one silently).
  Result<SecretKey> Blind(bool create) const;
  // Removes the files of master versions below `version` (retired by a rotation).
  Status RemoveMastersBelow(int version) const;

  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path MasterPath(int version) const;
  std::filesystem::path BlindPath() const;

 private:
  explicit KeyDirectory(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

// A one-way fingerprint of `key` (32 hex digits): what the data database records
// to tell, at the next start, whether a key file is still the one its data was
// written with. Never reveals the key; equal keys give equal fingerprints.
std::string KeyFingerprint(const SecretKey& key);

}  // namespace yz::crypto
