#include "privacy/inventory_diff.h"

#include <array>
#include <cstdint>
#include <utility>

namespace yz::privacy {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

std::string PurposeList(const std::vector<Purpose>& ps) {
  std::vector<std::string> names;
  for (Purpose p : ps) names.emplace_back(PurposeName(p));
  return Join(names);
}

std::string Bool(bool b) { return b ? "true" : "false"; }

std::string SensitiveWhen(const std::optional<int>& age) {
  return age ? "age<" + std::to_string(*age) : "";
}

// Appends a change when the two renderings differ.
void Compare(std::vector<AttributeChange>& out, std::string_view attribute, std::string before,
             std::string after) {
  if (before != after) out.push_back({std::string(attribute), std::move(before), std::move(after)});
}

std::vector<AttributeChange> FieldChanges(const FieldSpec& a, const FieldSpec& b) {
  std::vector<AttributeChange> c;
  Compare(c, "requirement", a.requirement, b.requirement);
  Compare(c, "category", std::string(CategoryName(a.category)),
          std::string(CategoryName(b.category)));
  Compare(c, "description_zh", a.description_zh, b.description_zh);
  Compare(c, "description_en", a.description_en, b.description_en);
  Compare(c, "purposes", PurposeList(a.purposes), PurposeList(b.purposes));
  Compare(c, "protection", std::string(ProtectionName(a.protection)),
          std::string(ProtectionName(b.protection)));
  Compare(c, "retention", RetentionName(a.retention), RetentionName(b.retention));
  Compare(c, "sensitive", Bool(a.sensitive), Bool(b.sensitive));
  Compare(c, "consent_purposes", PurposeList(a.consent_purposes), PurposeList(b.consent_purposes));
  Compare(c, "recipients", Join(a.recipients), Join(b.recipients));
  Compare(c, "sensitive_when", SensitiveWhen(a.sensitive_below_age),
          SensitiveWhen(b.sensitive_below_age));
  Compare(c, "redact_parameters", Join(a.redact_parameters), Join(b.redact_parameters));
  return c;
}

std::vector<AttributeChange> RecipientChanges(const Recipient& a, const Recipient& b) {
  std::vector<AttributeChange> c;
  Compare(c, "name_zh", a.name_zh, b.name_zh);
  Compare(c, "name_en", a.name_en, b.name_en);
  Compare(c, "contact", a.contact, b.contact);
  Compare(c, "purpose", a.purpose, b.purpose);
  Compare(c, "categories", Join(a.categories), Join(b.categories));
  return c;
}

// Added, removed and changed entries of two id-keyed lists. `find` looks an id up in
// the other inventory; `changes` compares two entries of the same id.
template <typename T, typename Find, typename Changes>
void DiffEntries(const std::vector<T>& before, const std::vector<T>& after, Find find_before,
                 Find find_after, Changes changes, std::vector<std::string>& added,
                 std::vector<std::string>& removed, std::vector<EntryChange>& changed) {
  for (const T& b : before) {
    if (!find_after(b.id)) removed.push_back(b.id);
  }
  for (const T& a : after) {
    const T* old = find_before(a.id);
    if (!old) {
      added.push_back(a.id);
      continue;
    }
    auto c = changes(*old, a);
    if (!c.empty()) changed.push_back({a.id, std::move(c)});
  }
}

}  // namespace

bool InventoryDiff::empty() const {
  return fields_added.empty() && fields_removed.empty() && fields_changed.empty() &&
         recipients_added.empty() && recipients_removed.empty() && recipients_changed.empty() &&
         meta_changed.empty() && !statement_changed;
}

std::string RetentionName(const Retention& r) {
  struct Unit {
    std::int64_t seconds;
    char suffix;
  };
  static constexpr std::array<Unit, 4> kUnits{{{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  const std::int64_t s = r.duration.count();
  std::string period;
  for (const Unit& u : kUnits) {
    if (s != 0 && s % u.seconds == 0) {
      period = std::to_string(s / u.seconds) + u.suffix;
      break;
    }
  }
  if (!r.after_account_end) return period.empty() ? "0s" : period;
  return period.empty() ? "account" : "account+" + period;
}

InventoryDiff DiffInventories(const Inventory& before, const Inventory& after) {
  InventoryDiff d;
  auto field_in = [](const Inventory& inv) {
    return [&inv](const std::string& id) { return inv.Find(id); };
  };
  DiffEntries(before.fields(), after.fields(), field_in(before), field_in(after), FieldChanges,
              d.fields_added, d.fields_removed, d.fields_changed);
  auto recipient_in = [](const Inventory& inv) {
    return [&inv](const std::string& id) { return inv.FindRecipient(id); };
  };
  DiffEntries(before.recipients(), after.recipients(), recipient_in(before), recipient_in(after),
              RecipientChanges, d.recipients_added, d.recipients_removed, d.recipients_changed);
  const InventoryMeta& a = before.meta();
  const InventoryMeta& b = after.meta();
  Compare(d.meta_changed, "version", a.version, b.version);
  Compare(d.meta_changed, "controller_zh", a.controller_zh, b.controller_zh);
  Compare(d.meta_changed, "controller_en", a.controller_en, b.controller_en);
  Compare(d.meta_changed, "contact", a.contact, b.contact);
  return d;
}

InventoryDiff DiffNotices(const Inventory& before, std::string_view statement_before,
                          const Inventory& after, std::string_view statement_after) {
  InventoryDiff d = DiffInventories(before, after);
  d.statement_changed = statement_before != statement_after;
  return d;
}

}  // namespace yz::privacy
