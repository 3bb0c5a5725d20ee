#include "privacy/notice_versions.h"

#include <sodium.h>

#include <string>
#include <utility>

#include "privacy/inventory.h"

namespace yz::privacy {
namespace {

constexpr const char* kColumns =
    "SELECT number, published_at, sha256, source, inventory, statement FROM notice_versions";

NoticeVersion FromRow(const store::Row& row) {
  return NoticeVersion{row.Int(0), row.Int(1), row.Text(2), row.Text(3), row.Text(4), row.Text(5)};
}

std::string Hex(const unsigned char* bytes, std::size_t n) {
  std::string hex(n * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, n);
  hex.pop_back();  // sodium writes a terminating NUL
  return hex;
}

void Update(crypto_hash_sha256_state& state, std::string_view text) {
  crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(text.data()),
                            text.size());
}

}  // namespace

std::string NoticeHash(std::string_view inventory, std::string_view statement) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  Update(state, std::to_string(inventory.size()) + "\n");
  Update(state, inventory);
  Update(state, statement);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return Hex(digest, sizeof digest);
}

NoticeVersions::NoticeVersions(store::Database& db, std::function<std::int64_t()> now)
    : db_(db), now_(std::move(now)) {}

Result<NoticeVersion> NoticeVersions::Publish(std::string_view inventory, std::string_view source,
                                              std::string_view statement) {
  // A notice that disagrees with what the gate enforces must never be published.
  auto parsed = Inventory::Parse(inventory, std::string(source));
  if (!parsed.ok()) return parsed.status();
  return Append(inventory, source, statement, /*only_if_none=*/false);
}

Result<NoticeVersion> NoticeVersions::EnsurePublished(std::string_view inventory,
                                                      std::string_view statement) {
  ASSIGN_OR_RETURN(std::optional<NoticeVersion> latest, Latest());
  if (latest) return *std::move(latest);
  const std::string source = "policy/inventory.toml (embedded)";
  auto parsed = Inventory::Parse(inventory, source);
  if (!parsed.ok()) return parsed.status();
  return Append(inventory, source, statement, /*only_if_none=*/true);
}

Result<NoticeVersion> NoticeVersions::Append(std::string_view inventory, std::string_view source,
                                             std::string_view statement, bool only_if_none) {
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  store::Transaction tx(*conn);
  RETURN_IF_ERROR(tx.begin_status());
  if (conn->backend() == store::Backend::kPostgres) {
    // READ COMMITTED alone would let two publishers read the same latest number. This
    // mode conflicts with itself but not with readers, so publishers take turns and
    // the second one sees the first one's row.
    auto locked = conn->Exec("LOCK TABLE notice_versions IN SHARE ROW EXCLUSIVE MODE");
    if (!locked.ok()) return locked.status();
  }
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn->Query(std::string(kColumns) + " ORDER BY number DESC LIMIT 1"));
  std::optional<NoticeVersion> latest;
  if (!rows.empty()) latest = FromRow(rows[0]);
  if (latest && only_if_none) return *std::move(latest);  // someone else published first

  NoticeVersion v;
  v.number = latest ? latest->number + 1 : 1;
  v.published_at = now_();
  v.sha256 = NoticeHash(inventory, statement);
  v.source = std::string(source);
  v.inventory = std::string(inventory);
  v.statement = std::string(statement);
  if (latest && latest->sha256 == v.sha256) {
    return FailedPrecondition("nothing changed since version " + std::to_string(latest->number) +
                              " (sha256 " + latest->sha256 + ")");
  }
  const store::Value params[] = {v.number, v.published_at, v.sha256,
                                 v.source, v.inventory,    v.statement};
  auto inserted = conn->Exec(
      "INSERT INTO notice_versions (number, published_at, sha256, source, inventory, statement) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      params);
  if (!inserted.ok()) return inserted.status();
  RETURN_IF_ERROR(tx.Commit());
  Remember(v);
  return v;
}

Result<std::optional<NoticeVersion>> NoticeVersions::Latest() {
  std::int64_t number = 0;
  {
    ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
    ASSIGN_OR_RETURN(store::Rows rows, conn->Query("SELECT MAX(number) FROM notice_versions"));
    if (rows.empty() || rows[0].IsNull(0)) return std::optional<NoticeVersion>();
    number = rows[0].Int(0);
  }
  ASSIGN_OR_RETURN(NoticeVersion v, Get(number));
  return std::optional<NoticeVersion>(std::move(v));
}

Result<NoticeVersion> NoticeVersions::Get(std::int64_t number) {
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = cache_.find(number); it != cache_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  const store::Value params[] = {number};
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn->Query(std::string(kColumns) + " WHERE number = $1", params));
  if (rows.empty()) {
    return NotFound("no privacy notice version " + std::to_string(number) + " is published");
  }
  NoticeVersion v = FromRow(rows[0]);
  Remember(v);
  return v;
}

Result<std::vector<NoticeVersion>> NoticeVersions::List() {
  ASSIGN_OR_RETURN(store::PooledConnection conn, db_.Acquire());
  ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kColumns) + " ORDER BY number"));
  std::vector<NoticeVersion> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) out.push_back(FromRow(row));
  for (const NoticeVersion& v : out) Remember(v);
  return out;
}

void NoticeVersions::Remember(const NoticeVersion& v) {
  std::lock_guard lock(cache_mu_);
  cache_.try_emplace(v.number, v);
}

}  // namespace yz::privacy
