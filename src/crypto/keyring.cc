#include "crypto/keyring.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "crypto/aead.h"

namespace yz::crypto {
namespace {

constexpr std::string_view kCheckPlaintext = "yzcloud master key check v1";
constexpr std::size_t kMaxSubjectBytes = 256;

std::string Errno() { return std::strerror(errno); }

std::string Octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports whether buffered writes made it.
  bool Close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

Result<SecretKey> ReadKeyFd(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Unavailable("key file " + path + ": " + Errno());
  if (!S_ISREG(st.st_mode)) {
    return FailedPrecondition("key file " + path + " is not a regular file");
  }
  if (st.st_uid != ::geteuid()) {
    return PermissionDenied("key file " + path + " is owned by uid " + std::to_string(st.st_uid) +
                            ", not by this process's user (uid " + std::to_string(::geteuid()) +
                            ")");
  }
  if ((st.st_mode & 077) != 0) {
    return PermissionDenied("key file " + path + " has mode " + Octal(st.st_mode) +
                            "; group and others must have no access (chmod 600 " + path + ")");
  }
  if (st.st_size != static_cast<off_t>(SecretKey::kSize)) {
    return FailedPrecondition("key file " + path + " holds " + std::to_string(st.st_size) +
                              " bytes; a key is exactly " + std::to_string(SecretKey::kSize));
  }
  return SecretKey::FillWith([&](std::span<std::uint8_t, SecretKey::kSize> out) -> Status {
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        sodium_memzero(out.data(), out.size());
        return Unavailable("key file " + path + ": short read");
      }
      got += static_cast<std::size_t>(n);
    }
    return Status::Ok();
  });
}

bool WriteAll(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Writes a fresh key to a private temporary file and links it to `path`. Ok if the
// key is in place afterwards, whether ours or a concurrent creator's.
Status CreateKeyFile(const std::filesystem::path& path) {
  const std::string target = path.string();
  std::string tmp = target + ".tmp.XXXXXX";
  Fd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (fd.get() < 0) return Unavailable("cannot create key file " + target + ": " + Errno());
  struct Unlinker {
    const std::string& name;
    ~Unlinker() { ::unlink(name.c_str()); }
  } unlink_tmp{tmp};
  // mkostemp uses 0600 minus the umask; set it exactly, whatever the umask.
  if (::fchmod(fd.get(), 0600) != 0) {
    return Unavailable("cannot set mode 0600 on " + tmp + ": " + Errno());
  }
  const SecretKey key = SecretKey::Random();
  if (!WriteAll(fd.get(), key.data(), key.size()) || ::fsync(fd.get()) != 0 || !fd.Close()) {
    return Unavailable("cannot write key file " + target + ": " + Errno());
  }
  if (::link(tmp.c_str(), target.c_str()) != 0 && errno != EEXIST) {
    return Unavailable("cannot create key file " + target + ": " + Errno());
  }
  // Make the new directory entry durable before anything is sealed under the key.
  const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) (void)::fsync(dfd.get());
  return Status::Ok();
}

