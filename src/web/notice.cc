#include "web/notice.h"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "privacy/inventory.h"
#include "privacy/inventory_diff.h"
#include "web/assets.h"
#include "web/i18n.h"
#include "web/pages.h"

namespace yz::web {
namespace {

using privacy::Category;
using privacy::FieldSpec;
using privacy::Inventory;
using privacy::NoticeVersion;
using privacy::NoticeVersions;
using privacy::Purpose;

using Messages_t = std::map<std::string, std::string>;

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
  struct Unit {
    std::int64_t seconds;
    const char* one;
    const char* many;
  };
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
    row["sensitive"] =
        Fill(Msg(m, "notice_sensitive_below_age"), "age", std::to_string(*f.sensitive_below_age));
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
  data["generated"] =
      Fill(Fill(Msg(m, "notice_generated"), "version", meta.version), "sha256", inv.Hash());

  boost::json::array categories;
  for (Category c : {Category::kRegistration, Category::kLog, Category::kDevice, Category::kCookie,
                     Category::kConsent, Category::kSession}) {
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

// ---- Published versions -------------------------------------------------------

// The inventory of a published version, parsed once. Keyed by the version's
// SHA-256, which names its texts exactly, so an entry can never be stale.
Result<std::shared_ptr<const Inventory>> ParsedInventory(const NoticeVersion& v) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Inventory>> parsed;  // guarded by mu
  {
    std::lock_guard lock(mu);
    if (auto it = parsed.find(v.sha256); it != parsed.end()) return it->second;
  }
  // Parsed outside the lock: two requests may both parse a new version once; either
  // result is the same, and readers of other versions never wait on a parse.
  auto inv = Inventory::Parse(v.inventory, "notice version " + std::to_string(v.number));
  if (!inv.ok()) {
    // Publish validated it, so this is a defect (or a hand-edited row): never show it.
    return Internal("published notice version " + std::to_string(v.number) +
                    " does not parse: " + inv.status().message());
  }
  auto shared = std::make_shared<const Inventory>(std::move(inv).value());
  std::lock_guard lock(mu);
  return parsed.try_emplace(v.sha256, std::move(shared)).first->second;
}

std::string VersionUrl(std::int64_t n) { return "/privacy/versions/" + std::to_string(n); }
std::string DiffUrl(std::int64_t from, std::int64_t to) {
  return VersionUrl(from) + "/diff/" + std::to_string(to);
}

// A version number from the URL: a positive decimal integer, nothing else.
Result<std::int64_t> VersionNumber(std::string_view text) {
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (text.empty() || ec != std::errc() || ptr != end || n <= 0) {
    return InvalidArgument("a notice version is a positive whole number, not \"" +
                           std::string(text.substr(0, 32)) + "\"");
  }
  return n;
}

// The version in force. Serve publishes version 1 on first start, so Unavailable
// means the database was emptied behind the server's back.
Result<NoticeVersion> LatestVersion(NoticeVersions& versions) {
  ASSIGN_OR_RETURN(std::optional<NoticeVersion> latest, versions.Latest());
  if (!latest) {
    return Unavailable("no privacy notice is published yet; run `yzcloud policy publish`");
  }
  return *std::move(latest);
}

// The notice of version `v`, rendered with its own statement template. `latest` is
// the newest number, so an older version says that it has been replaced.
Response RenderVersion(const Request& req, const NoticeVersion& v, std::int64_t latest) {
  auto inv = ParsedInventory(v);
  if (!inv.ok()) return Response::FromStatus(inv.status());
  const Lang lang = PickLanguage(req);
  const Messages_t& m = Messages(lang);
  boost::json::object data = NoticeData(**inv, lang);
  const std::string number = std::to_string(v.number);
  data["published_number"] = number;
  data["published_date"] = UtcText(v.published_at);
  data["published_iso"] = UtcIso(v.published_at);
  data["published_sha256"] = v.sha256;
  data["published_line"] = Fill(
      Fill(Fill(Msg(m, "notice_published_line"), "n", number), "date", UtcText(v.published_at)),
      "sha256", v.sha256);
  data["versions_url"] = "/privacy/versions";
  data["superseded"] = v.number < latest;
  data["superseded_text"] =
      Fill(Fill(Msg(m, "notice_superseded"), "n", number), "latest", std::to_string(latest));
  return RenderPageText(req, v.statement, "notice_title", std::move(data));
}

boost::json::object VersionSummaryJson(const NoticeVersion& v) {
  boost::json::object o;
  o["number"] = v.number;
  o["published_at"] = v.published_at;
  o["published"] = UtcIso(v.published_at);
  o["sha256"] = v.sha256;
  o["source"] = v.source;
  o["url"] = VersionUrl(v.number);
  return o;
}

boost::json::array Strings(const std::vector<std::string>& xs) {
  boost::json::array a;
  for (const auto& x : xs) a.emplace_back(x);
  return a;
}

boost::json::array ChangesJson(const std::vector<privacy::AttributeChange>& changes) {
  boost::json::array a;
  for (const auto& c : changes) {
    a.push_back(
        boost::json::object{{"attribute", c.attribute}, {"before", c.before}, {"after", c.after}});
  }
  return a;
}

boost::json::array EntriesJson(const std::vector<privacy::EntryChange>& entries) {
  boost::json::array a;
  for (const auto& e : entries) {
    a.push_back(boost::json::object{{"id", e.id}, {"changes", ChangesJson(e.changes)}});
  }
  return a;
}

// Both versions of a diff request, parsed: from the {a} and {b} path segments.
struct DiffInput {
  NoticeVersion from, to;
  privacy::InventoryDiff diff;
};

Result<DiffInput> LoadDiff(NoticeVersions& versions, const Request& req) {
  ASSIGN_OR_RETURN(std::int64_t a, VersionNumber(req.Param("a")));
  ASSIGN_OR_RETURN(std::int64_t b, VersionNumber(req.Param("b")));
  DiffInput in;
  ASSIGN_OR_RETURN(in.from, versions.Get(a));
  ASSIGN_OR_RETURN(in.to, versions.Get(b));
  ASSIGN_OR_RETURN(auto before, ParsedInventory(in.from));
  ASSIGN_OR_RETURN(auto after, ParsedInventory(in.to));
  in.diff = privacy::DiffNotices(*before, in.from.statement, *after, in.to.statement);
  return in;
}

// Rows for the diff page's change tables: one per changed attribute, labelled in
// the reader's language; empty values read as "(none)" rather than a blank cell.
boost::json::array ChangeRows(const std::string& id, const std::string& label,
                              const std::vector<privacy::AttributeChange>& changes,
                              const Messages_t& m) {
  boost::json::array rows;
  for (const auto& c : changes) {
    rows.push_back(
        boost::json::object{{"id", id},
                            {"entry", label},
                            {"attribute", c.attribute},
                            {"attribute_label", Msg(m, "diff_attr_" + c.attribute)},
                            {"before", c.before.empty() ? Msg(m, "diff_empty_value") : c.before},
                            {"after", c.after.empty() ? Msg(m, "diff_empty_value") : c.after}});
  }
  return rows;
}

void Append(boost::json::array& to, boost::json::array rows) {
  for (auto& r : rows) to.push_back(std::move(r));
}

boost::json::array FieldList(const std::vector<std::string>& ids, const Inventory& inv, Lang lang) {
  boost::json::array a;
  for (const auto& id : ids) {
    const FieldSpec* f = inv.Find(id);
    a.push_back(boost::json::object{{"id", id}, {"label", f ? Description(*f, lang) : id}});
  }
  return a;
}

boost::json::array RecipientList(const std::vector<std::string>& ids, const Inventory& inv,
                                 Lang lang) {
  boost::json::array a;
  for (const auto& id : ids) {
    const privacy::Recipient* r = inv.FindRecipient(id);
    a.push_back(boost::json::object{{"id", id}, {"label", r ? RecipientName(*r, lang) : id}});
  }
  return a;
}

boost::json::object DiffPageData(const DiffInput& in, const Inventory& before,
                                 const Inventory& after, Lang lang) {
  const Messages_t& m = Messages(lang);
  const auto& d = in.diff;
  boost::json::object data;
  const std::string from = std::to_string(in.from.number), to = std::to_string(in.to.number);
  data["heading"] = Fill(Fill(Msg(m, "diff_heading"), "from", from), "to", to);
  data["from_url"] = VersionUrl(in.from.number);
  data["to_url"] = VersionUrl(in.to.number);
  data["from_label"] = Fill(Msg(m, "versions_read"), "n", from);
  data["to_label"] = Fill(Msg(m, "versions_read"), "n", to);
  data["unchanged"] = d.empty();

  data["fields_added"] = FieldList(d.fields_added, after, lang);
  data["has_fields_added"] = !d.fields_added.empty();
  data["fields_removed"] = FieldList(d.fields_removed, before, lang);
  data["has_fields_removed"] = !d.fields_removed.empty();
  data["recipients_added"] = RecipientList(d.recipients_added, after, lang);
  data["has_recipients_added"] = !d.recipients_added.empty();
  data["recipients_removed"] = RecipientList(d.recipients_removed, before, lang);
  data["has_recipients_removed"] = !d.recipients_removed.empty();

  boost::json::array changes;
  for (const auto& e : d.fields_changed) {
    const FieldSpec* f = after.Find(e.id);
    Append(changes, ChangeRows(e.id, f ? Description(*f, lang) : e.id, e.changes, m));
  }
  for (const auto& e : d.recipients_changed) {
    const privacy::Recipient* r = after.FindRecipient(e.id);
    Append(changes, ChangeRows(e.id, r ? RecipientName(*r, lang) : e.id, e.changes, m));
  }
  Append(changes, ChangeRows("meta", Msg(m, "diff_meta_changed"), d.meta_changed, m));
  data["has_changes"] = !changes.empty();
  data["changes"] = std::move(changes);
  data["statement_text"] =
      Msg(m, d.statement_changed ? "diff_statement_changed" : "diff_statement_same");
  return data;
}

}  // namespace

Result<ShippedNotice> ShippedNoticeTexts() {
  auto inventory = FindAsset("policy/inventory.toml");
  auto statement = FindAsset("templates/privacy.mustache");
  if (!inventory || !statement) {
    return Internal("policy/inventory.toml or templates/privacy.mustache is not embedded");
  }
  return ShippedNotice{*inventory, *statement};
}

Response PrivacyNotice(NoticeVersions& versions, const Request& req) {
  auto latest = LatestVersion(versions);
  if (!latest.ok()) return Response::FromStatus(latest.status());
  return RenderVersion(req, *latest, latest->number);
}

Response PrivacyVersionPage(NoticeVersions& versions, const Request& req) {
  auto n = VersionNumber(req.Param("n"));
  if (!n.ok()) return Response::FromStatus(n.status());
  auto v = versions.Get(*n);
  if (!v.ok()) return Response::FromStatus(v.status());
  auto latest = LatestVersion(versions);
  if (!latest.ok()) return Response::FromStatus(latest.status());
  return RenderVersion(req, *v, latest->number);
}

Response PrivacyVersionsPage(NoticeVersions& versions, const Request& req) {
  auto all = versions.List();
  if (!all.ok()) return Response::FromStatus(all.status());
  const Lang lang = PickLanguage(req);
  const Messages_t& m = Messages(lang);
  const std::int64_t latest = all->empty() ? 0 : all->back().number;
  boost::json::array rows, options;
  for (auto it = all->rbegin(); it != all->rend(); ++it) {  // newest first
    const NoticeVersion& v = *it;
    const std::string n = std::to_string(v.number);
    boost::json::object row;
    row["number"] = n;
    row["url"] = VersionUrl(v.number);
    row["read_label"] = Fill(Msg(m, "versions_read"), "n", n);
    row["date"] = UtcText(v.published_at);
    row["iso"] = UtcIso(v.published_at);
    row["sha256"] = v.sha256;
    row["current"] = v.number == latest;
    row["has_previous"] = v.number > 1;
    row["diff_url"] = DiffUrl(v.number - 1, v.number);
    row["diff_label"] =
        Fill(Msg(m, "versions_compare_previous"), "prev", std::to_string(v.number - 1));
    rows.push_back(std::move(row));
    options.push_back(boost::json::object{{"number", n},
                                          {"from_selected", v.number == latest - 1},
                                          {"to_selected", v.number == latest}});
  }
  boost::json::object data;
  data["has_versions"] = !rows.empty();
  data["can_compare"] = rows.size() >= 2;
  data["versions"] = std::move(rows);
  data["options"] = std::move(options);
  return RenderPage(req, "privacy_versions", "versions_title", std::move(data));
}

Response PrivacyDiffPage(NoticeVersions& versions, const Request& req) {
  auto in = LoadDiff(versions, req);
  if (!in.ok()) return Response::FromStatus(in.status());
  auto before = ParsedInventory(in->from);
  auto after = ParsedInventory(in->to);
  if (!before.ok() || !after.ok()) {
    return Response::FromStatus(before.ok() ? after.status() : before.status());
  }
  return RenderPage(req, "privacy_diff", "diff_title",
                    DiffPageData(*in, **before, **after, PickLanguage(req)));
}

Response PrivacyCompareRedirect(const Request& req) {
  std::string from = req.QueryValue("from").value_or("");
  std::string to = req.QueryValue("to").value_or("");
  auto a = VersionNumber(from);
  if (!a.ok()) return Response::FromStatus(a.status());
  auto b = VersionNumber(to);
  if (!b.ok()) return Response::FromStatus(b.status());
  // The diff lives at a path so that the language switch (?lang=) keeps it.
  std::string location = DiffUrl(*a, *b);
  if (auto lang = req.QueryValue("lang"); lang && ParseLang(*lang)) {
    location += "?lang=" + std::string(LangTag(*ParseLang(*lang)));
  }
  return Response::Text(303, "", "text/plain; charset=utf-8").With("Location", location);
}

Response PrivacyVersionsJson(NoticeVersions& versions) {
  auto all = versions.List();
  if (!all.ok()) return Response::FromStatus(all.status());
  boost::json::array list;
  for (const NoticeVersion& v : *all) list.push_back(VersionSummaryJson(v));
  boost::json::object o;
  o["latest"] = all->empty() ? boost::json::value(nullptr) : boost::json::value(all->back().number);
  o["versions"] = std::move(list);
  return Response::Json(200, boost::json::serialize(o));
}

Response PrivacyVersionJson(NoticeVersions& versions, const Request& req) {
  auto n = VersionNumber(req.Param("n"));
  if (!n.ok()) return Response::FromStatus(n.status());
  auto v = versions.Get(*n);
  if (!v.ok()) return Response::FromStatus(v.status());
  auto inv = ParsedInventory(*v);
  if (!inv.ok()) return Response::FromStatus(inv.status());
  boost::json::object o = VersionSummaryJson(*v);
  o["inventory_version"] = (*inv)->meta().version;
  o["inventory_sha256"] = (*inv)->Hash();
  o["inventory"] = v->inventory;
  o["statement"] = v->statement;
  return Response::Json(200, boost::json::serialize(o));
}

Response PrivacyDiffJson(NoticeVersions& versions, const Request& req) {
  auto in = LoadDiff(versions, req);
  if (!in.ok()) return Response::FromStatus(in.status());
  const auto& d = in->diff;
  boost::json::object o;
  o["from"] = in->from.number;
  o["to"] = in->to.number;
  o["unchanged"] = d.empty();
  o["fields_added"] = Strings(d.fields_added);
  o["fields_removed"] = Strings(d.fields_removed);
  o["fields_changed"] = EntriesJson(d.fields_changed);
  o["recipients_added"] = Strings(d.recipients_added);
  o["recipients_removed"] = Strings(d.recipients_removed);
  o["recipients_changed"] = EntriesJson(d.recipients_changed);
  o["meta_changed"] = ChangesJson(d.meta_changed);
  o["statement_changed"] = d.statement_changed;
  return Response::Json(200, boost::json::serialize(o));
}

}  // namespace yz::web
