// Fuzzes paths through the router: the real route table `serve` builds
// (web::BuildRoutes over inert services, as `yzcloud import-log` builds it:
// cli/server_routes.h), Router::Find on arbitrary method and path pairs, then what
// the access log keeps of the path: web::HideUnroutedPath for a 404 and
// collect::RedactedTarget with the inventory's redact_parameters of log.url_path.
//
// Input: "METHOD TARGET" (one space; without it the whole input is a GET target).
// The table is built once, over a SQLite store in a temporary folder removed at exit.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/privacy_setup.h"
#include "cli/server_routes.h"
#include "collect/pipeline.h"
#include "collect/protector.h"
#include "collect/request_facts.h"
#include "core/config.h"
#include "crypto/pseudonymizer.h"
#include "privacy/notice_versions.h"
#include "store/database.h"
#include "store/migrations.h"
#include "web/notice.h"
#include "web/routes.h"

namespace {

// What the table is built over. Never destroyed (the pipeline's writer thread and
// the table live until exit), and reachable from here so LeakSanitizer agrees.
struct World {
  yz::Config config;
  std::unique_ptr<yz::store::Database> db;
  std::unique_ptr<yz::cli::PrivacyStack> privacy;
  yz::crypto::Pseudonymizer salts;
  std::unique_ptr<yz::collect::Protector> protector;
  std::unique_ptr<yz::collect::Pipeline> pipeline;
  std::unique_ptr<yz::cli::ServerRoutes> routes;
};
World* world = nullptr;
const yz::web::Router* router = nullptr;
std::vector<std::string> redact;
std::filesystem::path dir;

[[noreturn]] void Die(std::string_view what, const yz::Status& s) {
  std::fprintf(stderr, "fuzz_router: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               s.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/yz-fuzz-router.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) std::abort();
  dir = tmpl;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  });
  world = new World;
  World& w = *world;
  w.config.data_dir = dir.string();
  auto db = yz::store::Open(w.config.DatabaseUrl(), 2);
  if (!db.ok()) Die("open", db.status());
  w.db = std::move(*db);
  if (yz::Status s = yz::store::Migrate(*w.db); !s.ok()) Die("migrate", s);
  auto shipped = yz::web::ShippedNoticeTexts();
  if (!shipped.ok()) Die("notice", shipped.status());
  yz::privacy::NoticeVersions notices(*w.db, yz::cli::UnixNow);
  if (auto p = notices.EnsurePublished(shipped->inventory, shipped->statement); !p.ok()) {
    Die("publish", p.status());
  }
  auto privacy = yz::cli::OpenPrivacyStack(w.config, *w.db, yz::cli::UnixNow);
  if (!privacy.ok()) Die("privacy", privacy.status());
  w.privacy = std::move(*privacy);
  w.protector = std::make_unique<yz::collect::Protector>(*w.privacy->gate, *w.privacy->inventory,
                                                         w.salts, yz::cli::UnixNow);
  w.pipeline = std::make_unique<yz::collect::Pipeline>(
      *w.db, yz::collect::Pipeline::Options{.capacity = 1000, .max_batch_rows = 100});
  w.routes = std::make_unique<yz::cli::ServerRoutes>(*w.db, *w.privacy, *w.protector, *w.pipeline);
  router = &w.routes->router();
  if (const auto* f = w.privacy->inventory->Find("log.url_path")) redact = f->redact_parameters;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view method = "GET";
  if (const std::size_t sp = input.find(' '); sp != std::string_view::npos) {
    method = input.substr(0, sp);
    input.remove_prefix(sp + 1);
  }
  std::string_view path = input, query;
  if (const std::size_t q = input.find('?'); q != std::string_view::npos) {
    path = input.substr(0, q);
    query = input.substr(q + 1);
  }
  std::vector<std::pair<std::string, std::string>> params;
  const yz::web::Router::Match m = router->Find(method, path, params);
  if (!m.route && !m.path_matched && !params.empty()) std::abort();
  if (m.path_matched && m.allow.empty()) std::abort();

  yz::collect::RequestFacts facts;
  facts.method = method;
  facts.path = path;
  facts.query = query;
  facts.route_params = params;
  facts.status = m.route ? 200 : m.path_matched ? 405 : 404;
  std::string storage;
  yz::web::HideUnroutedPath(facts, storage);
  if (facts.status == 404 && params.empty()) {
    // C2.1: a path no route serves keeps its first segment only, and no query.
    const std::size_t second = facts.path.find('/', 1);
    if (second != std::string_view::npos && facts.path.substr(second) != "/*") std::abort();
    if (!facts.query.empty()) std::abort();
  }
  const std::string kept =
      yz::collect::RedactedTarget(facts.path, facts.query, facts.route_params, redact);
  if (kept.empty() || kept.size() > 512) std::abort();
  return 0;
}
