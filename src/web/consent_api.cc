#include "web/consent_api.h"

#include <atomic>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>
#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "privacy/visitor_consent.h"
#include "web/account_api.h"
#include "web/assets.h"
#include "web/csrf.h"
#include "web/i18n.h"
#include "web/pages.h"
#include "web/redirect_target.h"

namespace yz::web {
namespace {

namespace json = boost::json;
namespace mu = kainjow::mustache;
using privacy::VisitorChoices;

// Consent calls carry three booleans: anything larger is refused with 413.
constexpr std::size_t kMaxConsentBody = 4 * 1024;
constexpr std::string_view kSettingsPath = "/privacy/cookies";

// The version choices are made under, for the banner: pages are rendered without
// the App (web/pages.h), so AddConsentRoutes keeps a copy of app.policy_version
// here. Null until then: every remembered choice is stale.
std::atomic<std::shared_ptr<const std::string>> banner_policy_version;

// ---- The remembered choice -------------------------------------------------------

// The yz_consent cookie: the choices and the policy version they were made under,
// "s1.p0.m0.v2". A cookie from before the version was kept ("s1.p0.m0") reads with
// an empty version, older than any, so the banner asks again (C0.1, C6.1).
struct Remembered {
  VisitorChoices choices;
  std::string policy_version;
};

std::string EncodeRemembered(const VisitorChoices& c, std::string_view policy_version) {
  return privacy::EncodeChoices(c) + ".v" + std::string(policy_version);
}

// nullopt if malformed.
std::optional<Remembered> DecodeRemembered(std::string_view text) {
  constexpr std::size_t kChoicesSize = 8;  // "s1.p0.m0"
  std::string_view version;
  if (text.size() > kChoicesSize) {
    version = text.substr(kChoicesSize);
    if (!version.starts_with(".v") || version.size() == 2) return std::nullopt;
    version.remove_prefix(2);
  }
  auto choices = privacy::DecodeChoices(text.substr(0, kChoicesSize));
  if (!choices) return std::nullopt;
  return Remembered{*choices, std::string(version)};
}

// ---- The visitor -----------------------------------------------------------------

// Who is choosing: the account when logged in, the anonymous id if the browser has
// one, the remembered choice, and the refusal signals the request carries.
struct Visitor {
  std::optional<std::string> account;  // account id of a live session
  std::optional<std::string> aid;      // a well-formed yz_aid cookie
  std::optional<VisitorChoices> remembered;
  privacy::PrivacySignals signals;
  bool cookie_authenticated = false;  // the session came from the yz_session cookie
};

// `with_account`: look up the session (a database read) only where it matters.
Visitor VisitorOf(App& app, const Request& req, bool with_account = true) {
  Visitor v;
  if (auto cred = with_account ? RequestCredentials(req) : std::nullopt) {
    if (auto session = app.accounts.Authenticate(cred->token); session.ok()) {
      v.account = session->account_id;
      req.account_id = session->account_id;
      v.cookie_authenticated = !cred->bearer;
    }
  }
  if (auto aid = req.CookieValue(kAnonymousIdCookie); aid && privacy::WellFormedAnonymousId(*aid)) {
    v.aid = *aid;
  }
  v.remembered = RememberedChoices(req);
  v.signals.gpc = privacy::SignalOn(req.HeaderValue("sec-gpc"));
  v.signals.dnt = privacy::SignalOn(req.HeaderValue("dnt"));
  return v;
}

std::string SignalName(const privacy::PrivacySignals& s) {
  return s.gpc ? "Sec-GPC" : s.dnt ? "DNT" : "";
}

// ---- Recording a choice ----------------------------------------------------------

struct Outcome {
  privacy::EffectiveChoices effective;
  std::optional<std::string> aid;  // the anonymous id after the choice
  std::vector<std::string> set_cookies;
  std::string subject_kind;  // "account", "anonymous_id" or "" (nothing to record under)
};

// Applies the signals, writes the ledger for every subject the choice concerns,
// and computes the cookies to send.
Result<Outcome> Choose(App& app, const Request& req, const Visitor& v, const VisitorChoices& asked,
                       privacy::ConsentSource source) {
  Outcome out;
  out.effective = privacy::ApplySignals(asked, v.signals);
  const VisitorChoices& c = out.effective.choices;
  privacy::VisitorConsent consent(app.consents, app.policy_version);
  if (privacy::AllowsAnonymousId(c)) out.aid = v.aid ? *v.aid : privacy::NewAnonymousId();

  // An id the choice drops loses every consent given under it.
  if (v.aid && out.aid != v.aid) {
    RETURN_IF_ERROR(consent.Record(privacy::AnonymousSubject(*v.aid), VisitorChoices{}, source));
  }
  if (out.aid) {
    RETURN_IF_ERROR(consent.Record(privacy::AnonymousSubject(*out.aid), c, source));
    out.subject_kind = "anonymous_id";
  }
  if (v.account) {
    RETURN_IF_ERROR(consent.Record(*v.account, c, source));
    out.subject_kind = "account";
  }

  out.set_cookies.push_back(CookieHeader(
      req, kChoiceCookie, EncodeRemembered(c, app.policy_version), kConsentCookieMaxAge));
  out.set_cookies.push_back(
      out.aid ? CookieHeader(req, kAnonymousIdCookie, *out.aid, kConsentCookieMaxAge)
              : CookieHeader(req, kAnonymousIdCookie, "", 0));
  return out;
}

// The visitor's current choices: the ledger of the account or the anonymous id,
// else the remembered choice; capped by the signals of this request.
struct Current {
  VisitorChoices choices;
  bool chosen = false;
  std::vector<privacy::ConsentRecord> history;
};

Result<Current> CurrentOf(App& app, const Visitor& v) {
  Current cur;
  std::optional<std::string> subject;
  if (v.account) {
    subject = v.account;
  } else if (v.aid) {
    subject = privacy::AnonymousSubject(*v.aid);
  }
  if (subject) {
    privacy::VisitorConsent consent(app.consents, app.policy_version);
    ASSIGN_OR_RETURN(cur.choices, consent.Current(*subject));
    ASSIGN_OR_RETURN(cur.history, app.consents.History(*subject));
    for (const auto& rec : cur.history) {
      for (privacy::Purpose p : privacy::ChoosablePurposes()) cur.chosen |= rec.purpose == p;
    }
  } else if (v.remembered) {
    cur.choices = *v.remembered;
  }
  cur.chosen |= v.remembered.has_value();
  cur.choices = privacy::CapBySignals(cur.choices, v.signals);
  return cur;
}

json::object ChoicesJson(const VisitorChoices& c) {
  return json::object{{"necessary", true},
                      {"statistics", c.statistics},
                      {"personalization", c.personalization},
                      {"promotion", c.promotion}};
}

json::object SignalsJson(const privacy::PrivacySignals& s) {
  return json::object{{"gpc", s.gpc}, {"dnt", s.dnt}};
}

// ---- JSON API --------------------------------------------------------------------

Response JsonOf(int status, const json::value& v) {
  return Response::Json(status, json::serialize(v));
}

Response PostConsent(App& app, Request& req) {
  if (req.body.size() > kMaxConsentBody) {
    return Response::Error(
        413, "body_too_large",
        "a consent body is at most " + std::to_string(kMaxConsentBody) + " bytes");
  }
  Visitor v = VisitorOf(app, req);
  if (Status s = csrf::CheckApi(req, v.cookie_authenticated); !s.ok()) return StatusResponse(s);
  auto parsed = privacy::ParseChoiceBody(req.body);
  if (!parsed.ok()) return StatusResponse(parsed.status());
  auto [asked, source] = *parsed;
  auto outcome = Choose(app, req, v, asked, source);
  if (!outcome.ok()) return StatusResponse(outcome.status());

  json::object body = ChoicesJson(outcome->effective.choices);
  body["anonymous_id"] = outcome->aid.has_value();
  body["policy_version"] = app.policy_version;
  body["source"] = privacy::ConsentSourceName(source);
  body["recorded_for"] =
      outcome->subject_kind.empty() ? json::value(nullptr) : json::value(outcome->subject_kind);
  json::array refused;
  for (const auto& p : outcome->effective.refused) refused.push_back(json::value(p));
  body["refused"] = std::move(refused);
  body["refused_by"] = outcome->effective.refused.empty() ? json::value(nullptr)
                                                          : json::value(SignalName(v.signals));
  body["signals"] = SignalsJson(v.signals);
  Response res = JsonOf(200, body);
  for (auto& c : outcome->set_cookies) res.With("Set-Cookie", std::move(c));
  return res.With("Cache-Control", "no-store");
}

Response GetConsent(App& app, Request& req) {
  Visitor v = VisitorOf(app, req);
  auto cur = CurrentOf(app, v);
  if (!cur.ok()) return StatusResponse(cur.status());
  json::object body = ChoicesJson(cur->choices);
  body["chosen"] = cur->chosen;
  body["anonymous_id"] = v.aid.has_value();
  body["policy_version"] = app.policy_version;
  body["signals"] = SignalsJson(v.signals);
  if (v.signals.Any()) {
    body["refused_by"] = SignalName(v.signals);
  } else {
    body["refused_by"] = nullptr;
  }
  json::array history;
  for (const auto& rec : cur->history) {
    json::object h{{"purpose", privacy::PurposeName(rec.purpose)},
                   {"policy_version", rec.policy_version},
                   {"source", rec.source},
                   {"given_at", rec.given_at}};
    h["withdrawn_at"] = rec.withdrawn_at ? json::value(*rec.withdrawn_at) : json::value(nullptr);
    history.push_back(std::move(h));
  }
  body["history"] = std::move(history);
  return JsonOf(200, body).With("Cache-Control", "no-store");
}

// The anonymous id, for platform widgets on partner pages, only with the promotion
// and partners consent and no refusal signal; never creates or refreshes the id.
Response PartnerEmbed(App& app, Request& req) {
  Visitor v = VisitorOf(app, req, /*with_account=*/false);
  json::value aid = nullptr;
  if (v.aid && !v.signals.Any()) {
    privacy::VisitorConsent consent(app.consents, app.policy_version);
    auto cur = consent.Current(privacy::AnonymousSubject(*v.aid));
    if (!cur.ok()) return StatusResponse(cur.status());
    if (cur->promotion) aid = json::value(*v.aid);
  }
  return JsonOf(200, json::object{{"aid", aid}})
      .With("Cache-Control", "no-store")
      .With("Vary", "Cookie, Sec-GPC, DNT");
}

// ---- Pages -----------------------------------------------------------------------

// An application/x-www-form-urlencoded body; a malformed one reads as empty.
std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  auto parsed = boost::urls::parse_query(body);
  if (!parsed) return out;
  boost::urls::encoding_opts opt;
  opt.space_as_plus = true;
  for (auto p : *parsed) {
    std::string key = p.key.decode(opt);
    if (!out.count(key)) out[key] = p.has_value ? p.value.decode(opt) : std::string();
  }
  return out;
}

// A page of this site to go back to (redirect_target.h); anything else becomes
// the home page.
std::string SafeBack(std::string_view next) { return SafeRedirectTarget(next).value_or("/"); }

// POST /consent: the banner and the settings page, without JavaScript.
Response PostConsentForm(App& app, Request& req) {
  if (req.body.size() > kMaxConsentBody) {
    return Response::Error(413, "body_too_large", "the form is too large");
  }
  auto form = ParseForm(req.body);
  if (Status s = csrf::CheckForm(req, form["csrf"]); !s.ok()) return StatusResponse(s);
  VisitorChoices asked;
  if (form["choice"] != "necessary") {
    asked.statistics = form.count("statistics") > 0;
    asked.personalization = form.count("personalization") > 0;
    asked.promotion = form.count("promotion") > 0;
  }
  const privacy::ConsentSource source = form["source"] == "banner"
                                            ? privacy::ConsentSource::kBanner
                                            : privacy::ConsentSource::kSettings;
  Visitor v = VisitorOf(app, req);
  auto outcome = Choose(app, req, v, asked, source);
  if (!outcome.ok()) return StatusResponse(outcome.status());
  std::string back = SafeBack(form["next"]);
  if (source == privacy::ConsentSource::kSettings) back = std::string(kSettingsPath) + "?saved=1";
  Response res = Response::Text(303, "", "text/plain; charset=utf-8").With("Location", back);
  for (auto& c : outcome->set_cookies) res.With("Set-Cookie", std::move(c));
  return res;
}

// GET /privacy/cookies: the current choices, to change at any time.
Response CookieSettingsPage(App& app, Request& req) {
  Visitor v = VisitorOf(app, req);
  auto cur = CurrentOf(app, v);
  if (!cur.ok()) return StatusResponse(cur.status());
  csrf::Token token = csrf::EnsureToken(req);
  json::object data{{"csrf", token.value},
                    {"statistics", cur->choices.statistics},
                    {"personalization", cur->choices.personalization},
                    {"promotion", cur->choices.promotion},
                    {"signal", v.signals.Any()},
                    {"signal_name", SignalName(v.signals)},
                    {"saved", req.QueryValue("saved").has_value()},
                    {"policy_version", app.policy_version}};
  Response res = RenderPage(req, "cookies", "cookies_title", std::move(data));
  if (token.fresh) res.With("Set-Cookie", csrf::SetCookie(req, token.value));
  return res.With("Cache-Control", "no-store");
}

}  // namespace

