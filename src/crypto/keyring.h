// Keyring: the master key file and the Keystore of per-subject data keys.
//
// Envelope encryption: each data subject (account, device, visitor) has its own
// random 32-byte data key that seals that subject's personal fields. Data keys rest
// in the keystore database wrapped (aead Seal, binding {"data_keys", "wrapped",
// subject}) under the master key, which lives only in a local file. Erasing a
// subject deletes its wrapped key (crypto-shredding): every copy of its ciphertext,
// backups included, becomes unreadable.
//
// The keystore is its own database, separate from the data (so a data backup
// does not carry the keys), and creates its own tables:
//   data_keys(subject TEXT PRIMARY KEY, master_version INTEGER NOT NULL,
//             wrapped BLOB NOT NULL, created_at INTEGER NOT NULL)
//   master_keys(version INTEGER PRIMARY KEY, key_check BLOB NOT NULL)
// key_check is a known constant sealed under that master version (binding
// {"master_keys", "key_check", version}); opening the keystore with a wrong master
// key for a version fails instead of silently minting unreadable data keys. (The
// column is key_check, not check: CHECK is a reserved word in both dialects.)
//
// Thread-safety: Keystore is thread-safe.
//  - `masters_mu_` (shared_mutex) guards the master keys and the current version.
//    DataKey holds it shared for the whole read-unwrap (or create-wrap) so a
//    Rotate cannot retire the master key it is using; Rotate holds it exclusively
//    only to add the new master (before re-wrapping) and to retire the old ones
//    (after), so DataKey calls proceed while the rows are re-wrapped.
//  - `cache_mu_` guards the bounded LRU cache of unwrapped data keys.
// Across processes: Rotate is meant to run on one node; other nodes must be
// restarted with the new master key (they keep working meanwhile only for keys
// they have cached or that are still wrapped under a master they hold). Other
// nodes' caches may hold an erased subject's key until evicted or restarted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "crypto/secret_key.h"
#include "store/database.h"

namespace yz::crypto {

// The master key in `path`, creating it on first run: 32 random bytes written to a
// temporary file created with O_EXCL and mode 0600 (fchmod'd, so the umask does
// not matter) and linked into place atomically, so two processes starting at once
// agree on one key. Refuses with PermissionDenied (naming the path and its mode)
// a file that group or others may access in any way, or owned by another user;
// FailedPrecondition for a file that is not a regular file or not exactly 32 bytes;
// Unavailable for I/O errors.
Result<SecretKey> LoadOrCreateMasterKey(const std::filesystem::path& path);

class Keystore {
 public:
  static constexpr std::size_t kDefaultCacheSize = 4096;
  static constexpr int kRotateBatch = 256;

  // Opens the keystore in `db` (creating its tables), with `master` as master key
  // version `master_version` (>= 1). PermissionDenied if `master` does not match the
  // key recorded for that version; FailedPrecondition if a newer master version
  // is recorded (this one was retired by a rotation). `db` must outlive the Keystore.
  static Result<std::unique_ptr<Keystore>> Open(store::Database& db, SecretKey master,
                                                int master_version,
                                                std::size_t cache_size = kDefaultCacheSize);

  // The data key of `subject`, created (and stored wrapped) on first use. Stable
  // across calls and processes. InvalidArgument for an empty subject or one over
  // 256 bytes; FailedPrecondition if the key is wrapped under a master version this
  // keystore does not hold (an unfinished rotation: run Rotate again).
  Result<SecretKey> DataKey(std::string_view subject);

  // Crypto-shredding: deletes the subject's wrapped key and drops it from the cache.
  // Ok if there was none. Afterwards DataKey creates a new, unrelated key.
  Status Erase(std::string_view subject);

  // Re-wraps every data key under `new_master` as `new_version` (> current), one
  // transaction per batch of kRotateBatch keys. Resumable: if it stops half way,
  // open the keystore with the old master and call Rotate again with the same new
  // master. PermissionDenied if `new_version` is already recorded with another key.
  Status Rotate(const SecretKey& new_master, int new_version);

  int master_version() const;

 private:
  Keystore(store::Database& db, std::size_t cache_size) : db_(db), cache_size_(cache_size) {}

  // Records (or checks) the key_check row of `version` for `key`.
  Status RecordMaster(store::Connection& conn, const SecretKey& key, int version);
  std::optional<SecretKey> CacheGet(const std::string& subject);
  void CachePut(const std::string& subject, const SecretKey& key, std::uint64_t epoch);

  store::Database& db_;

  mutable std::shared_mutex masters_mu_;  // guards masters_ and current_version_
  std::map<int, SecretKey> masters_;
  int current_version_ = 0;

  std::mutex rotate_mu_;  // one Rotate at a time

  std::mutex cache_mu_;  // guards the LRU cache and erase_epoch_
  const std::size_t cache_size_;
  std::list<std::pair<std::string, SecretKey>> lru_;  // most recent first
  std::unordered_map<std::string, std::list<std::pair<std::string, SecretKey>>::iterator> index_;
  // Bumped by every Erase, so a DataKey that read a key before an Erase cannot put
  // the erased key back into the cache after it.
  std::uint64_t erase_epoch_ = 0;
};

}  // namespace yz::crypto
