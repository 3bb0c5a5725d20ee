// The consent ledger: per subject and purpose, when consent was given, under
// which published policy version, from where (banner, settings, guardian), and
// when it was withdrawn. History is never rewritten: withdrawing stamps the
// active record, giving again adds a new one (PIPL Arts. 14-15). Giving under a
// new policy version adds a new one too, and stamps the record it supersedes
// (C0.1: every acceptance is recorded against the exact version accepted).
//
// Thread-safety: thread-safe (all state is in the database).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "privacy/inventory.h"
#include "store/database.h"

namespace yz::privacy {

enum class ConsentSource { kBanner, kSettings, kGuardian };
std::string_view ConsentSourceName(ConsentSource s);

struct ConsentRecord {
  Purpose purpose;
  std::string policy_version;
  std::string source;
  std::int64_t given_at = 0;                 // Unix seconds
  std::optional<std::int64_t> withdrawn_at;  // Unix seconds; withdrawn or superseded
};

class ConsentLedger {
 public:
  // `now` returns Unix seconds (a fake clock in tests). `db` outlives the ledger.
  ConsentLedger(store::Database& db, std::function<std::int64_t()> now);

  // Records consent; a no-op if the purpose's active consent is under the same
  // policy version. An active consent under another version is superseded: it is
  // stamped withdrawn and the new record added, in one transaction.
  // InvalidArgument for an empty subject or policy version.
  Status Give(std::string_view subject, Purpose purpose, std::string_view policy_version,
              ConsentSource source);
  // Withdraws the active consent; NotFound if there is none.
  Status Withdraw(std::string_view subject, Purpose purpose);
  Result<bool> Has(std::string_view subject, Purpose purpose);
  // Every record of the subject, oldest first.
  Result<std::vector<ConsentRecord>> History(std::string_view subject);
  // Deletes the subject's records (erasure).
  Status Forget(std::string_view subject);

 private:
  store::Database& db_;
  std::function<std::int64_t()> now_;
};

}  // namespace yz::privacy
