// A visitor's cookie choices (C2.3): the three optional purposes of the consent
// banner, how browser privacy signals limit them, when the anonymous id may exist,
// and how a choice is written to the consent ledger.
//
// The rules, in one place:
//  - Necessary cookies (session, CSRF token, language, the remembered choice
//    itself) need no consent and are not choices.
//  - "promotion" means promotion and partners: it is recorded as both
//    Purpose::kPromotion and Purpose::kPartner.
//  - `Sec-GPC: 1` or `DNT: 1` is a refusal of personalization and of promotion and
//    partners: a request carrying either can never turn them on, and it withdraws
//    them if they were given. Statistics stay the visitor's own choice.
//  - The anonymous id exists only with statistics or personalization (after the
//    signals are applied); choosing neither removes it and withdraws its consents.
//  - The ledger subject of an anonymous visitor is AnonymousSubject(id), a one-way
//    digest of the id, so the ledger never holds the cookie value itself.
//
// Thread-safety: free functions are pure; VisitorConsent is as thread-safe as the
// ledger it writes through (thread-safe).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "privacy/consent.h"
#include "privacy/inventory.h"

namespace yz::privacy {

// The optional purposes a visitor chooses on the banner or the settings page.
struct VisitorChoices {
  bool statistics = false;
  bool personalization = false;
  bool promotion = false;  // promotion and partners
  friend bool operator==(const VisitorChoices&, const VisitorChoices&) = default;
};

// Browser signals of refusal sent with a request.
struct PrivacySignals {
  bool gpc = false;  // Sec-GPC: 1
  bool dnt = false;  // DNT: 1
  bool Any() const { return gpc || dnt; }
};

// A header value that turns a signal on: exactly "1" (surrounding blanks ignored).
bool SignalOn(std::string_view header_value);

// What a choice becomes once the signals are applied.
struct EffectiveChoices {
  VisitorChoices choices;
  // Purposes the visitor asked for but the signals refused ("personalization",
  // "promotion"), in that order; empty when nothing was refused.
  std::vector<std::string> refused;
};
EffectiveChoices ApplySignals(const VisitorChoices& asked, const PrivacySignals& signals);

// The signals' cap on choices already made (for reading current choices): the
// same rule as ApplySignals, without a record of what was refused.
VisitorChoices CapBySignals(VisitorChoices choices, const PrivacySignals& signals);

// True when the choices allow the anonymous id cookie: statistics or personalization.
bool AllowsAnonymousId(const VisitorChoices& c);

// The ledger purposes each optional choice stands for.
std::vector<Purpose> PurposesOf(const VisitorChoices& c);
// Every purpose a visitor can choose: statistics, personalization, promotion, partner.
const std::vector<Purpose>& ChoosablePurposes();

// A new anonymous id: 128 random bits as 32 lower-case hex digits.
std::string NewAnonymousId();
// True for exactly 32 lower-case hex digits (anything else from a cookie is ignored).
bool WellFormedAnonymousId(std::string_view id);
// The ledger subject for an anonymous id: "anon_" + the first 32 hex digits of its
// SHA-256 (the id has 128 random bits, so the digest cannot be reversed).
std::string AnonymousSubject(std::string_view id);

// The remembered choice, kept in a necessary cookie so the banner is not shown
// again: "s1.p0.m1" (statistics, personalization, promotion). nullopt if malformed.
std::string EncodeChoices(const VisitorChoices& c);
std::optional<VisitorChoices> DecodeChoices(std::string_view text);

// A choice as POST /api/v1/consent sends it: {"statistics", "personalization",
// "promotion": true|false (absent or null: false), "source": "banner"|"settings"
// (absent or null: settings)}. InvalidArgument naming the field, fit for a client.
// Here rather than in the handler so that tests and fuzz/consent_body.cc drive it.
struct ChoiceRequest {
  VisitorChoices choices;
  ConsentSource source = ConsentSource::kSettings;
};
Result<ChoiceRequest> ParseChoiceBody(std::string_view body);

// Writes choices to the ledger for one visitor.
class VisitorConsent {
 public:
  // `ledger` outlives this object; `policy_version` is the published notice version
  // consents are given under (non-empty).
  VisitorConsent(ConsentLedger& ledger, std::string policy_version);

  // Gives each purpose `c` includes and withdraws each it leaves out, for `subject`
  // (an account id or an AnonymousSubject). Giving an active purpose again and
  // withdrawing one never given are no-ops. Store errors are returned as they are.
  Status Record(std::string_view subject, const VisitorChoices& c, ConsentSource source);

  // The subject's active choices (promotion: both promotion and partner active).
  Result<VisitorChoices> Current(std::string_view subject);

  const std::string& policy_version() const { return policy_version_; }

 private:
  ConsentLedger& ledger_;
  std::string policy_version_;
};

}  // namespace yz::privacy
