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
//   keystore_info(name TEXT PRIMARY KEY, value TEXT NOT NULL)
// keystore_info's row 'id' is a random id made once per keystore: the data database
// records it, so a keystore lost and recreated (or another one) is recognised as
// not the one the data was written with (privacy/key_fingerprints.h).
// key_check is a known constant sealed under that master version (binding
// {"master_keys", "key_check", version}); opening the keystore with a wrong master
// key for a version fails instead of silently minting unreadable data keys. (The
// column is key_check, not check: CHECK is a reserved word in both dialects.)
//
// Rotation while other processes run (the server, while `yzcloud keys rotate`
// re-wraps): the newest row of master_keys is the current version.
//  - A new data key is inserted only if the version it is wrapped under is still
//    the newest (the INSERT's WHERE clause checks it). If a rotation recorded a
//    newer one meanwhile, the insert does nothing; the keystore then loads the
//    newest master through its MasterLoader and wraps again. On PostgreSQL the
//    insert holds a shared advisory lock and recording a version an exclusive one,
//    so an insert is either committed before the new version exists (and the
//    rotation's scan, which starts after, re-wraps it) or sees the new version.
//    On SQLite both are write transactions, which are serialised anyway.
//  - A row wrapped under a version this process does not hold (re-wrapped by
//    another process) is opened with that version's master from the MasterLoader.
//    If that master is gone too (a rotation finished meanwhile), the row is read
//    again: it is under the newest version by then.
//
// Thread-safety: Keystore is thread-safe.
//  - `masters_mu_` (shared_mutex) guards the map of master keys and the current
//    version. Masters are shared_ptrs, so a reader keeps the one it is using even
//    if a Rotate retires it.
//  - `cache_mu_` guards the bounded LRU cache of unwrapped data keys.
// Other processes' caches may hold an erased subject's key until evicted or
// restarted (erasure through the server's own Keystore clears its cache).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "crypto/secret_key.h"
#include "store/database.h"

namespace yz::crypto {

// The key in `path` (a master key or the blind-index root), creating it on first
// use: 32 random bytes written to a temporary file created with O_EXCL and mode
// 0600 (fchmod'd, so the umask does not matter) and linked into place atomically,
// so two processes starting at once agree on one key. Refuses with
// PermissionDenied (naming the path and its mode) a file that group or others may
// access in any way, or owned by another user; FailedPrecondition for a file that
// is not a regular file or not exactly 32 bytes; Unavailable for I/O errors.
Result<SecretKey> LoadOrCreateKeyFile(const std::filesystem::path& path);
// The same checks, without creating: NotFound if there is no file.
Result<SecretKey> LoadKeyFile(const std::filesystem::path& path);

class Keystore {
 public:
  static constexpr std::size_t kDefaultCacheSize = 4096;
  static constexpr int kRotateBatch = 256;

  // Loads the master key of `version`; with `create`, makes it first if it does not
  // exist (only ever asked for a version no row records yet).
  using MasterLoader = std::function<Result<SecretKey>(int version, bool create)>;

  // Opens the keystore in `db` (creating its tables) under the newest recorded
  // master version, or version 1 (created through `loader`) in a new keystore.
  // Older and newer versions met later are loaded through `loader` too.
  static Result<std::unique_ptr<Keystore>> Open(store::Database& db, MasterLoader loader,
                                                std::size_t cache_size = kDefaultCacheSize);

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
  // The same key, shared with the cache instead of copied: copying a SecretKey
  // allocates guarded memory (sodium_malloc, mprotect), too slow for every
  // request on the hot path. Holders keep the key alive after an Erase, so hold
  // it only for the operation at hand.
  using KeyRef = std::shared_ptr<const SecretKey>;
  Result<KeyRef> SharedDataKey(std::string_view subject);

  // Crypto-shredding: deletes the subject's wrapped key and drops it from the cache.
  // Ok if there was none. Afterwards DataKey creates a new, unrelated key.
  Status Erase(std::string_view subject);

  // Re-wraps every data key under `new_master` as `new_version` (> current), one
  // transaction per batch of kRotateBatch keys. Resumable: if it stops half way,
  // open the keystore with the old master and call Rotate again with the same new
  // master. PermissionDenied if `new_version` is already recorded with another key.
  // Returns the number of data keys re-wrapped.
  Result<std::int64_t> Rotate(const SecretKey& new_master, int new_version);

  int master_version() const;
  // The keystore's random id (see keystore_info above); fixed for its lifetime.
  const std::string& id() const { return id_; }
  // Every master version the keystore records, oldest first (more than one only
  // while a rotation is unfinished).
  Result<std::vector<int>> MasterVersions();
  // Ok if `key` is the master recorded as `version`; NotFound if no such version is
  // recorded, PermissionDenied if it is another key.
  Status CheckMaster(int version, const SecretKey& key);
  // How many data keys are wrapped under each master version (all under the
  // current one, unless a rotation is unfinished).
  Result<std::map<int, std::int64_t>> KeysByVersion();

 private:
  Keystore(store::Database& db, std::size_t cache_size) : db_(db), cache_size_(cache_size) {}

  using MasterPtr = std::shared_ptr<const SecretKey>;

  // Records (or checks) the key_check row of `version` for `key`.
  Status RecordMaster(store::Connection& conn, const SecretKey& key, int version);
  // The master of `version`, loaded (and checked against its key_check row)
  // through the loader if this keystore does not hold it yet. NotFound if there
  // is no such version (any more).
  Result<MasterPtr> Master(store::Connection& conn, int version);
  // Adopts the newest recorded version as current (another process rotated).
  Status RefreshCurrent(store::Connection& conn);
  Result<KeyRef> Create(store::Connection& conn, const std::string& subject, std::uint64_t epoch,
                        bool& inserted);
  KeyRef CacheGet(const std::string& subject);  // null if not cached
  void CachePut(const std::string& subject, const KeyRef& key, std::uint64_t epoch);

  store::Database& db_;
  std::string id_;
  MasterLoader loader_;  // may be empty: then only the masters given are known

  mutable std::shared_mutex masters_mu_;  // guards masters_ and current_version_
  std::map<int, MasterPtr> masters_;
  int current_version_ = 0;

  std::mutex rotate_mu_;  // one Rotate at a time

  std::mutex cache_mu_;  // guards the LRU cache and erase_epoch_
  const std::size_t cache_size_;
  std::list<std::pair<std::string, KeyRef>> lru_;  // most recent first
  std::unordered_map<std::string, std::list<std::pair<std::string, KeyRef>>::iterator> index_;
  // Bumped by every Erase, so a DataKey that read a key before an Erase cannot put
  // the erased key back into the cache after it.
  std::uint64_t erase_epoch_ = 0;
};

}  // namespace yz::crypto
