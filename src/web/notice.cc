#include "web/notice.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "privacy/inventory.h"
#include "web/assets.h"
#include "web/i18n.h"
#include "web/pages.h"

namespace yz::web {
namespace {

using privacy::Category;
using privacy::FieldSpec;
using privacy::Inventory;
using privacy::Purpose;

// The shipped inventory, parsed once. Its text is embedded next to the templates,
// so the notice always describes the inventory this binary enforces.
const Result<Inventory>& Shipped() {
  static const Result<Inventory> inventory = []() -> Result<Inventory> {
    auto text = FindAsset("policy/inventory.toml");
    if (!text) return NotFound("policy/inventory.toml is not embedded in the binary");
    return Inventory::Parse(*text, "policy/inventory.toml");
  }();
  return inventory;
}

using Messages_t = std::map<std::string, std::string>;

// The message `key`, or the key itself so a missing translation is visible, not blank.
std::string Msg(const Messages_t& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? key : it->second;
}

// Replaces every "{name}" in `text` with `value`.
std::string Fill(std::string text, std::string_view name, std::string_view value) {
  std::string token = "{" + std::string(name) + "}";
  for (auto pos = text.find(token); pos != std::string::npos;
       pos = text.find(token, pos + value.size())) {
    text.replace(pos, token.size(), value);
  }
  return text;
}

std::string Join(const std::vector<std::string>& parts, Lang lang) {
  std::string_view sep = lang == Lang::kZhCN ? "、" : ", ";
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string Purposes(const std::vector<Purpose>& ps, const Messages_t& m, Lang lang) {
  std::vector<std::string> names;
  for (Purpose p : ps) names.push_back(Msg(m, "purpose_" + std::string(privacy::PurposeName(p))));
  return Join(names, lang);
}

// "7 天" / "7 days": the largest unit that divides the period exactly.
std::string Duration(std::chrono::seconds d, const Messages_t& m) {
  struct Unit { std::int64_t seconds; const char* one; const char* many; };
  static constexpr std::array<Unit, 4> kUnits{{{86400, "retention_day", "retention_days"},
                                              {3600, "retention_hour", "retention_hours"},
                                              {60, "retention_minute", "retention_minutes"},
                                              {1, "retention_second", "retention_seconds"}}};
  std::int64_t s = d.count();
  for (const Unit& u : kUnits) {
    if (s % u.seconds != 0) continue;
    std::int64_t n = s / u.seconds;
    return Fill(Msg(m, n == 1 ? u.one : u.many), "n", std::to_string(n));
  }
  return std::to_string(s);  // unreachable: every count divides by 1
}

std::string RetentionText(const privacy::Retention& r, const Messages_t& m) {
  if (!r.after_account_end) return Duration(r.duration, m);
  if (r.duration.count() == 0) return Msg(m, "retention_account");
  return Fill(Msg(m, "retention_account_plus"), "d", Duration(r.duration, m));
}

std::string Description(const FieldSpec& f, Lang lang) {
  return lang == Lang::kZhCN ? f.description_zh : f.description_en;
}

std::string RecipientName(const privacy::Recipient& r, Lang lang) {
  return lang == Lang::kZhCN ? r.name_zh : r.name_en;
}

boost::json::object FieldRow(const Inventory& inv, const FieldSpec& f, const Messages_t& m,
                             Lang lang) {
  boost::json::object row;
  row["id"] = f.id;
  row["description"] = Description(f, lang);
  row["purposes"] = Purposes(f.purposes, m, lang);
  row["protection"] = Msg(m, "protection_" + std::string(privacy::ProtectionName(f.protection)));
  row["retention"] = RetentionText(f.retention, m);
  if (f.sensitive) {
    row["sensitive"] = Msg(m, "notice_yes");
  } else if (f.sensitive_below_age) {
    row["sensitive"] = Fill(Msg(m, "notice_sensitive_below_age"), "age",
                            std::to_string(*f.sensitive_below_age));
  } else {
    row["sensitive"] = Msg(m, "notice_no");
  }
  row["consent"] = f.consent_purposes.empty() ? Msg(m, "notice_consent_none")
                                              : Purposes(f.consent_purposes, m, lang);
  std::vector<std::string> names;
  for (const auto& id : f.recipients) {
    const privacy::Recipient* r = inv.FindRecipient(id);
    names.push_back(r ? RecipientName(*r, lang) : id);
  }
  row["recipients"] = names.empty() ? Msg(m, "notice_recipients_none") : Join(names, lang);
  return row;
}

boost::json::object NoticeData(const Inventory& inv, Lang lang) {
  const Messages_t& m = Messages(lang);
  boost::json::object data;
  const auto& meta = inv.meta();
  data["controller"] = lang == Lang::kZhCN ? meta.controller_zh : meta.controller_en;
  data["contact"] = meta.contact;
  data["version"] = meta.version;
  data["sha256"] = inv.Hash();
  data["generated"] = Fill(Fill(Msg(m, "notice_generated"), "version", meta.version), "sha256",
                           inv.Hash());

  boost::json::array categories;
  for (Category c : {Category::kRegistration, Category::kLog, Category::kDevice,
                     Category::kCookie, Category::kConsent, Category::kSession}) {
    std::string name(privacy::CategoryName(c));
    boost::json::array rows;
    for (const FieldSpec& f : inv.fields()) {
      if (f.category == c) rows.push_back(FieldRow(inv, f, m, lang));
    }
    if (rows.empty()) continue;
    boost::json::object cat;
    cat["id"] = name;
    cat["heading"] = Msg(m, "category_" + name);
    cat["intro"] = Msg(m, "category_" + name + "_text");
    cat["fields"] = std::move(rows);
    categories.push_back(std::move(cat));
  }
  data["categories"] = std::move(categories);

  boost::json::array recipients;
  for (const auto& r : inv.recipients()) {
    boost::json::object row;
    row["name"] = RecipientName(r, lang);
    row["contact"] = r.contact;
    row["purpose"] = r.purpose;
    std::vector<std::string> fields;
    for (const auto& id : r.categories) {
      const FieldSpec* f = inv.Find(id);
      fields.push_back(f ? Description(*f, lang) : id);
    }
    row["fields"] = Join(fields, lang);
    recipients.push_back(std::move(row));
  }
  data["has_recipients"] = !recipients.empty();
  data["recipients"] = std::move(recipients);
  return data;
}

}  // namespace

Response PrivacyNotice(const Request& req) {
  const Result<Inventory>& inv = Shipped();
  if (!inv.ok()) {
    return Response::Error(500, "internal", "the shipped data inventory is invalid");
  }
  return RenderPage(req, "privacy", "notice_title", NoticeData(*inv, PickLanguage(req)));
}

}  // namespace yz::web
