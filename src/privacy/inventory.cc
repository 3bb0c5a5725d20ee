#include "privacy/inventory.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "core/toml.h"

namespace yz::privacy {
namespace {

constexpr std::array<std::pair<Purpose, std::string_view>, 8> kPurposes = {{
    {Purpose::kService, "service"},
    {Purpose::kSecurity, "security"},
    {Purpose::kPersonalization, "personalization"},
    {Purpose::kPromotion, "promotion"},
    {Purpose::kStatistics, "statistics"},
    {Purpose::kPartner, "partner"},
    {Purpose::kLegal, "legal"},
    {Purpose::kResearch, "research"},
}};

constexpr std::array<std::pair<Protection, std::string_view>, 7> kProtections = {{
    {Protection::kEncrypt, "encrypt"},
    {Protection::kBlindIndexEncrypt, "blind_index_encrypt"},
    {Protection::kPseudonymize, "pseudonymize"},
    {Protection::kTruncate, "truncate"},
    {Protection::kCoarsen, "coarsen"},
    {Protection::kDrop, "drop"},
    {Protection::kHash, "hash"},
}};

constexpr std::array<std::pair<Category, std::string_view>, 6> kCategories = {{
    {Category::kRegistration, "registration"},
    {Category::kLog, "log"},
    {Category::kDevice, "device"},
    {Category::kCookie, "cookie"},
    {Category::kConsent, "consent"},
    {Category::kSession, "session"},
}};

template <typename E, std::size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [v, name] : table) {
    if (v == e) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> ValueOf(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

template <typename E, std::size_t N>
std::string ListOf(const std::array<std::pair<E, std::string_view>, N>& table) {
  std::string out;
  for (const auto& [v, n] : table) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

bool Contains(const std::vector<Purpose>& v, Purpose p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

// "requirement" must name a POLICY.md clause: C<digits>.<digits>.
bool IsRequirement(std::string_view s) {
  if (s.size() < 4 || s[0] != 'C') return false;
  auto dot = s.find('.');
  if (dot == std::string_view::npos || dot == 1 || dot + 1 == s.size()) return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

// "category.name": two or more dot-separated snake_case segments.
bool IsFieldId(std::string_view s) {
  int segments = 0;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view seg = s.substr(start, end - start);
    if (seg.empty() || seg[0] < 'a' || seg[0] > 'z') return false;
    for (char c : seg) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    ++segments;
    start = end + 1;
  }
  return segments >= 2;
}

bool IsSnakeCase(std::string_view s) {
  if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Collects every problem so one run of the loader shows them all.
class Diagnostics {
 public:
  explicit Diagnostics(std::string source) : source_(std::move(source)) {}

  void Add(int line, std::string_view where, std::string_view key, std::string_view problem) {
    std::string msg = source_ + ":" + std::to_string(line) + ": ";
    if (!where.empty()) msg.append(where).append(": ");
    if (!key.empty()) msg.append(key).append(": ");
    msg.append(problem);
    items_.push_back({line, std::move(msg)});
  }
  bool empty() const { return items_.empty(); }

  // One line per problem, in file order.
  std::string Message() {
    std::stable_sort(items_.begin(), items_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out;
    for (const auto& [line, msg] : items_) {
      if (!out.empty()) out += '\n';
      out += msg;
    }
    return out;
  }

 private:
  std::string source_;
  std::vector<std::pair<int, std::string>> items_;
};

// Reads typed keys from one table, reporting missing, mistyped and unknown keys.
class TableReader {
 public:
  TableReader(const toml::table& t, int line, std::string where, Diagnostics& d)
      : t_(t), line_(line), where_(std::move(where)), d_(d) {}

  void set_where(std::string where) { where_ = std::move(where); }
  const std::string& where() const { return where_; }
  int line() const { return line_; }
  Diagnostics& diag() { return d_; }

  // Line of `key`'s value, or of the table when absent.
  int LineOfKey(std::string_view key) const {
    const toml::node* n = t_.get(key);
    return n ? LineOf(*n) : line_;
  }

  void Error(std::string_view key, std::string_view problem) {
    d_.Add(LineOfKey(key), where_, key, problem);
  }
  void ErrorAt(int line, std::string_view key, std::string_view problem) {
    d_.Add(line, where_, key, problem);
  }

  const toml::node* Node(std::string_view key, bool required) {
    known_.insert(std::string(key));
    const toml::node* n = t_.get(key);
    if (!n && required) d_.Add(line_, where_, key, "missing required key");
    return n;
  }

  std::optional<std::string> String(std::string_view key, bool required = true) {
    const toml::node* n = Node(key, required);
    if (!n) return std::nullopt;
    if (!n->is_string()) {
      Error(key, "must be a string, got " + std::string(TypeName(*n)));
      return std::nullopt;
    }
    std::string v = n->value<std::string>().value();
    if (v.empty()) {
      Error(key, "must not be empty");
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> Bool(std::string_view key) {
    const toml::node* n = Node(key, true);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      Error(key, "must be a boolean, got " + std::string(TypeName(*n)));
      return std::nullopt;
    }
    return n->value<bool>().value();
  }

  // Each string element with its line; nullopt when absent or mistyped.
  std::optional<std::vector<std::pair<std::string, int>>> Strings(std::string_view key) {
    const toml::node* n = Node(key, true);
    if (!n) return std::nullopt;
    const toml::array* arr = n->as_array();
    if (!arr) {
      Error(key, "must be an array of strings, got " + std::string(TypeName(*n)));
      return std::nullopt;
    }
    std::vector<std::pair<std::string, int>> out;
    bool ok = true;
    for (const toml::node& item : *arr) {
      if (!item.is_string()) {
        ErrorAt(LineOf(item), key,
                "must be an array of strings, found " + std::string(TypeName(item)));
        ok = false;
        continue;
      }
      out.emplace_back(item.value<std::string>().value(), LineOf(item));
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // Purposes from a string array; unknown names and repeats are reported.
  std::optional<std::vector<std::pair<Purpose, int>>> Purposes(std::string_view key) {
    auto names = Strings(key);
    if (!names) return std::nullopt;
    std::vector<std::pair<Purpose, int>> out;
    bool ok = true;
    for (const auto& [name, line] : *names) {
      auto p = ParsePurpose(name);
      if (!p) {
        ErrorAt(line, key,
                "unknown purpose '" + name + "' (expected one of " + ListOf(kPurposes) + ")");
        ok = false;
      } else if (std::any_of(out.begin(), out.end(), [&](auto& e) { return e.first == *p; })) {
        ErrorAt(line, key, "purpose '" + name + "' listed twice");
      } else {
        out.emplace_back(*p, line);
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  void ReportUnknownKeys() {
    for (auto&& [k, v] : t_) {
      if (!known_.contains(std::string(k.str()))) {
        d_.Add(LineOf(v), where_, k.str(), "unknown key");
      }
    }
  }

 private:
  const toml::table& t_;
  int line_;
  std::string where_;
  Diagnostics& d_;
  std::set<std::string> known_;
};

// Line numbers of list elements that cross-checks point back to.
struct FieldLines {
  std::vector<std::pair<std::string, int>> recipients;
  int recipients_key = 0;
  int purposes_key = 0;
  std::string where;
};

std::optional<FieldSpec> ReadField(const toml::table& t, std::size_t index, Diagnostics& d,
                                   FieldLines& lines) {
  const int line = LineOf(t);
  const std::string prefix = "field[" + std::to_string(index) + "]";
  TableReader r(t, line, prefix + " (?)", d);
  FieldSpec f;
  f.line = line;
  bool ok = true;

  // The id goes first: it names the field in every later message.
  if (auto id = r.String("id")) {
    r.set_where(prefix + " (" + *id + ")");
    if (!IsFieldId(*id)) {
      r.Error("id", "must be 'category.name' in snake_case segments, got '" + *id + "'");
      ok = false;
    }
    f.id = *id;
  } else {
    ok = false;
  }

  if (auto req = r.String("requirement")) {
    if (!IsRequirement(*req)) {
      r.Error("requirement", "must name a POLICY.md clause like C2.1, got '" + *req + "'");
      ok = false;
    }
    f.requirement = *req;
  } else {
    ok = false;
  }

  if (auto cat = r.String("category")) {
    if (auto c = ParseCategory(*cat)) {
      f.category = *c;
    } else {
      r.Error("category",
              "unknown category '" + *cat + "' (expected one of " + ListOf(kCategories) + ")");
      ok = false;
    }
  } else {
    ok = false;
  }

  if (auto s = r.String("description_zh"))
    f.description_zh = *s;
  else
    ok = false;
  if (auto s = r.String("description_en"))
    f.description_en = *s;
  else
    ok = false;

  std::optional<std::vector<std::pair<Purpose, int>>> purposes = r.Purposes("purposes");
  if (purposes) {
    if (purposes->empty()) {
      r.Error("purposes", "must name at least one purpose");
      ok = false;
    }
    for (const auto& [p, l] : *purposes) f.purposes.push_back(p);
  } else {
    ok = false;
  }

  bool protection_known = false;
  if (auto prot = r.String("protection")) {
    if (auto p = ParseProtection(*prot)) {
      f.protection = *p;
      protection_known = true;
    } else {
      r.Error("protection",
              "unknown protection '" + *prot + "' (expected one of " + ListOf(kProtections) + ")");
      ok = false;
    }
  } else {
    ok = false;
  }

  if (auto ret = r.String("retention")) {
    Result<Retention> parsed = ParseRetention(*ret);
    if (parsed.ok()) {
      f.retention = *parsed;
    } else {
      r.Error("retention", parsed.status().message());
      ok = false;
    }
  } else {
    ok = false;
  }

  std::optional<bool> sensitive = r.Bool("sensitive");
  if (sensitive)
    f.sensitive = *sensitive;
  else
    ok = false;

  std::optional<std::vector<std::pair<Purpose, int>>> consent = r.Purposes("consent_purposes");
  if (consent) {
    for (const auto& [p, l] : *consent) {
      f.consent_purposes.push_back(p);
      if (purposes && !Contains(f.purposes, p)) {
        r.ErrorAt(l, "consent_purposes",
                  "'" + std::string(PurposeName(p)) + "' is not among the field's purposes");
        ok = false;
      }
    }
  } else {
    ok = false;
  }

  if (auto recipients = r.Strings("recipients")) {
    for (const auto& [id, l] : *recipients) f.recipients.push_back(id);
    lines.recipients = *recipients;
  } else {
    ok = false;
  }
  lines.recipients_key = r.LineOfKey("recipients");
  lines.purposes_key = r.LineOfKey("purposes");

  if (auto when = r.String("sensitive_when", /*required=*/false)) {
    std::string_view w = *when;
    int age = 0;
    bool parsed = false;
    if (w.starts_with("age<")) {
      w.remove_prefix(4);
      auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), age);
      parsed = ec == std::errc() && p == w.data() + w.size() && age >= 1 && age <= 18;
    }
    if (parsed) {
      f.sensitive_below_age = age;
    } else {
      r.Error("sensitive_when", "must be 'age<N' with N in 1..18, got '" + *when + "'");
      ok = false;
    }
  }

  // Request parameters whose values never reach a log (log.url_path).
  if (r.Node("redact_parameters", false)) {
    if (auto names = r.Strings("redact_parameters")) {
      for (const auto& [name, l] : *names) f.redact_parameters.push_back(name);
    } else {
      ok = false;
    }
  }

  // PIPL Art. 28-29: sensitive data is processed only with separate consent.
  if (sensitive && *sensitive && consent && consent->empty()) {
    r.Error("consent_purposes", "a sensitive field must name the purposes that need consent");
    ok = false;
  }
  // C3.4: statistics see pseudonymized, truncated or coarsened values, never raw ones.
  if (purposes && protection_known &&
      (f.protection == Protection::kEncrypt || f.protection == Protection::kBlindIndexEncrypt)) {
    for (const auto& [p, l] : *purposes) {
      if (p == Purpose::kStatistics) {
        r.ErrorAt(l, "purposes",
                  "statistics may not read a field protected by '" +
                      std::string(ProtectionName(f.protection)) +
                      "': statistics see only pseudonymized, truncated or coarsened values");
        ok = false;
      }
    }
  }

  r.ReportUnknownKeys();
  lines.where = r.where();
  if (!ok) return std::nullopt;
  return f;
}

std::optional<Recipient> ReadRecipient(const toml::table& t, std::size_t index, Diagnostics& d,
                                       std::vector<std::pair<std::string, int>>& category_lines,
                                       std::string& where) {
  const int line = LineOf(t);
  const std::string prefix = "recipient[" + std::to_string(index) + "]";
  TableReader r(t, line, prefix + " (?)", d);
  Recipient rec;
  rec.line = line;
  bool ok = true;
  if (auto id = r.String("id")) {
    r.set_where(prefix + " (" + *id + ")");
    if (!IsSnakeCase(*id)) {
      r.Error("id", "must be snake_case, got '" + *id + "'");
      ok = false;
    }
    rec.id = *id;
  } else {
    ok = false;
  }
  if (auto s = r.String("name_zh"))
    rec.name_zh = *s;
  else
    ok = false;
  if (auto s = r.String("name_en"))
    rec.name_en = *s;
  else
    ok = false;
  if (auto s = r.String("contact"))
    rec.contact = *s;
  else
    ok = false;
  if (auto s = r.String("purpose"))
    rec.purpose = *s;
  else
    ok = false;
  if (auto cats = r.Strings("categories")) {
    if (cats->empty()) {
      r.Error("categories", "must name the fields the recipient receives");
      ok = false;
    }
    for (const auto& [id, l] : *cats) rec.categories.push_back(id);
    category_lines = *cats;
  } else {
    ok = false;
  }
  r.ReportUnknownKeys();
  where = r.where();
  if (!ok) return std::nullopt;
  return rec;
}

void ReadMeta(const toml::table& root, Diagnostics& d, InventoryMeta& meta) {
  const toml::node* n = root.get("meta");
  if (!n) {
    d.Add(1, "meta", "", "missing required table [meta]");
    return;
  }
  const toml::table* t = n->as_table();
  if (!t) {
    d.Add(LineOf(*n), "meta", "", "must be a table, got " + std::string(TypeName(*n)));
    return;
  }
  TableReader r(*t, LineOf(*t), "meta", d);
  if (auto s = r.String("version")) meta.version = *s;
  if (auto s = r.String("controller_zh")) meta.controller_zh = *s;
  if (auto s = r.String("controller_en")) meta.controller_en = *s;
  if (auto s = r.String("contact")) meta.contact = *s;
  r.ReportUnknownKeys();
}

// The array of tables under `key`, or null (reported) when it has another shape.
const toml::array* TablesUnder(const toml::table& root, std::string_view key, Diagnostics& d) {
  const toml::node* n = root.get(key);
  if (!n) return nullptr;
  const toml::array* arr = n->as_array();
  if (!arr || !arr->is_array_of_tables()) {
    d.Add(LineOf(*n), "", key, "must be an array of tables ([[" + std::string(key) + "]])");
    return nullptr;
  }
  return arr;
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

}  // namespace

std::string_view PurposeName(Purpose p) { return NameOf(kPurposes, p); }
std::string_view ProtectionName(Protection p) { return NameOf(kProtections, p); }
std::string_view CategoryName(Category c) { return NameOf(kCategories, c); }
std::optional<Purpose> ParsePurpose(std::string_view name) { return ValueOf(kPurposes, name); }
std::optional<Protection> ParseProtection(std::string_view name) {
  return ValueOf(kProtections, name);
}
std::optional<Category> ParseCategory(std::string_view name) { return ValueOf(kCategories, name); }

Result<Retention> ParseRetention(std::string_view text) {
  const auto bad = [&] {
    return InvalidArgument("expected '<n><s|m|h|d>' or 'account+<n><s|m|h|d>', got '" +
                           std::string(text) + "'");
  };
  Retention r;
  std::string_view s = text;
  if (s == "account") return Retention{std::chrono::seconds(0), true};
  if (s.starts_with("account+")) {
    r.after_account_end = true;
    s.remove_prefix(8);
  }
  if (s.size() < 2 || s[0] < '0' || s[0] > '9') return bad();
  std::int64_t unit = 0;
  switch (s.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return bad();
  }
  std::string_view digits = s.substr(0, s.size() - 1);
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec == std::errc::result_out_of_range ||
      (ec == std::errc() && n > std::numeric_limits<std::int64_t>::max() / unit)) {
    return InvalidArgument("retention '" + std::string(text) + "' is too long");
  }
  if (ec != std::errc() || p != digits.data() + digits.size()) return bad();
  // A field kept for no time at all should say protection = "drop" instead.
  if (n == 0 && !r.after_account_end) {
    return InvalidArgument("retention must be longer than zero, got '" + std::string(text) + "'");
  }
  r.duration = std::chrono::seconds(n * unit);
  return r;
}

bool FieldSpec::Serves(Purpose p) const { return Contains(purposes, p); }
bool FieldSpec::ConsentRequiredFor(Purpose p) const { return Contains(consent_purposes, p); }
bool FieldSpec::SensitiveForAge(int age) const {
  return sensitive || (sensitive_below_age && age < *sensitive_below_age);
}

Result<Inventory> Inventory::Parse(std::string_view text, std::string source) {
  ASSIGN_OR_RETURN(toml::table root, ParseToml(text, source));

  Diagnostics d(source);
  Inventory inv;
  inv.source_ = source;
  for (auto&& [k, v] : root) {
    if (k != "meta" && k != "field" && k != "recipient") {
      d.Add(LineOf(v), "", k.str(), "unknown top-level key (expected meta, field, recipient)");
    }
  }
  ReadMeta(root, d, inv.meta_);

  // Recipients first, so fields can be checked against them.
  struct RecipientLines {
    std::vector<std::pair<std::string, int>> categories;
    std::string where;
  };
  std::vector<RecipientLines> recipient_lines;
  std::map<std::string, int, std::less<>> recipient_ids;  // id -> line first declared
  if (const toml::array* arr = TablesUnder(root, "recipient", d)) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *arr->get(i)->as_table();
      RecipientLines rl;
      auto rec = ReadRecipient(t, i, d, rl.categories, rl.where);
      if (!rec) continue;
      auto [it, inserted] = recipient_ids.emplace(rec->id, rec->line);
      if (!inserted) {
        d.Add(t.get("id") ? LineOf(*t.get("id")) : rec->line, rl.where, "id",
              "duplicate id, first declared at line " + std::to_string(it->second));
        continue;
      }
      inv.recipients_.push_back(std::move(*rec));
      recipient_lines.push_back(std::move(rl));
    }
  }

  std::map<std::string, int, std::less<>> field_ids;  // id -> line first declared
  if (const toml::array* arr = TablesUnder(root, "field", d)) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const toml::table& t = *arr->get(i)->as_table();
      FieldLines fl;
      auto field = ReadField(t, i, d, fl);
      // A duplicate is reported even when the field has other problems.
      if (const toml::node* idn = t.get("id"); idn && idn->is_string()) {
        std::string id = idn->value<std::string>().value();
        auto [it, inserted] = field_ids.emplace(id, LineOf(t));
        if (!inserted) {
          d.Add(LineOf(*idn), fl.where, "id",
                "duplicate id, first declared at line " + std::to_string(it->second));
          continue;
        }
      }
      if (!field) continue;

      // C3.2-C3.3, PIPL Art. 23: sharing goes to a declared recipient, with consent.
      for (const auto& [rid, line] : fl.recipients) {
        const Recipient* rec = nullptr;
        for (const auto& r : inv.recipients_) {
          if (r.id == rid) rec = &r;
        }
        if (!rec) {
          if (!recipient_ids.contains(rid)) {
            d.Add(line, fl.where, "recipients", "'" + rid + "' is not a declared [[recipient]]");
          }
        } else if (std::find(rec->categories.begin(), rec->categories.end(), field->id) ==
                   rec->categories.end()) {
          d.Add(line, fl.where, "recipients",
                "recipient '" + rid + "' does not list this field in its categories");
        }
      }
      if (!field->recipients.empty() && !field->ConsentRequiredFor(Purpose::kPartner)) {
        d.Add(fl.recipients_key, fl.where, "recipients",
              "a field given to recipients must list 'partner' in purposes and "
              "consent_purposes");
      }
      if (field->Serves(Purpose::kPartner) && field->recipients.empty()) {
        d.Add(fl.purposes_key, fl.where, "purposes",
              "'partner' needs at least one entry in recipients");
      }
      inv.field_index_.emplace(field->id, inv.fields_.size());
      inv.fields_.push_back(std::move(*field));
    }
  }

  for (std::size_t i = 0; i < inv.recipients_.size(); ++i) {
    const Recipient& rec = inv.recipients_[i];
    for (const auto& [fid, line] : recipient_lines[i].categories) {
      if (!field_ids.contains(fid)) {
        d.Add(line, recipient_lines[i].where, "categories",
              "'" + fid + "' is not a declared field");
        continue;
      }
      const FieldSpec* f = inv.Find(fid);
      if (f &&
          std::find(f->recipients.begin(), f->recipients.end(), rec.id) == f->recipients.end()) {
        d.Add(line, recipient_lines[i].where, "categories",
              "field '" + fid + "' does not list this recipient in its recipients");
      }
    }
  }

  if (!d.empty()) return InvalidArgument(d.Message());
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  inv.hash_ = Sha256Hex(text);
  return inv;
}

Result<Inventory> Inventory::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("data inventory not found: " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str(), path.string());
}

const FieldSpec* Inventory::Find(std::string_view id) const {
  auto it = field_index_.find(id);
  return it == field_index_.end() ? nullptr : &fields_[it->second];
}

std::int64_t Inventory::RetentionSeconds(std::string_view id, std::int64_t fallback) const {
  const FieldSpec* spec = Find(id);
  return spec ? static_cast<std::int64_t>(spec->retention.duration.count()) : fallback;
}

const Recipient* Inventory::FindRecipient(std::string_view id) const {
  for (const auto& r : recipients_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool Inventory::Allows(std::string_view id, Purpose p) const {
  const FieldSpec* f = Find(id);
  return f && f->Serves(p);
}

bool Inventory::NeedsConsent(std::string_view id, Purpose p) const {
  const FieldSpec* f = Find(id);
  return !f || f->ConsentRequiredFor(p);
}

}  // namespace yz::privacy
