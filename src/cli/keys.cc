// `yzcloud keys status` and `yzcloud keys rotate`: the master key versions and
// the data keys wrapped under them. Rotation runs while servers serve: they pick
// up the new master from the key directory on their own (see crypto/keyring.h).
#include "privacy/keys.h"

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "store/database.h"
#include "store/migrations.h"

namespace yz::cli {
namespace {

int Fail(std::string_view what, const Status& s) {
  std::cerr << "yzcloud keys " << what << ": " << s.message() << "\n";
  return 1;
}

// The data database, migrated: its recorded key fingerprints decide whether the
// keys may be created or must exist (privacy/keys.h).
Result<std::unique_ptr<store::Database>> OpenData(const Config& config) {
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Open(config.DatabaseUrl(), 2));
  RETURN_IF_ERROR(store::Migrate(*db));
  return db;
}

int ShowStatus(const ConfigFlags& flags) {
  Config config;
  if (!flags.Load(config)) return 2;
  auto data = OpenData(config);
  if (!data.ok()) return Fail("status", data.status());
  auto keys = privacy::OpenKeys(config, **data);
  if (!keys.ok()) return Fail("status", keys.status());
  auto counts = keys->keystore->KeysByVersion();
  if (!counts.ok()) return Fail("status", counts.status());
  std::cout << "key directory " << keys->dir.path().string() << "\n"
            << "current master version " << keys->keystore->master_version() << "\n";
  for (const auto& [version, n] : *counts) {
    std::cout << "  " << n << " data key(s) under version " << version << "\n";
  }
  return 0;
}

int Rotate(const ConfigFlags& flags) {
  Config config;
  if (!flags.Load(config)) return 2;
  auto data = OpenData(config);
  if (!data.ok()) return Fail("rotate", data.status());
  auto keys = privacy::OpenKeys(config, **data);
  if (!keys.ok()) return Fail("rotate", keys.status());
  const int from = keys->keystore->master_version();
  const int to = from + 1;
  auto next = keys->dir.Master(to, /*create=*/true);
  if (!next.ok()) return Fail("rotate", next.status());
  // Recorded before anything is wrapped under it, so the data always knows its keys.
  if (Status s = privacy::RecordMasterFingerprint(**data, to, *next); !s.ok()) {
    return Fail("rotate", s);
  }
  auto rewrapped = keys->keystore->Rotate(*next, to);
  if (!rewrapped.ok()) {
    std::cerr << "yzcloud keys rotate: " << rewrapped.status().message()
              << "\nNothing is lost: run the command again to finish the rotation.\n";
    return 1;
  }
  // The old masters open nothing any more; their files go last.
  if (Status s = keys->dir.RemoveMastersBelow(to); !s.ok()) return Fail("rotate", s);
  if (Status s = privacy::ForgetMastersBelow(**data, to); !s.ok()) return Fail("rotate", s);
  std::cout << "rotated " << *rewrapped << " data key(s) from master version " << from << " to "
            << to << " (" << keys->dir.MasterPath(to).string() << ")\n";
  return 0;
}

void AddKeyFlags(CLI::App* cmd, ConfigFlags& flags) {
  cmd->add_option("--config", flags.config_file, "TOML configuration file");
  flags.Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store and keys");
  flags.Add(cmd, "--database", "database", "SQLite path or postgres://URL");
  flags.Add(cmd, "--key-dir", "key_dir", "Folder of the master and blind-index keys");
  flags.Add(cmd, "--keystore", "keystore", "SQLite path or postgres://URL of the keystore");
}

}  // namespace

void AddKeys(CLI::App& app, std::function<int()>& run) {
  CLI::App* keys = app.add_subcommand("keys", "Inspect and rotate the encryption keys");
  keys->require_subcommand(1);
  auto status_flags = std::make_shared<ConfigFlags>();
  CLI::App* status = keys->add_subcommand("status", "Show the master version and key counts");
  AddKeyFlags(status, *status_flags);
  status->callback(
      [status_flags, &run] { run = [status_flags] { return ShowStatus(*status_flags); }; });
  auto rotate_flags = std::make_shared<ConfigFlags>();
  CLI::App* rotate = keys->add_subcommand(
      "rotate", "Re-wrap every data key under a new master key (safe while servers run)");
  AddKeyFlags(rotate, *rotate_flags);
  rotate->callback(
      [rotate_flags, &run] { run = [rotate_flags] { return Rotate(*rotate_flags); }; });
}

}  // namespace yz::cli
