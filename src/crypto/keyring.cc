#include "crypto/keyring.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

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

Result<SecretKey> LoadKeyFile(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Unavailable("master key file " + path + ": " + Errno());
  if (!S_ISREG(st.st_mode)) {
    return FailedPrecondition("master key file " + path + " is not a regular file");
  }
  if (st.st_uid != ::geteuid()) {
    return PermissionDenied("master key file " + path + " is owned by uid " +
                            std::to_string(st.st_uid) + ", not by this process's user (uid " +
                            std::to_string(::geteuid()) + ")");
  }
  if ((st.st_mode & 077) != 0) {
    return PermissionDenied("master key file " + path + " has mode " + Octal(st.st_mode) +
                            "; group and others must have no access (chmod 600 " + path + ")");
  }
  if (st.st_size != static_cast<off_t>(SecretKey::kSize)) {
    return FailedPrecondition("master key file " + path + " holds " + std::to_string(st.st_size) +
                              " bytes; a master key is exactly " +
                              std::to_string(SecretKey::kSize));
  }
  return SecretKey::FillWith([&](std::span<std::uint8_t, SecretKey::kSize> out) -> Status {
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        sodium_memzero(out.data(), out.size());
        return Unavailable("master key file " + path + ": short read");
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
  if (fd.get() < 0) return Unavailable("cannot create master key file " + target + ": " + Errno());
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
    return Unavailable("cannot write master key file " + target + ": " + Errno());
  }
  if (::link(tmp.c_str(), target.c_str()) != 0 && errno != EEXIST) {
    return Unavailable("cannot create master key file " + target + ": " + Errno());
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

Result<SecretKey> LoadOrCreateMasterKey(const std::filesystem::path& path) {
  RETURN_IF_ERROR(EnsureSodium());
  const std::string name = path.string();
  for (int attempt = 0; attempt < 2; ++attempt) {
    Fd fd(::open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() >= 0) return LoadKeyFile(fd.get(), name);
    if (errno == EACCES) return PermissionDenied("cannot read master key file " + name);
    if (errno == ELOOP) {
      return FailedPrecondition("master key file " + name + " is a symbolic link; refusing it");
    }
    if (errno != ENOENT) return Unavailable("cannot open master key file " + name + ": " + Errno());
    RETURN_IF_ERROR(CreateKeyFile(path));
  }
  return Unavailable("master key file " + name + " vanished while being created");
}

Result<std::unique_ptr<Keystore>> Keystore::Open(store::Database& db, SecretKey master,
                                                 int master_version, std::size_t cache_size) {
  RETURN_IF_ERROR(EnsureSodium());
  if (master_version < 1) return InvalidArgument("keystore: master key versions start at 1");
  std::unique_ptr<Keystore> ks(new Keystore(db, cache_size));
  ASSIGN_OR_RETURN(store::PooledConnection conn, db.Acquire());
  RETURN_IF_ERROR(CreateTables(*conn));
  RETURN_IF_ERROR(ks->RecordMaster(*conn, master, master_version));
  ks->current_version_ = master_version;
  ks->masters_.emplace(master_version, std::move(master));
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
    auto inserted = conn.Exec(
        "INSERT INTO master_keys (version, key_check) VALUES ($1, $2) "
        "ON CONFLICT (version) DO NOTHING",
        insert);
    if (!inserted.ok()) return inserted.status();
    if (*inserted == 1) return Status::Ok();
    // Another node recorded this version first; check ours against it.
  }
  return Internal("keystore: master key row " + v + " keeps changing");
}

int Keystore::master_version() const {
  std::shared_lock lock(masters_mu_);
  return current_version_;
}

std::optional<SecretKey> Keystore::CacheGet(const std::string& subject) {
  std::lock_guard lock(cache_mu_);
  auto it = index_.find(subject);
  if (it == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second.Clone();
}

void Keystore::CachePut(const std::string& subject, const SecretKey& key, std::uint64_t epoch) {
  std::lock_guard lock(cache_mu_);
  if (cache_size_ == 0 || epoch != erase_epoch_ || index_.count(subject) != 0) return;
  lru_.emplace_front(subject, key.Clone());
  index_[subject] = lru_.begin();
  while (lru_.size() > cache_size_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();  // wipes the evicted key
  }
}

Result<SecretKey> Keystore::DataKey(std::string_view subject_view) {
  RETURN_IF_ERROR(ValidateSubject(subject_view));
  const std::string subject(subject_view);
  if (auto cached = CacheGet(subject)) return std::move(*cached);
  std::uint64_t epoch;
  {
    std::lock_guard lock(cache_mu_);
    epoch = erase_epoch_;
  }

  // Shared for the whole read-unwrap / create-wrap: Rotate cannot retire the master
  // used here, nor switch versions between choosing one and inserting under it.
  std::shared_lock masters_lock(masters_mu_);
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  const store::Value by_subject[] = {subject};
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSIGN_OR_RETURN(store::Rows rows,
                     conn->Query("SELECT master_version, wrapped FROM data_keys WHERE subject = $1",
                                 by_subject));
    if (!rows.empty()) {
      const int version = static_cast<int>(rows[0].Int(0));
      auto master = masters_.find(version);
      if (master == masters_.end()) {
        return FailedPrecondition("keystore: the data key of subject " + subject +
                                  " is wrapped under master version " + std::to_string(version) +
                                  ", which this keystore does not hold; finish the rotation");
      }
      ASSIGN_OR_RETURN(SecretKey key, Unwrap(master->second, rows[0].Bytes(1), subject));
      CachePut(subject, key, epoch);
      return key;
    }
    SecretKey key = SecretKey::Random();
    ASSIGN_OR_RETURN(
        std::vector<std::uint8_t> wrapped,
        Seal(masters_.at(current_version_), key.bytes(), Binding{"data_keys", "wrapped", subject}));
    const store::Value insert[] = {subject, std::int64_t{current_version_}, std::move(wrapped),
                                   NowUnixSeconds()};
    ASSIGN_OR_RETURN(std::int64_t changed,
                     conn->Exec("INSERT INTO data_keys (subject, master_version, wrapped, "
                                "created_at) VALUES ($1, $2, $3, $4) "
                                "ON CONFLICT (subject) DO NOTHING",
                                insert));
    if (changed == 1) {
      CachePut(subject, key, epoch);
      return key;
    }
    // Another thread or node created it first: read theirs.
  }
  return Internal("keystore: the data key of subject " + subject + " keeps changing");
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

Status Keystore::Rotate(const SecretKey& new_master, int new_version) {
  std::lock_guard rotating(rotate_mu_);
  {
    std::shared_lock lock(masters_mu_);
    if (new_version <= current_version_ && masters_.count(new_version) == 0) {
      return InvalidArgument("keystore: new master version " + std::to_string(new_version) +
                             " must be above the current " + std::to_string(current_version_));
    }
  }
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  RETURN_IF_ERROR(RecordMaster(*conn, new_master, new_version));
  {
    // From here on new data keys are wrapped under the new master.
    std::unique_lock lock(masters_mu_);
    if (masters_.count(new_version) == 0) masters_.emplace(new_version, new_master.Clone());
    current_version_ = new_version;
  }

  const std::int64_t target = new_version;
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
      std::vector<std::uint8_t> rewrapped;
      {
        std::shared_lock lock(masters_mu_);
        auto old_master = masters_.find(static_cast<int>(old_version));
        if (old_master == masters_.end()) {
          return FailedPrecondition("keystore: subject " + subject +
                                    " is wrapped under master "
                                    "version " +
                                    std::to_string(old_version) +
                                    ", which this keystore does not hold");
        }
        ASSIGN_OR_RETURN(SecretKey key, Unwrap(old_master->second, row.Bytes(2), subject));
        ASSIGN_OR_RETURN(rewrapped,
                         Seal(new_master, key.bytes(), Binding{"data_keys", "wrapped", subject}));
      }
      const store::Value update[] = {target, std::move(rewrapped), subject, old_version};
      // The version guard leaves alone a row erased and re-created meanwhile.
      auto updated = conn->Exec(
          "UPDATE data_keys SET master_version = $1, wrapped = $2 "
          "WHERE subject = $3 AND master_version = $4",
          update);
      if (!updated.ok()) return updated.status();
    }
    RETURN_IF_ERROR(tx.Commit());
  }

  // Every key is under the new master: retire the old ones.
  const store::Value older[] = {target};
  auto retired = conn->Exec("DELETE FROM master_keys WHERE version < $1", older);
  if (!retired.ok()) return retired.status();
  std::unique_lock lock(masters_mu_);
  for (auto it = masters_.begin(); it != masters_.end();) {
    it = it->first == new_version ? std::next(it) : masters_.erase(it);
  }
  return Status::Ok();
}

}  // namespace yz::crypto