std::int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kSqliteSchema = R"sql(
CREATE TABLE IF NOT EXISTS data_keys (
  subject        TEXT PRIMARY KEY,
  master_version INTEGER NOT NULL,
  wrapped        BLOB NOT NULL,
  created_at     INTEGER NOT NULL  -- Unix seconds, UTC
) STRICT;
CREATE INDEX IF NOT EXISTS data_keys_by_master ON data_keys (master_version);
CREATE TABLE IF NOT EXISTS master_keys (
  version   INTEGER PRIMARY KEY,
  key_check BLOB NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS keystore_info (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
)sql";

constexpr const char* kPostgresSchema = R"sql(
CREATE TABLE IF NOT EXISTS data_keys (
  subject        TEXT PRIMARY KEY,
  master_version INTEGER NOT NULL,
  wrapped        BYTEA NOT NULL,
  created_at     BIGINT NOT NULL  -- Unix seconds, UTC
);
CREATE INDEX IF NOT EXISTS data_keys_by_master ON data_keys (master_version);
CREATE TABLE IF NOT EXISTS master_keys (
  version   INTEGER PRIMARY KEY,
  key_check BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS keystore_info (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

Status CreateTables(store::Connection& conn) {
  if (conn.backend() == store::Backend::kSqlite) return conn.ExecScript(kSqliteSchema);
  // CREATE TABLE IF NOT EXISTS races between PostgreSQL sessions; nodes starting
  // together take turns under a transaction-scoped advisory lock ("yzkeys").
  store::Transaction tx(conn);
  RETURN_IF_ERROR(tx.begin_status());
  auto locked = conn.Query("SELECT pg_advisory_xact_lock(133449431639411)");
  if (!locked.ok()) return locked.status();
  RETURN_IF_ERROR(conn.ExecScript(kPostgresSchema));
  return tx.Commit();
}

// Serialises recording a master version (exclusive) against data key inserts
// (shared) on PostgreSQL, within the caller's transaction. SQLite's write
// transactions are serialised already.
Status LockMasterVersions(store::Connection& conn, bool exclusive) {
  if (conn.backend() != store::Backend::kPostgres) return Status::Ok();
  auto locked = conn.Query(exclusive ? "SELECT pg_advisory_xact_lock(133449431639412)"
                                     : "SELECT pg_advisory_xact_lock_shared(133449431639412)");
  return locked.ok() ? Status::Ok() : locked.status();
}

// The keystore's identity: a random id made when its tables are first created (or,
// for a keystore older than the id, when first opened after it). Concurrent
// openers agree on the first one inserted.
Result<std::string> KeystoreId(store::Connection& conn) {
  std::array<std::uint8_t, 16> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::string id;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::uint8_t b : raw) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  const store::Value insert[] = {std::move(id)};
  ASSIGN_OR_RETURN(std::int64_t inserted,
                   conn.Exec("INSERT INTO keystore_info (name, value) VALUES ('id', $1) "
                             "ON CONFLICT (name) DO NOTHING",
                             insert));
  (void)inserted;
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn.Query("SELECT value FROM keystore_info WHERE name = 'id'"));
  if (rows.empty()) return Internal("keystore: its id row vanished");
  return rows[0].Text(0);
}

Status ValidateSubject(std::string_view subject) {
  if (subject.empty()) return InvalidArgument("keystore: subject is empty");
  if (subject.size() > kMaxSubjectBytes) {
    return InvalidArgument("keystore: subject longer than " + std::to_string(kMaxSubjectBytes) +
                           " bytes");
  }
  return Status::Ok();
}

Result<SecretKey> Unwrap(const SecretKey& master, const store::Blob& wrapped,
                         std::string_view subject) {
  auto opened = Open(master, wrapped, Binding{"data_keys", "wrapped", subject});
  if (!opened.ok()) {
    return PermissionDenied("keystore: the data key of subject " + std::string(subject) +
                            " does not open under its master key");
  }
  auto key = SecretKey::FromBytes(*opened);
  sodium_memzero(opened->data(), opened->size());
  return key;
}

}  // namespace

Result<SecretKey> LoadKeyFile(const std::filesystem::path& path) {
  RETURN_IF_ERROR(EnsureSodium());
  const std::string name = path.string();
  Fd fd(::open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() >= 0) return ReadKeyFd(fd.get(), name);
  if (errno == ENOENT) return NotFound("key file " + name + " does not exist");
  if (errno == EACCES) return PermissionDenied("cannot read key file " + name);
  if (errno == ELOOP)
    return FailedPrecondition("key file " + name + " is a symbolic link; refusing it");
  return Unavailable("cannot open key file " + name + ": " + Errno());
}

