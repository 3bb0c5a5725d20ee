// Published privacy-notice versions (C6.1: every revision is published
// prominently). A version freezes the two texts the notice is made of: the data
// inventory (policy/inventory.toml) and the statement template
// (web/templates/privacy.mustache). Versions are numbered 1, 2, 3..., dated, and
// hashed, and never change once published: the notice_versions table refuses
// UPDATE and DELETE by trigger (migration 3), so an old version renders exactly as
// it was published and consents recorded against it keep their meaning (C0.1).
//
// Thread-safety: NoticeVersions is thread-safe. Publishing runs in a write
// transaction that serializes publishers (SQLite BEGIN IMMEDIATE, PostgreSQL a
// table lock), so two publishers never get the same number. Versions read back are
// cached by number (they are immutable) under cache_mu_.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace yz::privacy {

struct NoticeVersion {
  std::int64_t number = 0;        // 1, 2, 3... without gaps
  std::int64_t published_at = 0;  // Unix seconds, UTC
  std::string sha256;             // NoticeHash(inventory, statement)
  std::string source;             // where the inventory came from, for diagnostics
  std::string inventory;          // the inventory TOML text, byte for byte
  std::string statement;          // the statement template text, byte for byte
};

// Lower-case hex SHA-256 naming both texts of a version. The inventory's length is
// hashed in front of it, so moving text from one part to the other changes the hash.
std::string NoticeHash(std::string_view inventory, std::string_view statement);

class NoticeVersions {
 public:
  // `now` returns Unix seconds; `db` must be migrated and outlive this object.
  NoticeVersions(store::Database& db, std::function<std::int64_t()> now);

  // Publishes the next version. InvalidArgument with the validator's message (one
  // "SOURCE:LINE: ... KEY: problem" line per problem) when the inventory is invalid;
  // FailedPrecondition "nothing changed since version N" when both texts hash as the
  // latest version does; a store error otherwise. `source` names the inventory in
  // those diagnostics and is recorded with the version.
  Result<NoticeVersion> Publish(std::string_view inventory, std::string_view source,
                                std::string_view statement);

  // First run: publishes version 1 from these texts when nothing is published yet;
  // otherwise returns the latest version untouched (an operator publishes changes
  // with `yzcloud policy publish`, never the server on its own).
  Result<NoticeVersion> EnsurePublished(std::string_view inventory, std::string_view statement);

  // The newest version; nullopt when none is published.
  Result<std::optional<NoticeVersion>> Latest();
  // Version `number`; NotFound when there is no such version.
  Result<NoticeVersion> Get(std::int64_t number);
  // Every version, oldest first, texts included (revisions are rare and small).
  Result<std::vector<NoticeVersion>> List();

 private:
  // Runs inside a write transaction: appends a version unless the latest has the
  // same hash (or, with `only_if_none`, unless any version exists).
  Result<NoticeVersion> Append(std::string_view inventory, std::string_view source,
                               std::string_view statement, bool only_if_none);
  void Remember(const NoticeVersion& v);

  store::Database& db_;
  std::function<std::int64_t()> now_;
  std::mutex cache_mu_;
  std::map<std::int64_t, NoticeVersion> cache_;  // guarded by cache_mu_
};

}  // namespace yz::privacy
