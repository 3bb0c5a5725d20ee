// `yzcloud releases add|list`: the app releases the update check answers from
// (C2.2). `add` migrates the schema first, as `policy publish` does; `list` only
// reads and asks for `yzcloud migrate` on an old schema.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/privacy_setup.h"
#include "collect/app_version.h"
#include "store/database.h"
#include "store/migrations.h"

namespace yz::cli {
namespace {

constexpr int kReleasesMigration = 7;  // store/migrations.cc "devices"

struct AddFlags {
  ConfigFlags config;
  collect::Release release;
  std::string min_supported;
};

int Fail(const char* command, const Status& s) {
  std::cerr << "yzcloud releases " << command << ": " << s.message() << "\n";
  return 1;
}

int Add(const AddFlags& flags) {
  Config config;
  if (!flags.config.Load(config)) return 2;
  auto db = store::Open(config.DatabaseUrl(), 2);
  if (!db.ok()) return Fail("add", db.status());
  if (Status s = store::Migrate(**db); !s.ok()) return Fail("add", s);
  collect::Release release = flags.release;
  if (!flags.min_supported.empty()) release.min_supported = flags.min_supported;
  collect::Releases releases(**db, UnixNow);
  if (Status s = releases.Add(release); !s.ok()) return Fail("add", s);
  std::cout << "published " << release.platform << "/" << release.channel << " " << release.version
            << (release.required ? " (required)" : "") << "\n";
  return 0;
}

int List(const ConfigFlags& flags) {
  Config config;
  if (!flags.Load(config)) return 2;
  auto db = store::Open(config.DatabaseUrl(), 2);
  if (!db.ok()) return Fail("list", db.status());
  auto version = store::SchemaVersion(**db);
  if (!version.ok()) return Fail("list", version.status());
  if (*version < kReleasesMigration) {
    return Fail("list",
                FailedPrecondition("the database schema is at version " + std::to_string(*version) +
                                   ": run `yzcloud migrate` first"));
  }
  collect::Releases releases(**db, UnixNow);
  auto list = releases.List();
  if (!list.ok()) return Fail("list", list.status());
  // One JSON object a line, newest version first within each platform and channel.
  for (const collect::Release& r : *list) {
    boost::json::object o{{"platform", r.platform}, {"channel", r.channel},
                          {"version", r.version},   {"required", r.required},
                          {"url", r.url},           {"published_at", r.published_at}};
    o["min_supported"] =
        r.min_supported ? boost::json::value(*r.min_supported) : boost::json::value(nullptr);
    std::cout << boost::json::serialize(o) << "\n";
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

void AddStoreFlags(CLI::App* cmd, ConfigFlags& flags) {
  cmd->add_option("--config", flags.config_file, "TOML configuration file");
  flags.Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store");
  flags.Add(cmd, "--database", "database", "SQLite path or postgres://URL");
}

}  // namespace

void AddReleases(CLI::App& app, std::function<int()>& run) {
  CLI::App* cmd = app.add_subcommand("releases", "Publish and list app releases");
  cmd->require_subcommand(1);

  auto add = std::make_shared<AddFlags>();
  CLI::App* add_cmd = cmd->add_subcommand("add", "Publish an app release for the update check");
  add_cmd->add_option("--platform", add->release.platform, "Platform: android, ios, ...")
      ->required();
  add_cmd->add_option("--channel", add->release.channel, "Channel: stable, beta, ...")->required();
  add_cmd->add_option("--version", add->release.version, "Version, like 1.10.0")->required();
  add_cmd->add_option("--url", add->release.url, "Where the release is downloaded")->required();
  add_cmd->add_flag("--required", add->release.required,
                    "Every older version must update to this one");
  add_cmd->add_option("--min-supported", add->min_supported, "Versions below this one must update");
  AddStoreFlags(add_cmd, add->config);
  add_cmd->callback([add, &run] { run = [add] { return Add(*add); }; });

  auto list = std::make_shared<ConfigFlags>();
  CLI::App* list_cmd = cmd->add_subcommand("list", "Print the releases as JSON lines");
  AddStoreFlags(list_cmd, *list);
  list_cmd->callback([list, &run] { run = [list] { return List(*list); }; });
}

}  // namespace yz::cli
