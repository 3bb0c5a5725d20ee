// The gate: the one way personal data is written, read and erased.
//
// Driven by the data inventory: a write of an undeclared field fails; the gate
// applies the field's protection (AEAD under the subject's own data key, bound to
// table, column and subject/field, plus a keyed blind index where the inventory
// says so); a read names a purpose, which must be one the inventory allows for the
// field and, where the inventory requires it, one the subject consented to. Every
// read by an actor other than the subject is recorded where the subject can list
// it (Accesses). Erase destroys the subject's data key (crypto-shredding), so the
// values cannot be opened again, not even from a backup taken before.
//
// Protections that transform a value before it is kept (truncate, coarsen,
// pseudonymize) belong to the event pipeline that computes them; the gate refuses
// them with FailedPrecondition rather than store a value unprotected.
//
// Thread-safety: thread-safe; the references given to the constructor must
// outlive the gate.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/aead.h"
#include "crypto/blind_index.h"
#include "crypto/keyring.h"
#include "privacy/consent.h"
#include "privacy/inventory.h"
#include "store/database.h"

namespace yz::privacy {

struct AccessRecord {
  std::string field;
  Purpose purpose;
  std::string actor;
  std::int64_t at = 0;  // Unix seconds
};

class Gate {
 public:
  Gate(store::Database& db, crypto::Keystore& keys, const crypto::BlindIndexer& blind,
       const Inventory& inventory, ConsentLedger& consents, std::function<std::int64_t()> now);

  // Stores `value` for `subject` under the field's protection, replacing any
  // earlier value. PermissionDenied for an undeclared field; InvalidArgument for a
  // value the blind index cannot normalize; Ok without storing for `drop` fields.
  Status Write(std::string_view subject, std::string_view field, std::string_view value);
  // Write for a value that never changes once recorded (the registration record):
  // AlreadyExists if the subject has one.
  Status WriteOnce(std::string_view subject, std::string_view field, std::string_view value);

  // The value, for `purpose`, on behalf of `actor` (the subject's own id when the
  // subject reads). PermissionDenied for an undeclared field, a purpose the field
  // may not serve, or a consent-based purpose without consent; NotFound if no
  // value is stored; PermissionDenied if the value cannot be opened (erased
  // subject, or a ciphertext moved from elsewhere).
  Result<std::string> Read(std::string_view subject, std::string_view field, Purpose purpose,
                           std::string_view actor);

  // Deletes the subject's value of `field` (a login replaced by one of another
  // kind). Ok if there was none.
  Status Remove(std::string_view subject, std::string_view field);

  // For values a feature keeps in its own table, several per subject (outbox
  // messages, profile history): the same inventory checks and protection as Write,
  // but the ciphertext is returned for the caller to store, bound to `where` (the
  // caller's table, column and row id) so that it cannot be moved to another row.
  // FailedPrecondition for blind-indexed or dropped fields (use Write).
  Result<std::vector<std::uint8_t>> Seal(std::string_view subject, std::string_view field,
                                         std::string_view value, const crypto::Binding& where);
  // Seal for a run of values of one subject's field (a chunk of log lines): the
  // inventory check and the key lookup happen once, in Sealer(). A Sealer holds
  // the subject's key alive past an Erase: keep it only for that run.
  class FieldSealer {
   public:
    Result<std::vector<std::uint8_t>> Seal(std::string_view value, const crypto::Binding& where) {
      return sealer_.Seal(value, where);
    }

   private:
    friend class Gate;
    explicit FieldSealer(crypto::Keystore::KeyRef key) : key_(std::move(key)), sealer_(*key_) {}
    crypto::Keystore::KeyRef key_;
    crypto::Sealer sealer_;  // refers to *key_, which moves with it
  };
  // The same errors as Seal.
  Result<FieldSealer> Sealer(std::string_view subject, std::string_view field);
  // Read for such a value: the same purpose, consent and access-record rules.
  Result<std::string> Open(std::string_view subject, std::string_view field,
                           std::span<const std::uint8_t> sealed, const crypto::Binding& where,
                           Purpose purpose, std::string_view actor);

  // The subject whose blind-indexed `field` equals `value` (login by phone or
  // e-mail); nullopt if none.
  Result<std::optional<std::string>> FindSubject(std::string_view field, std::string_view value);

  // Reads of the subject's data by others, oldest first.
  Result<std::vector<AccessRecord>> Accesses(std::string_view subject);

  // Crypto-shredding: destroys the subject's data key, then deletes its values and
  // consents. The key goes first, so a failure half way leaves nothing readable.
  Status Erase(std::string_view subject);

 private:
  Result<std::optional<crypto::BlindKind>> BlindKindFor(const FieldSpec& spec) const;
  // The field's spec if `subject` may be given a value of it at all.
  Result<const FieldSpec*> Writable(std::string_view subject, std::string_view field) const;
  Status CheckPurpose(const FieldSpec& spec, std::string_view subject, Purpose purpose);
  Status RecordAccess(store::Connection& conn, std::string_view subject, const FieldSpec& spec,
                      Purpose purpose, std::string_view actor);
  Status Store(std::string_view subject, std::string_view field, std::string_view value,
               bool only_once);

  store::Database& db_;
  crypto::Keystore& keys_;
  const crypto::BlindIndexer& blind_;
  const Inventory& inventory_;
  ConsentLedger& consents_;
  std::function<std::int64_t()> now_;
};

}  // namespace yz::privacy
