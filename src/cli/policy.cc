// `yzcloud policy check [FILE]`: validates the data inventory (the shipped
// policy/inventory.toml by default) and lists every problem with file, line and key.
// `yzcloud policy publish [FILE]`: publishes the next privacy-notice version (C6.1)
// from FILE (default: the inventory embedded in this binary) and the embedded
// statement template. `yzcloud policy versions`: lists the published versions.
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/privacy_setup.h"
#include "privacy/inventory.h"
#include "privacy/notice_versions.h"
#include "store/database.h"
#include "store/migrations.h"
#include "web/notice.h"

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

// Opens and migrates the configured database; prints why not and returns null.
std::unique_ptr<store::Database> OpenStore(const ConfigFlags& flags, const char* command) {
  Config config;
  if (!flags.Load(config)) return nullptr;
  auto db = store::Open(config.DatabaseUrl(), 2);
  if (!db.ok()) {
    std::cerr << "yzcloud policy " << command << ": cannot open database: " << db.status().message()
              << "\n";
    return nullptr;
  }
  if (Status s = store::Migrate(**db); !s.ok()) {
    std::cerr << "yzcloud policy " << command << ": " << s.message() << "\n";
    return nullptr;
  }
  return std::move(db).value();
}

// Exit codes: 0 published, 1 invalid inventory or store failure, 2 bad configuration,
// 3 nothing changed since the latest version.
int Publish(const ConfigFlags& flags, const std::string& file) {
  auto shipped = web::ShippedNoticeTexts();
  if (!shipped.ok()) {
    std::cerr << "yzcloud policy publish: " << shipped.status().message() << "\n";
    return 1;
  }
  std::string inventory(shipped->inventory);
  std::string source = "policy/inventory.toml (embedded)";
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "yzcloud policy publish: cannot read " << file << "\n";
      return 1;
    }
    std::ostringstream text;
    text << in.rdbuf();
    inventory = text.str();
    source = file;
  }
  // Refuse an invalid inventory before touching the database: what `policy check` says.
  if (auto parsed = privacy::Inventory::Parse(inventory, source); !parsed.ok()) {
    std::cerr << "yzcloud policy publish: " << source << " has problems:\n"
              << parsed.status().message() << "\n";
    return 1;
  }
  auto db = OpenStore(flags, "publish");
  if (!db) return 1;
  privacy::NoticeVersions versions(*db, UnixNow);
  auto v = versions.Publish(inventory, source, shipped->statement);
  if (!v.ok()) {
    std::cerr << "yzcloud policy publish: " << v.status().message() << "\n";
    return v.status().code() == Code::kFailedPrecondition ? 3 : 1;
  }
  std::cout << "published version " << v->number << " (sha256 " << v->sha256 << ")\n";
  return 0;
}

int Versions(const ConfigFlags& flags) {
  auto db = OpenStore(flags, "versions");
  if (!db) return 1;
  privacy::NoticeVersions versions(*db, UnixNow);
  auto all = versions.List();
  if (!all.ok()) {
    std::cerr << "yzcloud policy versions: " << all.status().message() << "\n";
    return 1;
  }
  for (const auto& v : *all) {
    std::time_t t = static_cast<std::time_t>(v.published_at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::cout << v.number << "  " << date << "  sha256 " << v.sha256 << "  " << v.source << "\n";
  }
  if (all->empty()) std::cout << "no version published yet\n";
  return 0;
}

void AddStoreFlags(CLI::App* cmd, ConfigFlags& flags) {
  cmd->add_option("--config", flags.config_file, "TOML configuration file");
  flags.Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store");
  flags.Add(cmd, "--database", "database", "SQLite path or postgres://URL");
}

}  // namespace

void AddPolicy(CLI::App& app, std::function<int()>& run) {
  CLI::App* policy = app.add_subcommand("policy", "Work with the data inventory and notice");
  policy->require_subcommand(1);
  auto file = std::make_shared<std::string>("policy/inventory.toml");
  CLI::App* check = policy->add_subcommand("check", "Validate the data inventory");
  check->add_option("FILE", *file, "Inventory file (default policy/inventory.toml)");
  check->callback([file, &run] { run = [file] { return Check(*file); }; });

  auto publish_flags = std::make_shared<ConfigFlags>();
  auto publish_file = std::make_shared<std::string>();
  CLI::App* publish = policy->add_subcommand(
      "publish",
      "Publish the next privacy-notice version (exit 3 when nothing changed since the latest)");
  publish->add_option("FILE", *publish_file,
                      "Inventory file (default: the inventory embedded in this binary)");
  AddStoreFlags(publish, *publish_flags);
  publish->callback([publish_flags, publish_file, &run] {
    run = [publish_flags, publish_file] { return Publish(*publish_flags, *publish_file); };
  });

  auto versions_flags = std::make_shared<ConfigFlags>();
  CLI::App* versions = policy->add_subcommand("versions", "List the published notice versions");
  AddStoreFlags(versions, *versions_flags);
  versions->callback(
      [versions_flags, &run] { run = [versions_flags] { return Versions(*versions_flags); }; });
}

}  // namespace yz::cli
