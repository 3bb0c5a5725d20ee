// `yzcloud policy check [FILE]`: validates the data inventory (the shipped
// policy/inventory.toml by default) and lists every problem with file, line and key.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "privacy/inventory.h"

namespace yz::cli {
namespace {

int Check(const std::string& path) {
  auto inventory = privacy::Inventory::Load(path);
  if (!inventory.ok()) {
    std::cerr << "yzcloud policy check: " << path << " has problems:\n"
              << inventory.status().message() << "\n";
    return 1;
  }
  std::cout << path << ": ok, " << inventory->fields().size() << " fields, "
            << inventory->recipients().size() << " recipients, sha256 " << inventory->Hash()
            << "\n";
  return 0;
}

}  // namespace

void AddPolicy(CLI::App& app, std::function<int()>& run) {
  CLI::App* policy = app.add_subcommand("policy", "Work with the data inventory and notice");
  policy->require_subcommand(1);
  auto file = std::make_shared<std::string>("policy/inventory.toml");
  CLI::App* check = policy->add_subcommand("check", "Validate the data inventory");
  check->add_option("FILE", *file, "Inventory file (default policy/inventory.toml)");
  check->callback([file, &run] { run = [file] { return Check(*file); }; });
}

}  // namespace yz::cli
