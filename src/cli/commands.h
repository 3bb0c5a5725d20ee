// The yzcloud subcommands. Each registers its flags on a CLI11 app and returns
// the process exit code when run. Thread-safety: called from main only.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "core/config.h"

namespace yz::cli {

// Flags shared by commands that need configuration (--config, --data-dir,
// --database) and the override pairs they collected.
struct ConfigFlags {
  std::string config_file;
  std::vector<std::pair<std::string, std::string>> overrides;  // key -> value, from flags
  // Adds `--flag VALUE` that sets config key `key`.
  void Add(CLI::App* app, const std::string& flag, const std::string& key, const std::string& help);
  // defaults <- toml <- YZ_* env <- flags. Prints the error and returns false on failure.
  bool Load(Config& config) const;
};

void AddServe(CLI::App& app, std::function<int()>& run);
void AddMigrate(CLI::App& app, std::function<int()>& run);
void AddPolicy(CLI::App& app, std::function<int()>& run);
void AddKeys(CLI::App& app, std::function<int()>& run);
void AddOutbox(CLI::App& app, std::function<int()>& run);
void AddParseUa(CLI::App& app, std::function<int()>& run);
void AddImportLog(CLI::App& app, std::function<int()>& run);
void AddReleases(CLI::App& app, std::function<int()>& run);

}  // namespace yz::cli
