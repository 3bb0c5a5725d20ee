// What changed between two data inventories, field by field and attribute by
// attribute, so a revised notice can say exactly what it revises (C6.1).
// Values are written in the inventory's own vocabulary ("7d", "service, security",
// "encrypt"), the same words `yzcloud policy check` and the TOML file use.
//
// Thread-safety: pure functions over immutable inputs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "privacy/inventory.h"

namespace yz::privacy {

// One attribute that differs: the inventory key ("retention") and both values.
struct AttributeChange {
  std::string attribute;
  std::string before;
  std::string after;
};

// A field (or recipient, or [meta]) present in both inventories whose attributes differ.
struct EntryChange {
  std::string id;
  std::vector<AttributeChange> changes;  // in the inventory's key order
};

struct InventoryDiff {
  std::vector<std::string> fields_added;    // ids, in the newer inventory's order
  std::vector<std::string> fields_removed;  // ids, in the older inventory's order
  std::vector<EntryChange> fields_changed;
  std::vector<std::string> recipients_added;
  std::vector<std::string> recipients_removed;
  std::vector<EntryChange> recipients_changed;
  std::vector<AttributeChange> meta_changed;  // version, controller_zh, ...
  bool statement_changed = false;             // set by DiffNotices only

  // True when nothing at all differs.
  bool empty() const;
};

// The changes that turn `before` into `after`. Fields and recipients are matched by id.
InventoryDiff DiffInventories(const Inventory& before, const Inventory& after);

// As DiffInventories, and whether the statement template text changed too.
InventoryDiff DiffNotices(const Inventory& before, std::string_view statement_before,
                          const Inventory& after, std::string_view statement_after);

// "7d", "24h", "account+30d", "account": the inventory syntax ParseRetention reads.
std::string RetentionName(const Retention& r);

}  // namespace yz::privacy