std::optional<VisitorChoices> RememberedChoices(const Request& req) {
  auto c = req.CookieValue(kChoiceCookie);
  if (!c) return std::nullopt;
  auto r = DecodeRemembered(*c);
  if (!r) return std::nullopt;
  return r->choices;
}

std::string CountingId(const Request& req) {
  auto aid = req.CookieValue(kAnonymousIdCookie);
  if (!aid || !privacy::WellFormedAnonymousId(*aid)) return {};
  auto chosen = RememberedChoices(req);
  return chosen && chosen->statistics ? *aid : std::string();
}

std::string AddConsentBanner(const Request& req, json::object& data) {
  if (req.path == kSettingsPath) return "";
  // C0.1, C6.1: a choice made under an older policy version is asked again.
  if (auto c = req.CookieValue(kChoiceCookie)) {
    const std::shared_ptr<const std::string> current = banner_policy_version.load();
    if (auto r = DecodeRemembered(*c); r && current && r->policy_version == *current) return "";
  }
  std::string set_cookie;
  if (!data.contains("csrf")) {
    csrf::Token token = csrf::EnsureToken(req);
    data["csrf"] = token.value;
    if (token.fresh) set_cookie = csrf::SetCookie(req, token.value);
  }
  // Rendered here, so the layout only places it: {{{consent_banner}}}.
  auto text = FindAsset("templates/consent_banner.mustache");
  if (!text) return set_cookie;
  mu::data t{mu::data::type::object};
  for (const auto& [k, v] : Messages(PickLanguage(req))) t.set(k, v);
  mu::data d{mu::data::type::object};
  d.set("t", t);
  d.set("csrf", std::string(data["csrf"].as_string()));
  d.set("next", SafeBack(req.target));
  mu::mustache tmpl{std::string(*text)};
  if (!tmpl.is_valid()) return set_cookie;
  data["consent_banner"] = tmpl.render(d);
  return set_cookie;
}

void AddConsentRoutes(Router& r, App& app) {
  banner_policy_version.store(std::make_shared<const std::string>(app.policy_version));
  r.Add("GET", "/api/v1/consent", [&app](Request& req) { return GetConsent(app, req); });
  r.Add("POST", "/api/v1/consent", [&app](Request& req) { return PostConsent(app, req); });
  r.Add("GET", "/api/v1/partner-embed", [&app](Request& req) { return PartnerEmbed(app, req); });
  r.Add("POST", "/consent", [&app](Request& req) { return PostConsentForm(app, req); });
  r.Add("GET", std::string(kSettingsPath),
        [&app](Request& req) { return CookieSettingsPage(app, req); });
}

}  // namespace yz::web