Result<SecretKey> LoadOrCreateKeyFile(const std::filesystem::path& path) {
  RETURN_IF_ERROR(EnsureSodium());
  const std::string name = path.string();
  for (int attempt = 0; attempt < 2; ++attempt) {
    Fd fd(::open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() >= 0) return ReadKeyFd(fd.get(), name);
    if (errno == EACCES) return PermissionDenied("cannot read key file " + name);
    if (errno == ELOOP) {
      return FailedPrecondition("key file " + name + " is a symbolic link; refusing it");
    }
    if (errno != ENOENT) return Unavailable("cannot open key file " + name + ": " + Errno());
    RETURN_IF_ERROR(CreateKeyFile(path));
  }
  return Unavailable("key file " + name + " vanished while being created");
}

Result<std::unique_ptr<Keystore>> Keystore::Open(store::Database& db, SecretKey master,
                                                 int master_version, std::size_t cache_size) {
  RETURN_IF_ERROR(EnsureSodium());
  if (master_version < 1) return InvalidArgument("keystore: master key versions start at 1");
  std::unique_ptr<Keystore> ks(new Keystore(db, cache_size));
  ASSIGN_OR_RETURN(store::PooledConnection conn, db.Acquire());
  RETURN_IF_ERROR(CreateTables(*conn));
  ASSIGN_OR_RETURN(ks->id_, KeystoreId(*conn));
  RETURN_IF_ERROR(ks->RecordMaster(*conn, master, master_version));
  ks->current_version_ = master_version;
  ks->masters_.emplace(master_version, std::make_shared<const SecretKey>(std::move(master)));
  return ks;
}

Result<std::unique_ptr<Keystore>> Keystore::Open(store::Database& db, MasterLoader loader,
                                                 std::size_t cache_size) {
  RETURN_IF_ERROR(EnsureSodium());
  if (!loader) return InvalidArgument("keystore: no master key loader");
  int recorded = 0;
  {
    ASSIGN_OR_RETURN(store::PooledConnection conn, db.Acquire());
    RETURN_IF_ERROR(CreateTables(*conn));
    ASSIGN_OR_RETURN(store::Rows newest,
                     conn->Query("SELECT COALESCE(MAX(version), 0) FROM master_keys"));
    recorded = static_cast<int>(newest.empty() ? 0 : newest[0].Int(0));
  }
  const int version = recorded == 0 ? 1 : recorded;
  ASSIGN_OR_RETURN(SecretKey master, loader(version, /*create=*/recorded == 0));
  ASSIGN_OR_RETURN(std::unique_ptr<Keystore> ks, Open(db, std::move(master), version, cache_size));
  ks->loader_ = std::move(loader);
  return ks;
}

Status Keystore::RecordMaster(store::Connection& conn, const SecretKey& key, int version) {
  const std::string v = std::to_string(version);
  const Binding binding{"master_keys", "key_check", v};
  const store::Value by_version[] = {std::int64_t{version}};
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSIGN_OR_RETURN(
        store::Rows rows,
        conn.Query("SELECT key_check FROM master_keys WHERE version = $1", by_version));
    if (!rows.empty()) {
      auto check = OpenString(key, rows[0].Bytes(0), binding);
      if (!check.ok() || *check != kCheckPlaintext) {
        return PermissionDenied("keystore: this is not the master key recorded as version " + v);
      }
      return Status::Ok();
    }
    // A rotation that finished deleted the rows of older versions: a missing row
    // below the newest one means this master was retired.
    ASSIGN_OR_RETURN(store::Rows newest,
                     conn.Query("SELECT COALESCE(MAX(version), 0) FROM master_keys"));
    const std::int64_t max_version = newest.empty() ? 0 : newest[0].Int(0);
    if (max_version > version) {
      return FailedPrecondition("keystore: master key version " + v +
                                " was retired; the current version is " +
                                std::to_string(max_version));
    }
    ASSIGN_OR_RETURN(std::vector<std::uint8_t> sealed, Seal(key, kCheckPlaintext, binding));
    const store::Value insert[] = {std::int64_t{version}, std::move(sealed)};
    // Exclusive against data key inserts (see the header): once this commits, no
    // insert can still wrap under an older version.
    store::Transaction tx(conn);
    RETURN_IF_ERROR(tx.begin_status());
    RETURN_IF_ERROR(LockMasterVersions(conn, /*exclusive=*/true));
    ASSIGN_OR_RETURN(std::int64_t inserted,
                     conn.Exec("INSERT INTO master_keys (version, key_check) VALUES ($1, $2) "
                               "ON CONFLICT (version) DO NOTHING",
                               insert));
    RETURN_IF_ERROR(tx.Commit());
    if (inserted == 1) return Status::Ok();
    // Another node recorded this version first; check ours against it.
  }
  return Internal("keystore: master key row " + v + " keeps changing");
}

