#include "privacy/key_fingerprints.h"

#include <string_view>
#include <vector>

namespace yz::privacy {
namespace {

constexpr std::string_view kPrefix = "key_fingerprint:";

}  // namespace

Result<KeyFingerprintMap> LoadKeyFingerprints(store::Database& data) {
  ASSIGN_OR_RETURN(store::PooledConnection conn, data.Acquire());
  const store::Value pattern[] = {std::string(kPrefix) + "%"};
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn->Query("SELECT key, value FROM settings WHERE key LIKE $1", pattern));
  KeyFingerprintMap out;
  for (const store::Row& row : rows) {
    std::string key = row.Text(0);
    if (key.starts_with(kPrefix)) out.emplace(key.substr(kPrefix.size()), row.Text(1));
  }
  return out;
}

Status RecordKeyFingerprints(store::Database& data, const KeyFingerprintMap& want) {
  {
    ASSIGN_OR_RETURN(store::PooledConnection conn, data.Acquire());
    for (const auto& [name, value] : want) {
      const store::Value row[] = {std::string(kPrefix) + name, value};
      ASSIGN_OR_RETURN(std::int64_t inserted,
                       conn->Exec("INSERT INTO settings (key, value) VALUES ($1, $2) "
                                  "ON CONFLICT (key) DO NOTHING",
                                  row));
      (void)inserted;
    }
  }
  // Read back: another node may have recorded a different key first.
  ASSIGN_OR_RETURN(KeyFingerprintMap recorded, LoadKeyFingerprints(data));
  for (const auto& [name, value] : want) {
    auto it = recorded.find(name);
    if (it == recorded.end()) return Internal("key fingerprint " + name + " was not recorded");
    if (it->second != value) return FailedPrecondition(name);
  }
  return Status::Ok();
}

Status ForgetKeyFingerprint(store::Database& data, const std::string& name) {
  ASSIGN_OR_RETURN(store::PooledConnection conn, data.Acquire());
  const store::Value key[] = {std::string(kPrefix) + name};
  ASSIGN_OR_RETURN(std::int64_t deleted, conn->Exec("DELETE FROM settings WHERE key = $1", key));
  (void)deleted;
  return Status::Ok();
}

Result<bool> HoldsSealedData(store::Database& data) {
  ASSIGN_OR_RETURN(store::PooledConnection conn, data.Acquire());
  // Tables of a newer migration than this database's are simply absent.
  for (const char* sql :
       {"SELECT 1 FROM personal_values LIMIT 1", "SELECT 1 FROM request_log LIMIT 1",
        "SELECT 1 FROM devices LIMIT 1", "SELECT 1 FROM outbox LIMIT 1"}) {
    auto rows = conn->Query(sql);
    if (rows.ok() && !rows->empty()) return true;
  }
  return false;
}

}  // namespace yz::privacy
