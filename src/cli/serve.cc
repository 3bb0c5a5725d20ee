// `yzcloud serve`: open the store, migrate, and serve HTTP until SIGTERM.
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "accounts/accounts.h"
#include "accounts/client_info.h"
#include "accounts/delivery.h"
#include "accounts/notifier.h"
#include "accounts/outbox.h"
#include "accounts/throttle.h"
#include "cli/commands.h"
#include "cli/privacy_setup.h"
#include "collect/devices.h"
#include "collect/pipeline.h"
#include "collect/protector.h"
#include "collect/retention.h"
#include "collect/user_agent.h"
#include "core/log.h"
#include "store/database.h"
#include "store/migrations.h"
#include "web/event_api.h"
#include "web/metrics.h"
#include "web/notice.h"
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
  if (config.collect_sync != "full" && config.collect_sync != "normal") {
    std::cerr << "yzcloud: configuration error: collect_sync: must be \"full\" or \"normal\", "
                 "got \""
              << config.collect_sync << "\"\n";
    return 2;
  }
  // Before anything below creates a folder (those are made 0700).
  WarnIfDataDirOpen(config);
  auto db = store::Open(config.DatabaseUrl(), static_cast<int>(config.db_pool));
  if (!db.ok()) {
    spdlog::critical("cannot open database: {}", db.status().message());
    return 1;
  }
  if (Status s = store::Migrate(**db); !s.ok()) {
    spdlog::critical("migration failed: {}", s.message());
    return 1;
  }
  // The keys before anything is written: over existing data, a missing or replaced
  // key file or keystore stops the start instead of being made anew.
  auto keys = privacy::OpenKeys(config, **db);
  if (!keys.ok()) {
    spdlog::critical("refusing to start: {}", keys.status().message());
    return 1;
  }
  web::Metrics metrics;
  const auto now = UnixNow;
  // C6.1: a fresh install publishes the shipped notice as version 1. Later revisions
  // are an operator's decision (`yzcloud policy publish`), never a side effect of start.
  privacy::NoticeVersions notices(**db, now);
  auto shipped = web::ShippedNoticeTexts();
  auto published = shipped.ok() ? notices.EnsurePublished(shipped->inventory, shipped->statement)
                                : Result<privacy::NoticeVersion>(shipped.status());
  if (!published.ok()) {
    spdlog::critical("cannot publish the privacy notice: {}", published.status().message());
    return 1;
  }
  if (published->sha256 != privacy::NoticeHash(shipped->inventory, shipped->statement)) {
    spdlog::warn(
        "the privacy notice built into this yzcloud differs from published version {}; "
        "review it and run `yzcloud policy publish` to publish it",
        published->number);
  }
  // The keys, and the gate on the inventory of the published notice, so the system
  // never collects a field, or uses it for a purpose, that the public notice omits.
  auto privacy = OpenPrivacyStack(std::move(*keys), **db, now);
  if (!privacy.ok()) {
    spdlog::critical("cannot open the keys and the privacy gate: {}", privacy.status().message());
    return 1;
  }
  privacy::Gate& gate = *(*privacy)->gate;
  privacy::ConsentLedger& consents = *(*privacy)->consents;
  auto notifier = accounts::MakeNotifier(config);
  if (!notifier.ok()) {
    spdlog::critical("cannot set up notifications: {}", notifier.status().message());
    return 1;
  }
  // Messages are queued in the outbox with the changes that cause them; this worker
  // delivers them afterwards, with retries (issue 15 defect 7).
  accounts::Outbox outbox(**db, gate, now);
  accounts::OutboxDelivery delivery(**db, outbox, **notifier, now);
  std::jthread delivery_worker([&delivery](std::stop_token stop) { delivery.Run(stop); });
  auto blind_root = (*privacy)->keys.dir.Blind(/*create=*/false);  // OpenKeys made or checked it
  if (!blind_root.ok()) {
    spdlog::critical("cannot read the blind-index key: {}", blind_root.status().message());
    return 1;
  }

  // The server holds the router by reference: it is filled in once the port is
  // known, since links in messages (guardian consent) name the public URL.
  web::Router router;
  web::Server server(config, router, metrics);
  if (Status s = server.Listen(); !s.ok()) {
    spdlog::critical("{}", s.message());
    return 1;
  }
  std::string host =
      config.listen.find(':') != std::string::npos ? "[" + config.listen + "]" : config.listen;
  accounts::Settings settings;
  settings.adult_age = static_cast<int>(config.adult_age);
  settings.session_idle_seconds = config.session_idle_seconds;
  settings.session_max_seconds = config.session_max_seconds;
  settings.public_url = !config.public_url.empty()
                            ? config.public_url
                            : "http://" + host + ":" + std::to_string(server.port());
  settings.policy_version = std::to_string(published->number);
  // Session and login browser labels come from uap-core's rules, which take about half
  // a second to compile: they load beside the server, and until then (or if the rules
  // are missing) the small built-in table answers.
  // Collection (C2.1): requests and events are protected on the I/O threads and
  // written in batches by one writer; salts live in the keystore beside the keys.
  auto salts = collect::PersistentSalts(*(*privacy)->keys.keystore);
  collect::Protector protector(gate, *(*privacy)->inventory, *salts, now);
  std::unique_ptr<collect::UserAgentParser> ua_rules;
  std::atomic<const collect::UserAgentParser*> ua_parser{nullptr};
  std::jthread ua_loader([&ua_rules, &ua_parser, &protector] {
    auto loaded = collect::UserAgentParser::Load();
    if (!loaded.ok()) {
      spdlog::warn("user-agent rules not loaded ({}); sessions use a small built-in table",
                   loaded.status().message());
      protector.SetParser(nullptr);
      return;
    }
    ua_rules = std::move(*loaded);
    ua_parser.store(ua_rules.get(), std::memory_order_release);
    protector.SetParser(ua_rules.get());
  });
  settings.browser_label = [&ua_parser](std::string_view user_agent) -> std::string {
    const collect::UserAgentParser* parser = ua_parser.load(std::memory_order_acquire);
    if (parser == nullptr) return accounts::BrowserLabel(user_agent);
    const collect::Browser b = parser->Parse(user_agent).browser;
    if (b.family == "Other") return "unknown";
    return b.major ? b.family + " " + *b.major : b.family;
  };
  // Throttle counters and device cookies must agree on every node.
  settings.throttle_key =
      std::make_shared<const crypto::SecretKey>(accounts::DeriveThrottleKey(*blind_root));
  accounts::AccountService account_service(**db, gate, consents, outbox, settings, now);
  // Devices (C2.2): install ids are known only by a keyed hash under a key derived
  // from the blind-index root.
  collect::DeviceService devices(**db, gate, consents, *(*privacy)->inventory,
                                 collect::DeriveInstallIdKey(*blind_root), settings.policy_version,
                                 now);
  web::App app{**db, metrics, notices, gate, consents, account_service, settings.policy_version};
  app.devices = &devices;
  collect::Pipeline pipeline(**db, {.capacity = static_cast<std::size_t>(config.collect_queue_rows),
                                    .fsync = config.collect_sync == "full"});
  app.protector = &protector;
  app.pipeline = &pipeline;
  router = web::BuildRoutes(app);
  server.OnResponse(web::AccessLogHook(app));
  // The writer outlives the connections: everything answered 2xx is committed
  // before serve returns.
  server.OnDrained([&pipeline] { pipeline.Stop(); });
  // Retention (PIPL Art. 19): at start and then hourly, destroy the log keys and
  // visitor salts whose time is up, and delete expired rows and device points.
  collect::Retention retention(**db, gate, *(*privacy)->inventory, now);
  std::jthread housekeeping([&retention, &devices, &now, &salts](std::stop_token stop) {
    std::mutex mu;
    std::condition_variable_any cv;
    do {
      salts->Rotate();  // an idle server forgets old salts too
      if (auto r = retention.Run(); !r.ok()) {
        spdlog::error("retention: {}", r.status().message());
      } else if (r->keys_destroyed + r->salts_destroyed + r->access_rows_deleted +
                     r->events_deleted >
                 0) {
        spdlog::info(
            "retention: {} log key(s) and {} salt(s) destroyed, {} request row(s) and "
            "{} event(s) deleted",
            r->keys_destroyed, r->salts_destroyed, r->access_rows_deleted, r->events_deleted);
      }
      if (auto d = devices.DeleteExpired(now()); !d.ok()) {
        spdlog::error("device retention: {}", d.status().message());
      }
      std::unique_lock lock(mu);
      cv.wait_for(lock, stop, std::chrono::hours(1), [] { return false; });
    } while (!stop.stop_requested());
  });
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
  cmd->add_option("--config", flags->config_file,
                  "TOML configuration file (default ./yzcloud.toml)");
  flags->Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store and keys");
  flags->Add(cmd, "--database", "database", "SQLite path or postgres://URL");
  flags->Add(cmd, "--port", "port", "TCP port (0: any free port)");
  flags->Add(cmd, "--listen", "listen", "Address to bind");
  flags->Add(cmd, "--threads", "threads", "I/O threads");
  flags->Add(cmd, "--workers", "workers", "Blocking worker threads");
  flags->Add(cmd, "--key-dir", "key_dir", "Folder of the master and blind-index keys");
  flags->Add(cmd, "--keystore", "keystore", "SQLite path or postgres://URL of the keystore");
  cmd->callback([flags, &run] { run = [flags] { return Serve(*flags); }; });
}

}  // namespace yz::cli