Result<Keystore::MasterPtr> Keystore::Master(store::Connection& conn, int version) {
  {
    std::shared_lock lock(masters_mu_);
    if (auto it = masters_.find(version); it != masters_.end()) return it->second;
  }
  const std::string v = std::to_string(version);
  if (!loader_) return NotFound("keystore: master key version " + v + " is not held");
  const store::Value by_version[] = {std::int64_t{version}};
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn.Query("SELECT key_check FROM master_keys WHERE version = $1", by_version));
  if (rows.empty()) return NotFound("keystore: master key version " + v + " is not recorded");
  auto loaded = loader_(version, /*create=*/false);
  if (!loaded.ok()) {
    // Its file may have been removed by a rotation that just finished.
    return NotFound("keystore: master key version " + v + ": " + loaded.status().message());
  }
  auto check = OpenString(*loaded, rows[0].Bytes(0), Binding{"master_keys", "key_check", v});
  if (!check.ok() || *check != kCheckPlaintext) {
    return PermissionDenied("keystore: the key loaded as master version " + v +
                            " is not the one recorded");
  }
  auto master = std::make_shared<const SecretKey>(std::move(*loaded));
  std::unique_lock lock(masters_mu_);
  return masters_.try_emplace(version, std::move(master)).first->second;
}

Status Keystore::RefreshCurrent(store::Connection& conn) {
  ASSIGN_OR_RETURN(store::Rows newest,
                   conn.Query("SELECT COALESCE(MAX(version), 0) FROM master_keys"));
  const int version = static_cast<int>(newest.empty() ? 0 : newest[0].Int(0));
  ASSIGN_OR_RETURN(MasterPtr master, Master(conn, version));
  std::unique_lock lock(masters_mu_);
  if (version > current_version_) current_version_ = version;
  return Status::Ok();
}

Result<std::vector<int>> Keystore::MasterVersions() {
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn->Query("SELECT version FROM master_keys ORDER BY version"));
  std::vector<int> versions;
  for (const store::Row& row : rows) versions.push_back(static_cast<int>(row.Int(0)));
  return versions;
}

Status Keystore::CheckMaster(int version, const SecretKey& key) {
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  const std::string v = std::to_string(version);
  const store::Value by_version[] = {std::int64_t{version}};
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn->Query("SELECT key_check FROM master_keys WHERE version = $1", by_version));
  if (rows.empty()) return NotFound("keystore: master key version " + v + " is not recorded");
  auto check = OpenString(key, rows[0].Bytes(0), Binding{"master_keys", "key_check", v});
  if (!check.ok() || *check != kCheckPlaintext) {
    return PermissionDenied("keystore: this is not the master key recorded as version " + v);
  }
  return Status::Ok();
}

int Keystore::master_version() const {
  std::shared_lock lock(masters_mu_);
  return current_version_;
}

Result<std::map<int, std::int64_t>> Keystore::KeysByVersion() {
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn->Query("SELECT master_version, COUNT(*) FROM data_keys "
                               "GROUP BY master_version ORDER BY master_version"));
  std::map<int, std::int64_t> counts;
  for (const store::Row& row : rows) counts[static_cast<int>(row.Int(0))] = row.Int(1);
  return counts;
}

