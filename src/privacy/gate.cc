#include "privacy/gate.h"

#include "crypto/aead.h"

namespace yz::privacy {
namespace {

constexpr std::string_view kTable = "personal_values";
constexpr std::string_view kColumn = "value";

std::string RowId(std::string_view subject, std::string_view field) {
  std::string id(subject);
  id += '/';
  id += field;
  return id;
}

}  // namespace

Gate::Gate(store::Database& db, crypto::Keystore& keys, const crypto::BlindIndexer& blind,
           const Inventory& inventory, ConsentLedger& consents, std::function<std::int64_t()> now)
    : db_(db),
      keys_(keys),
      blind_(blind),
      inventory_(inventory),
      consents_(consents),
      now_(std::move(now)) {}

Result<std::optional<crypto::BlindKind>> Gate::BlindKindFor(const FieldSpec& spec) const {
  if (spec.protection != Protection::kBlindIndexEncrypt) return std::optional<crypto::BlindKind>{};
  // The blind index's normalization follows what the field holds.
  const std::string& id = spec.id;
  if (id.ends_with("phone")) return std::optional{crypto::BlindKind::kPhone};
  if (id.ends_with("email")) return std::optional{crypto::BlindKind::kEmail};
  if (id.ends_with("imei")) return std::optional{crypto::BlindKind::kImei};
  if (id.ends_with("mac")) return std::optional{crypto::BlindKind::kMac};
  return Internal("inventory field " + id + " asks for a blind index of an unknown kind");
}

Result<const FieldSpec*> Gate::Writable(std::string_view subject, std::string_view field) const {
  const FieldSpec* spec = inventory_.Find(field);
  if (!spec)
    return PermissionDenied("field not declared in the data inventory: " + std::string(field));
  if (subject.empty()) return InvalidArgument("gate: empty subject");
  switch (spec->protection) {
    case Protection::kDrop:
    case Protection::kEncrypt:
    case Protection::kBlindIndexEncrypt:
    case Protection::kHash:  // already a one-way hash (argon2id); sealed as well
      return spec;
    default:
      return FailedPrecondition("field " + spec->id + " is " +
                                std::string(ProtectionName(spec->protection)) +
                                "-protected: its value is derived by the event pipeline");
  }
}

Status Gate::CheckPurpose(const FieldSpec& spec, std::string_view subject, Purpose purpose) {
  if (!spec.Serves(purpose)) {
    return PermissionDenied("field " + spec.id + " may not be used for " +
                            std::string(PurposeName(purpose)));
  }
  if (spec.ConsentRequiredFor(purpose)) {
    ASSIGN_OR_RETURN(bool consented, consents_.Has(subject, purpose));
    if (!consented) {
      return PermissionDenied("no consent to use " + spec.id + " for " +
                              std::string(PurposeName(purpose)));
    }
  }
  return Status::Ok();
}

Status Gate::RecordAccess(store::Connection& conn, std::string_view subject, const FieldSpec& spec,
                          Purpose purpose, std::string_view actor) {
  if (actor == subject) return Status::Ok();
  // Fail closed: a read by someone else that cannot be recorded does not happen.
  const store::Value entry[] = {std::string(subject), spec.id, std::string(PurposeName(purpose)),
                                std::string(actor), now_()};
  return conn
      .Exec(
          "INSERT INTO access_log (subject, field, purpose, actor, at) "
          "VALUES ($1, $2, $3, $4, $5)",
          entry)
      .status();
}

Status Gate::Store(std::string_view subject, std::string_view field, std::string_view value,
                   bool only_once) {
  ASSIGN_OR_RETURN(const FieldSpec* spec, Writable(subject, field));
  if (spec->protection == Protection::kDrop) return Status::Ok();  // declared, never kept
  store::Value blind = store::Null();
  ASSIGN_OR_RETURN(auto kind, BlindKindFor(*spec));
  if (kind) {
    ASSIGN_OR_RETURN(auto index, blind_.Raw(*kind, value));
    blind = store::Blob(index.begin(), index.end());
  }
  ASSIGN_OR_RETURN(auto key, keys_.SharedDataKey(subject));
  std::string row = RowId(subject, spec->id);
  ASSIGN_OR_RETURN(auto sealed, crypto::Seal(*key, value, {kTable, kColumn, row}));
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {std::string(subject), spec->id, store::Blob(std::move(sealed)),
                                 std::move(blind), now_()};
  if (only_once) {
    ASSIGN_OR_RETURN(std::int64_t inserted,
                     conn->Exec("INSERT INTO personal_values (subject, field, value, blind, "
                                "updated_at) VALUES ($1, $2, $3, $4, $5) "
                                "ON CONFLICT (subject, field) DO NOTHING",
                                params));
    if (inserted == 0) return AlreadyExists(spec->id + " is already recorded and never changes");
    return Status::Ok();
  }
  return conn
      ->Exec(
          "INSERT INTO personal_values (subject, field, value, blind, updated_at) "
          "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject, field) DO UPDATE SET "
          "value = excluded.value, blind = excluded.blind, updated_at = excluded.updated_at",
          params)
      .status();
}

Status Gate::Write(std::string_view subject, std::string_view field, std::string_view value) {
  return Store(subject, field, value, /*only_once=*/false);
}

Status Gate::WriteOnce(std::string_view subject, std::string_view field, std::string_view value) {
  return Store(subject, field, value, /*only_once=*/true);
}

Status Gate::Remove(std::string_view subject, std::string_view field) {
  const FieldSpec* spec = inventory_.Find(field);
  if (!spec)
    return PermissionDenied("field not declared in the data inventory: " + std::string(field));
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value p[] = {std::string(subject), spec->id};
  return conn->Exec("DELETE FROM personal_values WHERE subject = $1 AND field = $2", p).status();
}

Result<std::string> Gate::Read(std::string_view subject, std::string_view field, Purpose purpose,
                               std::string_view actor) {
  const FieldSpec* spec = inventory_.Find(field);
  if (!spec)
    return PermissionDenied("field not declared in the data inventory: " + std::string(field));
  RETURN_IF_ERROR(CheckPurpose(*spec, subject, purpose));
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value key[] = {std::string(subject), spec->id};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT value FROM personal_values WHERE subject = $1 "
                                          "AND field = $2",
                                          key));
  if (rows.empty()) return NotFound("no " + spec->id + " stored for this subject");
  ASSIGN_OR_RETURN(auto data_key, keys_.SharedDataKey(subject));
  std::string row = RowId(subject, spec->id);
  auto sealed = rows[0].Bytes(0);
  ASSIGN_OR_RETURN(std::string plain,
                   crypto::OpenString(*data_key, sealed, {kTable, kColumn, row}));
  RETURN_IF_ERROR(RecordAccess(*conn, subject, *spec, purpose, actor));
  return plain;
}

