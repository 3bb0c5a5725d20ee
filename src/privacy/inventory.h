// The data inventory (policy/inventory.toml): every personal field the platform
// holds, what it may be used for, how it is protected, how long it lives and who
// may receive it. The privacy gate, retention jobs, the data-subject export,
// erasure and the published notice all read this one description, so they cannot
// disagree with each other. A field that is not declared here does not exist for
// the gate: Find() returns null and the gate refuses it (DESIGN "one gate" rule,
// C2.4).
//
// File format (TOML):
//   [meta]       version, controller_zh, controller_en, contact      (all strings)
//   [[field]]    id                "category.name", snake_case segments, unique
//                requirement       POLICY.md clause, "C<n>.<n>"
//                category          registration | log | device | cookie | consent | session
//                description_zh    string, shown in the Chinese notice
//                description_en    string, shown in the English notice
//                purposes          array of: service security personalization promotion
//                                  statistics partner legal research
//                protection        encrypt | blind_index_encrypt | pseudonymize |
//                                  truncate | coarsen | drop | hash
//                retention         "<n><s|m|h|d>" after collection, or
//                                  "account+<n><unit>" after the account ends
//                sensitive         bool (PIPL Art. 28)
//                consent_purposes  subset of purposes that need the subject's consent
//                recipients        ids of [[recipient]] tables (may be empty)
//                sensitive_when    optional "age<N": sensitive when the subject is
//                                  younger than N (PIPL Art. 28/31, child data)
//                redact_parameters optional array of request parameter names whose
//                                  values are removed before a URL is kept
//   [[recipient]] id, name_zh, name_en, contact, purpose (strings), categories
//                (array of field ids the recipient receives)
//
// Rules checked on load, beyond the shape: consent_purposes is a subset of
// purposes; a sensitive field names at least one consent purpose; statistics never
// serves an encrypt / blind_index_encrypt field (statistics must not see raw values);
// a field with recipients serves `partner` and needs consent for it (PIPL Art. 23),
// and every recipient it names is declared and lists the field in its categories.
//
// Thread-safety: an Inventory is immutable after Parse/Load; share it freely.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace yz::privacy {

// Why personal data is read. Closed list; the inventory names which apply per field.
enum class Purpose {
  kService,          // providing what the user asked for
  kSecurity,         // fraud, abuse and attack handling (C3.5 (5))
  kPersonalization,  // relevance of search and content (C3.1, PIPL Art. 24)
  kPromotion,        // promotion results (C3.1)
  kStatistics,       // published and internal aggregates (C3.4)
  kPartner,          // given to a declared recipient (C3.3, PIPL Art. 23)
  kLegal,            // legal obligations and lawful requests (C3.5 (3))
  kResearch,         // academic research / public interest (C3.5 (4))
};

// How the gate stores a field.
enum class Protection {
  kEncrypt,            // AEAD under the subject's data key
  kBlindIndexEncrypt,  // as kEncrypt, plus a keyed blind index for equality lookup
  kPseudonymize,       // keyed hash with a rotating salt; the raw value is not kept
  kTruncate,           // cut to a less identifying prefix (IP /24, URL path, domain)
  kCoarsen,            // reduced precision (major version, geohash cell, minute)
  kDrop,               // never stored
  kHash,               // one-way hash (passwords, session tokens)
};

enum class Category { kRegistration, kLog, kDevice, kCookie, kConsent, kSession };

// Stable snake_case names, as written in the inventory ("blind_index_encrypt").
std::string_view PurposeName(Purpose p);
std::string_view ProtectionName(Protection p);
std::string_view CategoryName(Category c);
// nullopt for anything not in the closed list (names are case-sensitive).
std::optional<Purpose> ParsePurpose(std::string_view name);
std::optional<Protection> ParseProtection(std::string_view name);
std::optional<Category> ParseCategory(std::string_view name);

// How long a field lives: `duration` after collection, or, when
// `after_account_end`, `duration` after the subject's account is closed.
struct Retention {
  std::chrono::seconds duration{0};
  bool after_account_end = false;

  bool operator==(const Retention&) const = default;
};

// Parses "7d", "24h", "90m", "30s", "account+30d" (and "account" for +0).
// InvalidArgument describing the expected syntax otherwise, or when it overflows.
Result<Retention> ParseRetention(std::string_view text);

struct FieldSpec {
  std::string id;
  std::string requirement;
  Category category = Category::kLog;
  std::string description_zh;
  std::string description_en;
  std::vector<Purpose> purposes;
  Protection protection = Protection::kEncrypt;
  Retention retention;
  bool sensitive = false;
  std::vector<Purpose> consent_purposes;
  std::vector<std::string> recipients;
  // Set when the field becomes sensitive for young subjects ("age<14" -> 14).
  std::optional<int> sensitive_below_age;
  // Names of query and path parameters whose values are removed before the value
  // is kept ("token", "code"): optional, meaningful for URL fields (log.url_path).
  std::vector<std::string> redact_parameters;
  int line = 0;  // where the [[field]] table starts, for diagnostics

  bool Serves(Purpose p) const;
  bool ConsentRequiredFor(Purpose p) const;
  // Whether the field is sensitive for a subject of `age` years (Art. 28, 31).
  bool SensitiveForAge(int age) const;
};

struct Recipient {
  std::string id;
  std::string name_zh;
  std::string name_en;
  std::string contact;
  std::string purpose;
  std::vector<std::string> categories;  // inventory field ids it receives
  int line = 0;
};

struct InventoryMeta {
  std::string version;
  std::string controller_zh;
  std::string controller_en;
  std::string contact;
};

class Inventory {
 public:
  // Parses and validates inventory text. `source` names it in diagnostics. On any
  // problem returns InvalidArgument whose message holds one line per problem, all
  // of them, each "SOURCE:LINE: field[N] (id): KEY: problem" (N counts from 0;
  // recipient[N] and meta likewise).
  static Result<Inventory> Parse(std::string_view text, std::string source);
  // Reads and parses a file; NotFound when it cannot be read.
  static Result<Inventory> Load(const std::filesystem::path& path);

  // The declared field, or null when `id` is not declared: the gate then refuses
  // the read or write (C2.4). The pointer lives as long as this Inventory.
  const FieldSpec* Find(std::string_view id) const;
  // The field's retention in seconds (after collection), or `fallback` when the
  // field is not declared.
  std::int64_t RetentionSeconds(std::string_view id, std::int64_t fallback = 0) const;
  const Recipient* FindRecipient(std::string_view id) const;

  const std::vector<FieldSpec>& fields() const { return fields_; }
  const std::vector<Recipient>& recipients() const { return recipients_; }
  const InventoryMeta& meta() const { return meta_; }
  const std::string& source() const { return source_; }

  // Whether `id` may serve `p` at all. False for undeclared fields.
  bool Allows(std::string_view id, Purpose p) const;
  // Whether serving `p` from `id` needs the subject's consent. Fails closed: true for
  // undeclared fields. Does not imply Allows; callers check both.
  bool NeedsConsent(std::string_view id, Purpose p) const;

  // Lower-case hex SHA-256 of the inventory text exactly as parsed. Consents and the
  // published notice record it, so they name the precise inventory they rest on.
  const std::string& Hash() const { return hash_; }

 private:
  InventoryMeta meta_;
  std::vector<FieldSpec> fields_;
  std::vector<Recipient> recipients_;
  std::map<std::string, std::size_t, std::less<>> field_index_;
  std::string source_;
  std::string hash_;
};

}  // namespace yz::privacy
