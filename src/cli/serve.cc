// `yzcloud serve`: open the store, migrate, and serve HTTP until SIGTERM.
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/log.h"
#include "store/database.h"
#include "store/migrations.h"
#include "web/metrics.h"
#include "web/routes.h"
#include "web/server.h"

namespace yz::cli {
namespace {

int Serve(const ConfigFlags& flags) {
  Config config;
  if (!flags.Load(config)) return 2;
  if (Status s = SetUpLogging(config.log_level); !s.ok()) {
    std::cerr << "yzcloud: configuration error: " << s.message() << "\n";
    return 2;
  }
  auto db = store::Open(config.DatabaseUrl(), static_cast<int>(config.db_pool));
  if (!db.ok()) {
    spdlog::critical("cannot open database: {}", db.status().message());
    return 1;
  }
  if (Status s = store::Migrate(**db); !s.ok()) {
    spdlog::critical("migration failed: {}", s.message());
    return 1;
  }
  web::Metrics metrics;
  web::App app{**db, metrics};
  web::Router router = web::BuildRoutes(app);
  web::Server server(config, router, metrics);
  if (Status s = server.Listen(); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  std::string host = config.listen.find(':') != std::string::npos ? "[" + config.listen + "]"
                                                                  : config.listen;
  // Tests and scripts wait for this exact line on stdout.
  std::cout << "listening on http://" << host << ":" << server.port() << std::endl;
  spdlog::info("serving on {}:{} with {} I/O thread(s), {} worker(s), database {}", host,
               server.port(), config.threads, config.workers,
               (*db)->backend() == store::Backend::kSqlite ? "SQLite" : "PostgreSQL");
  server.Run();
  return 0;
}

}  // namespace

void AddServe(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<ConfigFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the portal and the API over HTTP");
  cmd->add_option("--config", flags->config_file, "TOML configuration file (default ./yzcloud.toml)");
  flags->Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store and keys");
  flags->Add(cmd, "--database", "database", "SQLite path or postgres://URL");
  flags->Add(cmd, "--port", "port", "TCP port (0: any free port)");
  flags->Add(cmd, "--listen", "listen", "Address to bind");
  flags->Add(cmd, "--threads", "threads", "I/O threads");
  flags->Add(cmd, "--workers", "workers", "Blocking worker threads");
  cmd->callback([flags, &run] { run = [flags] { return Serve(*flags); }; });
}

}  // namespace yz::cli
