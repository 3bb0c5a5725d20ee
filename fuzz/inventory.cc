// Fuzzes the data inventory's TOML reader and validator (privacy/inventory.h):
// `yzcloud policy check` and `policy publish` read an operator's file, and a
// published notice is read back from the database. An inventory that validates
// is then compared with the shipped one (privacy/inventory_diff.h), as
// /privacy/versions/{a}/diff/{b} does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "privacy/inventory.h"
#include "privacy/inventory_diff.h"

namespace {

std::optional<yz::privacy::Inventory> shipped;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::ifstream in(std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto inv = yz::privacy::Inventory::Parse(text, "policy/inventory.toml");
  if (!inv.ok()) std::abort();
  shipped.emplace(std::move(*inv));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto inv = yz::privacy::Inventory::Parse(text, "fuzz.toml");
  if (!inv.ok()) {
    if (inv.status().message().empty()) std::abort();
    return 0;
  }
  for (const auto& f : inv->fields()) {
    if (inv->Find(f.id) == nullptr) std::abort();
    (void)inv->RetentionSeconds(f.id);
    (void)yz::privacy::RetentionName(f.retention);
  }
  (void)yz::privacy::DiffInventories(*shipped, *inv);
  (void)yz::privacy::DiffInventories(*inv, *shipped);
  (void)yz::privacy::ParseRetention(text);
  return 0;
}