Result<std::vector<std::uint8_t>> Gate::Seal(std::string_view subject, std::string_view field,
                                             std::string_view value, const crypto::Binding& where) {
  ASSIGN_OR_RETURN(FieldSealer sealer, Sealer(subject, field));
  return sealer.Seal(value, where);
}

Result<Gate::FieldSealer> Gate::Sealer(std::string_view subject, std::string_view field) {
  ASSIGN_OR_RETURN(const FieldSpec* spec, Writable(subject, field));
  if (spec->protection == Protection::kDrop || spec->protection == Protection::kBlindIndexEncrypt) {
    return FailedPrecondition("field " + spec->id + " is " +
                              std::string(ProtectionName(spec->protection)) +
                              "-protected: keep it with Write, not in a feature's own table");
  }
  ASSIGN_OR_RETURN(auto key, keys_.SharedDataKey(subject));
  return FieldSealer(std::move(key));
}

Result<std::string> Gate::Open(std::string_view subject, std::string_view field,
                               std::span<const std::uint8_t> sealed, const crypto::Binding& where,
                               Purpose purpose, std::string_view actor) {
  const FieldSpec* spec = inventory_.Find(field);
  if (!spec)
    return PermissionDenied("field not declared in the data inventory: " + std::string(field));
  RETURN_IF_ERROR(CheckPurpose(*spec, subject, purpose));
  ASSIGN_OR_RETURN(auto data_key, keys_.SharedDataKey(subject));
  ASSIGN_OR_RETURN(std::string plain, crypto::OpenString(*data_key, sealed, where));
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  RETURN_IF_ERROR(RecordAccess(*conn, subject, *spec, purpose, actor));
  return plain;
}

Result<std::optional<std::string>> Gate::FindSubject(std::string_view field,
                                                     std::string_view value) {
  const FieldSpec* spec = inventory_.Find(field);
  if (!spec)
    return PermissionDenied("field not declared in the data inventory: " + std::string(field));
  ASSIGN_OR_RETURN(auto kind, BlindKindFor(*spec));
  if (!kind) return InvalidArgument("field " + spec->id + " has no blind index");
  ASSIGN_OR_RETURN(auto index, blind_.Raw(*kind, value));
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {spec->id, store::Blob(index.begin(), index.end())};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT subject FROM personal_values WHERE field = $1 "
                                          "AND blind = $2",
                                          params));
  if (rows.empty()) return std::optional<std::string>{};
  return std::optional<std::string>{rows[0].Text(0)};
}

Result<std::vector<AccessRecord>> Gate::Accesses(std::string_view subject) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {std::string(subject)};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT field, purpose, actor, at FROM access_log "
                                          "WHERE subject = $1 ORDER BY id",
                                          params));
  std::vector<AccessRecord> out;
  for (const auto& r : rows) {
    auto purpose = ParsePurpose(r.Text(1));
    if (!purpose) return Internal("access_log: unknown purpose " + r.Text(1));
    out.push_back({r.Text(0), *purpose, r.Text(2), r.Int(3)});
  }
  return out;
}

Status Gate::Erase(std::string_view subject) {
  RETURN_IF_ERROR(keys_.Erase(subject));
  RETURN_IF_ERROR(consents_.Forget(subject));
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value params[] = {std::string(subject)};
  return conn->Exec("DELETE FROM personal_values WHERE subject = $1", params).status();
}

}  // namespace yz::privacy