Keystore::KeyRef Keystore::CacheGet(const std::string& subject) {
  std::lock_guard lock(cache_mu_);
  auto it = index_.find(subject);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void Keystore::CachePut(const std::string& subject, const KeyRef& key, std::uint64_t epoch) {
  std::lock_guard lock(cache_mu_);
  if (cache_size_ == 0 || epoch != erase_epoch_ || index_.count(subject) != 0) return;
  lru_.emplace_front(subject, key);
  index_[subject] = lru_.begin();
  while (lru_.size() > cache_size_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();  // the key is wiped once its last holder lets go
  }
}

// Inserts a fresh data key wrapped under the current master, unless the current
// version is stale; `inserted` says whether the row is ours.
Result<Keystore::KeyRef> Keystore::Create(store::Connection& conn, const std::string& subject,
                                          std::uint64_t epoch, bool& inserted) {
  inserted = false;
  int version;
  MasterPtr master;
  {
    std::shared_lock lock(masters_mu_);
    version = current_version_;
    master = masters_.at(version);
  }
  auto key = std::make_shared<const SecretKey>(SecretKey::Random());
  ASSIGN_OR_RETURN(std::vector<std::uint8_t> wrapped,
                   Seal(*master, key->bytes(), Binding{"data_keys", "wrapped", subject}));
  bool stale = false;
  {
    store::Transaction tx(conn);
    RETURN_IF_ERROR(tx.begin_status());
    RETURN_IF_ERROR(LockMasterVersions(conn, /*exclusive=*/false));
    ASSIGN_OR_RETURN(store::Rows newest,
                     conn.Query("SELECT COALESCE(MAX(version), 0) FROM master_keys"));
    stale = !newest.empty() && newest[0].Int(0) != version;
    if (!stale) {
      const store::Value insert[] = {subject, std::int64_t{version}, std::move(wrapped),
                                     NowUnixSeconds()};
      ASSIGN_OR_RETURN(std::int64_t changed,
                       conn.Exec("INSERT INTO data_keys (subject, master_version, wrapped, "
                                 "created_at) VALUES ($1, $2, $3, $4) "
                                 "ON CONFLICT (subject) DO NOTHING",
                                 insert));
      RETURN_IF_ERROR(tx.Commit());
      inserted = changed == 1;
    }
  }                                                  // a stale attempt rolls back here
  if (stale) RETURN_IF_ERROR(RefreshCurrent(conn));  // another process rotated
  if (inserted) CachePut(subject, key, epoch);
  return key;
}

Result<SecretKey> Keystore::DataKey(std::string_view subject) {
  ASSIGN_OR_RETURN(KeyRef key, SharedDataKey(subject));
  return key->Clone();
}

Result<Keystore::KeyRef> Keystore::SharedDataKey(std::string_view subject_view) {
  RETURN_IF_ERROR(ValidateSubject(subject_view));
  const std::string subject(subject_view);
  if (KeyRef cached = CacheGet(subject)) return cached;
  std::uint64_t epoch;
  {
    std::lock_guard lock(cache_mu_);
    epoch = erase_epoch_;
  }

  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  const store::Value by_subject[] = {subject};
  Status last = Status::Ok();
  for (int attempt = 0; attempt < 4; ++attempt) {
    ASSIGN_OR_RETURN(store::Rows rows,
                     conn->Query("SELECT master_version, wrapped FROM data_keys WHERE subject = $1",
                                 by_subject));
    if (!rows.empty()) {
      const int version = static_cast<int>(rows[0].Int(0));
      auto master = Master(*conn, version);
      if (!master.ok()) {
        // Re-wrapped and retired since we read the row: read it again.
        last = master.status();
        if (last.code() == Code::kNotFound) continue;
        return last;
      }
      ASSIGN_OR_RETURN(SecretKey unwrapped, Unwrap(**master, rows[0].Bytes(1), subject));
      auto key = std::make_shared<const SecretKey>(std::move(unwrapped));
      CachePut(subject, key, epoch);
      return key;
    }
    bool inserted = false;
    ASSIGN_OR_RETURN(KeyRef key, Create(*conn, subject, epoch, inserted));
    if (inserted) return key;
    // Another thread or node created it first, or our master version was stale.
  }
  return FailedPrecondition("keystore: the data key of subject " + subject + " keeps changing" +
                            (last.ok() ? "" : ": " + last.message()));
}

Status Keystore::Erase(std::string_view subject_view) {
  RETURN_IF_ERROR(ValidateSubject(subject_view));
  const std::string subject(subject_view);
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  const store::Value by_subject[] = {subject};
  auto deleted = conn->Exec("DELETE FROM data_keys WHERE subject = $1", by_subject);
  if (!deleted.ok()) return deleted.status();
  // After the delete, so a DataKey that read the old row cannot cache it again.
  std::lock_guard lock(cache_mu_);
  ++erase_epoch_;
  if (auto it = index_.find(subject); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  return Status::Ok();
}

Result<std::int64_t> Keystore::Rotate(const SecretKey& new_master, int new_version) {
  std::lock_guard rotating(rotate_mu_);
  {
    std::unique_lock lock(masters_mu_);
    if (new_version <= current_version_ && masters_.count(new_version) == 0) {
      return InvalidArgument("keystore: new master version " + std::to_string(new_version) +
                             " must be above the current " + std::to_string(current_version_));
    }
    // Held before it is recorded, so a DataKey that sees the new version recorded
    // finds its master here.
    masters_.try_emplace(new_version, std::make_shared<const SecretKey>(new_master.Clone()));
  }
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  RETURN_IF_ERROR(RecordMaster(*conn, new_master, new_version));
  {
    // From here on new data keys are wrapped under the new master.
    std::unique_lock lock(masters_mu_);
    current_version_ = new_version;
  }

  const std::int64_t target = new_version;
  std::int64_t rewrapped_total = 0;
  for (;;) {
    const store::Value select[] = {target, std::int64_t{kRotateBatch}};
    ASSIGN_OR_RETURN(store::Rows rows,
                     conn->Query("SELECT subject, master_version, wrapped FROM data_keys "
                                 "WHERE master_version <> $1 ORDER BY subject LIMIT $2",
                                 select));
    if (rows.empty()) break;
    store::Transaction tx(*conn);
    RETURN_IF_ERROR(tx.begin_status());
    for (const store::Row& row : rows) {
      const std::string subject = row.Text(0);
      const std::int64_t old_version = row.Int(1);
      ASSIGN_OR_RETURN(MasterPtr old_master, Master(*conn, static_cast<int>(old_version)));
      ASSIGN_OR_RETURN(SecretKey key, Unwrap(*old_master, row.Bytes(2), subject));
      ASSIGN_OR_RETURN(std::vector<std::uint8_t> rewrapped,
                       Seal(new_master, key.bytes(), Binding{"data_keys", "wrapped", subject}));
      const store::Value update[] = {target, std::move(rewrapped), subject, old_version};
      // The version guard leaves alone a row erased and re-created meanwhile.
      ASSIGN_OR_RETURN(std::int64_t updated,
                       conn->Exec("UPDATE data_keys SET master_version = $1, wrapped = $2 "
                                  "WHERE subject = $3 AND master_version = $4",
                                  update));
      rewrapped_total += updated;
    }
    RETURN_IF_ERROR(tx.Commit());
  }

  // Every key is under the new master: retire the old ones.
  const store::Value older[] = {target};
  auto retired = conn->Exec("DELETE FROM master_keys WHERE version < $1", older);
  if (!retired.ok()) return retired.status();
  std::unique_lock lock(masters_mu_);
  for (auto it = masters_.begin(); it != masters_.end();) {
    it = it->first >= new_version ? std::next(it) : masters_.erase(it);
  }
  return rewrapped_total;
}

}  // namespace yz::crypto
