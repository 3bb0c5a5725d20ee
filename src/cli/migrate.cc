// `yzcloud migrate`: bring the database schema up to date and print its version.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "store/database.h"
#include "store/migrations.h"

namespace yz::cli {
namespace {

int Migrate(const ConfigFlags& flags) {
  Config config;
  if (!flags.Load(config)) return 2;
  auto db = store::Open(config.DatabaseUrl(), 2);
  if (!db.ok()) {
    std::cerr << "yzcloud migrate: cannot open database: " << db.status().message() << "\n";
    return 1;
  }
  if (Status s = store::Migrate(**db); !s.ok()) {
    std::cerr << "yzcloud migrate: " << s.message() << "\n";
    return 1;
  }
  auto version = store::SchemaVersion(**db);
  if (!version.ok()) {
    std::cerr << "yzcloud migrate: " << version.status().message() << "\n";
    return 1;
  }
  std::cout << "schema version " << *version << "\n";
  return 0;
}

}  // namespace

void AddMigrate(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<ConfigFlags>();
  CLI::App* cmd = app.add_subcommand("migrate", "Apply database migrations");
  cmd->add_option("--config", flags->config_file, "TOML configuration file");
  flags->Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store");
  flags->Add(cmd, "--database", "database", "SQLite path or postgres://URL");
  cmd->callback([flags, &run] { run = [flags] { return Migrate(*flags); }; });
}

}  // namespace yz::cli
