#include "privacy/visitor_consent.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <utility>

#include "core/random.h"
#include "crypto/digest.h"

namespace yz::privacy {

namespace {

Result<bool> OptionalBool(const boost::json::object& o, std::string_view name) {
  const boost::json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return false;
  if (!v->is_bool()) return InvalidArgument(std::string(name) + ": must be true or false");
  return v->get_bool();
}

}  // namespace

Result<ChoiceRequest> ParseChoiceBody(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) return InvalidArgument("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return InvalidArgument("the body must be a JSON object");
  const boost::json::object& o = v.get_object();
  ChoiceRequest out;
  ASSIGN_OR_RETURN(out.choices.statistics, OptionalBool(o, "statistics"));
  ASSIGN_OR_RETURN(out.choices.personalization, OptionalBool(o, "personalization"));
  ASSIGN_OR_RETURN(out.choices.promotion, OptionalBool(o, "promotion"));
  if (const boost::json::value* s = o.if_contains("source"); s && !s->is_null()) {
    if (s->is_string() && s->get_string() == "banner") {
      out.source = ConsentSource::kBanner;
    } else if (!s->is_string() || s->get_string() != "settings") {
      return InvalidArgument("source: must be \"banner\" or \"settings\"");
    }
  }
  return out;
}

bool SignalOn(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v == "1";
}

EffectiveChoices ApplySignals(const VisitorChoices& asked, const PrivacySignals& signals) {
  EffectiveChoices out{asked, {}};
  if (!signals.Any()) return out;
  if (asked.personalization) out.refused.push_back("personalization");
  if (asked.promotion) out.refused.push_back("promotion");
  out.choices.personalization = false;
  out.choices.promotion = false;
  return out;
}

VisitorChoices CapBySignals(VisitorChoices choices, const PrivacySignals& signals) {
  return ApplySignals(choices, signals).choices;
}

bool AllowsAnonymousId(const VisitorChoices& c) { return c.statistics || c.personalization; }

std::vector<Purpose> PurposesOf(const VisitorChoices& c) {
  std::vector<Purpose> out;
  if (c.statistics) out.push_back(Purpose::kStatistics);
  if (c.personalization) out.push_back(Purpose::kPersonalization);
  if (c.promotion) {
    out.push_back(Purpose::kPromotion);
    out.push_back(Purpose::kPartner);
  }
  return out;
}

const std::vector<Purpose>& ChoosablePurposes() {
  static const std::vector<Purpose> kAll = {Purpose::kStatistics, Purpose::kPersonalization,
                                            Purpose::kPromotion, Purpose::kPartner};
  return kAll;
}

std::string NewAnonymousId() { return RandomHex(16); }

bool WellFormedAnonymousId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string AnonymousSubject(std::string_view id) {
  return "anon_" + crypto::Sha256Hex(id).substr(0, 32);
}

std::string EncodeChoices(const VisitorChoices& c) {
  std::string out = "s0.p0.m0";
  out[1] = c.statistics ? '1' : '0';
  out[4] = c.personalization ? '1' : '0';
  out[7] = c.promotion ? '1' : '0';
  return out;
}

std::optional<VisitorChoices> DecodeChoices(std::string_view t) {
  if (t.size() != 8 || t[0] != 's' || t[2] != '.' || t[3] != 'p' || t[5] != '.' || t[6] != 'm') {
    return std::nullopt;
  }
  auto bit = [](char c) -> std::optional<bool> {
    if (c == '0') return false;
    if (c == '1') return true;
    return std::nullopt;
  };
  auto s = bit(t[1]), p = bit(t[4]), m = bit(t[7]);
  if (!s || !p || !m) return std::nullopt;
  return VisitorChoices{*s, *p, *m};
}

VisitorConsent::VisitorConsent(ConsentLedger& ledger, std::string policy_version)
    : ledger_(ledger), policy_version_(std::move(policy_version)) {}

Status VisitorConsent::Record(std::string_view subject, const VisitorChoices& c,
                              ConsentSource source) {
  if (subject.empty()) return InvalidArgument("consent: empty subject");
  const std::vector<Purpose> given = PurposesOf(c);
  for (Purpose p : ChoosablePurposes()) {
    bool wanted = false;
    for (Purpose g : given) wanted = wanted || g == p;
    if (wanted) {
      RETURN_IF_ERROR(ledger_.Give(subject, p, policy_version_, source));
    } else {
      Status s = ledger_.Withdraw(subject, p);
      if (!s.ok() && s.code() != Code::kNotFound) return s;
    }
  }
  return Status::Ok();
}

Result<VisitorChoices> VisitorConsent::Current(std::string_view subject) {
  VisitorChoices c;
  ASSIGN_OR_RETURN(c.statistics, ledger_.Has(subject, Purpose::kStatistics));
  ASSIGN_OR_RETURN(c.personalization, ledger_.Has(subject, Purpose::kPersonalization));
  ASSIGN_OR_RETURN(bool promotion, ledger_.Has(subject, Purpose::kPromotion));
  ASSIGN_OR_RETURN(bool partner, ledger_.Has(subject, Purpose::kPartner));
  c.promotion = promotion && partner;
  return c;
}

}  // namespace yz::privacy
