// `yzcloud outbox`: the queued messages (codes, links and notices, delivered or
// still waiting for the delivery worker), one JSON object a line, read through
// the gate as actor "cli:outbox" (each read is recorded where the account holder
// can see it).
#include "accounts/outbox.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/privacy_setup.h"
#include "store/database.h"
#include "store/migrations.h"

namespace yz::cli {
namespace {

constexpr const char* kActor = "cli:outbox";
constexpr int kOutboxMigration = 4;  // store/migrations.cc

int Outbox(const ConfigFlags& flags) {
  Config config;
  if (!flags.Load(config)) return 2;
  auto fail = [](const Status& s) {
    std::cerr << "yzcloud outbox: " << s.message() << "\n";
    return 1;
  };
  auto db = store::Open(config.DatabaseUrl(), 2);
  if (!db.ok()) return fail(db.status());
  // Reading never changes the schema: an old one is the operator's to migrate.
  auto version = store::SchemaVersion(**db);
  if (!version.ok()) return fail(version.status());
  if (*version < kOutboxMigration) {
    return fail(FailedPrecondition("the database schema is at version " + std::to_string(*version) +
                                   ": run `yzcloud migrate` first"));
  }
  auto privacy = OpenPrivacyStack(config, **db, UnixNow);
  if (!privacy.ok()) return fail(privacy.status());
  if ((*privacy)->inventory->Find("notification.message") == nullptr) {
    return fail(FailedPrecondition(
        "published notice version " + std::to_string((*privacy)->notice_version) +
        " does not declare notification.message: publish the current one with "
        "`yzcloud policy publish`"));
  }
  accounts::Outbox outbox(**db, *(*privacy)->gate, UnixNow);
  auto messages = outbox.List(kActor);
  if (!messages.ok()) return fail(messages.status());
  for (const accounts::Message& m : *messages) {
    boost::json::object o;
    o["to"] = m.to;
    o["subject"] = m.subject;
    o["body"] = m.body;
    if (!m.code.empty()) o["code"] = m.code;
    std::cout << boost::json::serialize(o) << "\n";
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

void AddOutbox(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<ConfigFlags>();
  CLI::App* cmd = app.add_subcommand("outbox", "Print the queued messages as JSON lines");
  cmd->add_option("--config", flags->config_file, "TOML configuration file");
  flags->Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store and keys");
  flags->Add(cmd, "--database", "database", "SQLite path or postgres://URL");
  flags->Add(cmd, "--key-dir", "key_dir", "Folder of the master and blind-index keys");
  flags->Add(cmd, "--keystore", "keystore", "SQLite path or postgres://URL of the keystore");
  cmd->callback([flags, &run] { run = [flags] { return Outbox(*flags); }; });
}

}  // namespace yz::cli
