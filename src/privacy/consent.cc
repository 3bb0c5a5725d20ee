#include "privacy/consent.h"

namespace yz::privacy {

std::string_view ConsentSourceName(ConsentSource s) {
  switch (s) {
    case ConsentSource::kBanner:
      return "banner";
    case ConsentSource::kSettings:
      return "settings";
    case ConsentSource::kGuardian:
      return "guardian";
  }
  return "settings";
}

ConsentLedger::ConsentLedger(store::Database& db, std::function<std::int64_t()> now)
    : db_(db), now_(std::move(now)) {}

Status ConsentLedger::Give(std::string_view subject, Purpose purpose,
                           std::string_view policy_version, ConsentSource source) {
  if (subject.empty()) return InvalidArgument("consent: empty subject");
  if (policy_version.empty()) return InvalidArgument("consent: empty policy version");
  return db_.InTransaction([&](store::Connection& c) -> Status {
    const store::Value key[] = {std::string(subject), std::string(PurposeName(purpose))};
    ASSIGN_OR_RETURN(auto rows, c.Query("SELECT policy_version FROM consents WHERE subject = $1 "
                                        "AND purpose = $2 AND withdrawn_at IS NULL",
                                        key));
    for (const auto& r : rows) {
      if (r.Text(0) == policy_version) return Status::Ok();
    }
    const std::int64_t now = now_();
    if (!rows.empty()) {
      // C0.1: acceptance of a new version is a record of its own; the one it
      // supersedes ends when it begins, so exactly one stays active.
      const store::Value end[] = {now, std::string(subject), std::string(PurposeName(purpose))};
      RETURN_IF_ERROR(c.Exec("UPDATE consents SET withdrawn_at = $1 WHERE subject = $2 AND "
                             "purpose = $3 AND withdrawn_at IS NULL",
                             end)
                          .status());
    }
    const store::Value row[] = {std::string(subject), std::string(PurposeName(purpose)),
                                std::string(policy_version), std::string(ConsentSourceName(source)),
                                now};
    RETURN_IF_ERROR(c.Exec("INSERT INTO consents (subject, purpose, policy_version, source, "
                           "given_at) VALUES ($1, $2, $3, $4, $5)",
                           row)
                        .status());
    return Status::Ok();
  });
}

Status ConsentLedger::Withdraw(std::string_view subject, Purpose purpose) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {now_(), std::string(subject), std::string(PurposeName(purpose))};
  ASSIGN_OR_RETURN(auto changed, conn->Exec("UPDATE consents SET withdrawn_at = $1 WHERE "
                                            "subject = $2 AND purpose = $3 AND "
                                            "withdrawn_at IS NULL",
                                            params));
  if (changed == 0) return NotFound("no active consent for " + std::string(PurposeName(purpose)));
  return Status::Ok();
}

Result<bool> ConsentLedger::Has(std::string_view subject, Purpose purpose) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {std::string(subject), std::string(PurposeName(purpose))};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT 1 FROM consents WHERE subject = $1 AND "
                                          "purpose = $2 AND withdrawn_at IS NULL",
                                          params));
  return !rows.empty();
}

Result<std::vector<ConsentRecord>> ConsentLedger::History(std::string_view subject) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {std::string(subject)};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT purpose, policy_version, source, given_at, "
                                          "withdrawn_at FROM consents WHERE subject = $1 "
                                          "ORDER BY id",
                                          params));
  std::vector<ConsentRecord> out;
  for (const auto& r : rows) {
    auto purpose = ParsePurpose(r.Text(0));
    if (!purpose) return Internal("consents: unknown purpose " + r.Text(0));
    ConsentRecord rec{*purpose, r.Text(1), r.Text(2), r.Int(3), std::nullopt};
    if (!r.IsNull(4)) rec.withdrawn_at = r.Int(4);
    out.push_back(std::move(rec));
  }
  return out;
}

Status ConsentLedger::Forget(std::string_view subject) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {std::string(subject)};
  return conn->Exec("DELETE FROM consents WHERE subject = $1", params).status();
}

}  // namespace yz::privacy
