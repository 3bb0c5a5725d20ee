#include "web/routes.h"

#include <functional>
#include <string>

#include "collect/protector.h"
#include "web/account_api.h"
#include "web/assets.h"
#include "web/consent_api.h"
#include "web/device_api.h"
#include "web/event_api.h"
#include "web/notice.h"
#include "web/pages.h"

namespace yz::web {
namespace {

Response Health(Request&) { return Response::Json(200, R"({"status":"ok"})"); }

Response Ready(App& app) {
  Status s = app.db.Ping();
  if (!s.ok()) return Response::Error(503, "unavailable", "database unreachable: " + s.message());
  if (app.protector && !app.protector->parser_settled()) {
    return Response::Error(503, "starting", "user-agent rules are still loading")
        .With("Retry-After", "1");
  }
  return Response::Json(200, R"({"status":"ready"})");
}

Response Static(Request& req) {
  std::string path = "static/" + req.Param("file");
  auto data = FindAsset(path);
  if (!data || path.find("..") != std::string::npos) {
    return Response::Error(404, "not_found", "no such file: /" + path);
  }
  // Content-addressed ETag: the embedded bytes never change during a process's life.
  std::string etag = "\"" + std::to_string(std::hash<std::string_view>{}(*data)) + "\"";
  if (req.HeaderValue("if-none-match") == etag) {
    return Response::Text(304, "", std::string(ContentTypeFor(path))).With("ETag", etag);
  }
  return Response::Text(200, std::string(*data), std::string(ContentTypeFor(path)))
      .With("ETag", etag)
      .With("Cache-Control", "public, max-age=3600");
}

}  // namespace

Router BuildRoutes(App& app) {
  Router r;
  // Operations.
  r.Add("GET", "/healthz", Health, Exec::kInline);
  r.Add("GET", "/readyz", [&app](Request&) { return Ready(app); });
  r.Add(
      "GET", "/metrics",
      [&app](Request&) {
        return Response::Text(200, app.metrics.Render(),
                              "text/plain; version=0.0.4; charset=utf-8");
      },
      Exec::kInline);

  // Pages and assets.
  r.Add("GET", "/", [](Request& req) { return RenderPage(req, "home", "home_title"); });
  // The privacy notice and its published versions (web/notice.h). The literal
  // "diff" route comes before "{n}": the first matching route wins.
  privacy::NoticeVersions& notices = app.notices;
  r.Add("GET", "/privacy", [&notices](Request& req) { return PrivacyNotice(notices, req); });
  r.Add("GET", "/privacy/versions",
        [&notices](Request& req) { return PrivacyVersionsPage(notices, req); });
  r.Add("GET", "/privacy/versions/diff", PrivacyCompareRedirect, Exec::kInline);
  r.Add("GET", "/privacy/versions/{n}",
        [&notices](Request& req) { return PrivacyVersionPage(notices, req); });
  r.Add("GET", "/privacy/versions/{a}/diff/{b}",
        [&notices](Request& req) { return PrivacyDiffPage(notices, req); });
  r.Add("GET", "/static/{file...}", Static, Exec::kInline);

  // JSON API.
  r.Add("GET", "/api/v1/privacy/versions",
        [&notices](Request&) { return PrivacyVersionsJson(notices); });
  r.Add("GET", "/api/v1/privacy/versions/{n}",
        [&notices](Request& req) { return PrivacyVersionJson(notices, req); });
  r.Add("GET", "/api/v1/privacy/versions/{a}/diff/{b}",
        [&notices](Request& req) { return PrivacyDiffJson(notices, req); });

  // Accounts: the JSON API and the pages (web/account_api.h, web/account_pages.h).
  AddAccountRoutes(r, app);
  AddConsentRoutes(r, app);  // cookie consent, the banner form and settings (C2.3)
  AddDeviceRoutes(r, app);   // app events, update check, location (C2.2)
  if (app.protector && app.pipeline) AddEventRoutes(r, app);  // analytics ingest (C2.1)

  // C2.1: the access row of a logged-in visitor's request names the account,
  // sealed. Handlers that authenticate set it; for the other blocking routes (the
  // public pages) the session the request names is looked up after the handler,
  // on the worker pool. Routes on the I/O thread (event ingest, health) never
  // read the database, so their rows name no account.
  r.Wrap(Exec::kBlocking, [&app](Handler h) -> Handler {
    return [&app, h = std::move(h)](Request& req) {
      Response res = h(req);
      if (req.account_id.empty()) {
        if (auto cred = RequestCredentials(req)) {
          if (auto session = app.accounts.Authenticate(cred->token); session.ok()) {
            req.account_id = session->account_id;
          }
        }
      }
      return res;
    };
  });
  return r;
}

void HideUnroutedPath(collect::RequestFacts& facts, std::string& storage) {
  if (facts.status != 404 || !facts.route_params.empty()) return;
  const std::size_t second = facts.path.find('/', 1);
  if (second == std::string_view::npos) {
    storage.assign(facts.path);
  } else {
    storage.assign(facts.path.substr(0, second));
    storage += "/*";
  }
  facts.path = storage;
  facts.query = {};
}

}  // namespace yz::web
