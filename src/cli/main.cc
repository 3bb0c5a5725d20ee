// yzcloud: the command-line entry point. Subcommands live in their own files.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "core/config.h"
#include "core/random.h"

namespace yz::cli {

void ConfigFlags::Add(CLI::App* app, const std::string& flag, const std::string& key,
                      const std::string& help) {
  app->add_option_function<std::string>(
      flag, [this, key](const std::string& v) { overrides.emplace_back(key, v); }, help);
}

bool ConfigFlags::Load(Config& config) const {
  auto fail = [](const Status& s) {
    std::cerr << "yzcloud: configuration error: " << s.message() << "\n";
    return false;
  };
  auto env = YzEnvironment();
  std::string file = config_file;
  if (file.empty()) {
    if (auto it = env.find("YZ_CONFIG"); it != env.end()) file = it->second;
  }
  if (!file.empty()) {
    if (Status s = ApplyTomlFile(config, file); !s.ok()) return fail(s);
  } else if (Status s = ApplyTomlFile(config, "yzcloud.toml");
             !s.ok() && s.code() != Code::kNotFound) {
    return fail(s);
  }
  if (Status s = ApplyEnv(config, env); !s.ok()) return fail(s);
  for (const auto& [key, value] : overrides) {
    std::string flag = "--" + key;
    for (char& c : flag) c = c == '_' ? '-' : c;
    if (Status s = ApplyValue(config, key, value, "flag " + flag); !s.ok()) return fail(s);
  }
  return true;
}

}  // namespace yz::cli

int main(int argc, char** argv) {
  // Everything yzcloud creates (databases and their -wal/-shm/-journal files, keys,
  // the outbox, folders) holds personal data or keys: nobody else may read it,
  // whatever umask the service manager or shell passed on (issue 15, defect 8).
  // The files that matter are also created with exact modes where they are made.
  ::umask(077);
  if (!yz::InitRandom()) {
    std::cerr << "yzcloud: cannot initialise libsodium\n";
    return 1;
  }
  CLI::App app{"yzcloud: the 永州工业云 portal server"};
  app.require_subcommand(1);
  std::function<int()> run;
  yz::cli::AddServe(app, run);
  yz::cli::AddMigrate(app, run);
  yz::cli::AddPolicy(app, run);
  yz::cli::AddKeys(app, run);
  yz::cli::AddOutbox(app, run);
  yz::cli::AddParseUa(app, run);
  yz::cli::AddImportLog(app, run);
  yz::cli::AddReleases(app, run);
  CLI11_PARSE(app, argc, argv);
  return run ? run() : 2;
}
