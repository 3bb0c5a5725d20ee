// The route table of the whole application: every URL the server answers is
// registered in BuildRoutes (routes.cc), with its method and where it runs.
// Handlers parse, call one service, and map the result; they hold no business rules.
#pragma once

#include <string>

#include "accounts/accounts.h"
#include "privacy/consent.h"
#include "privacy/gate.h"
#include "privacy/notice_versions.h"
#include "store/database.h"
#include "web/metrics.h"
#include "web/router.h"

namespace yz::collect {
class DeviceService;
class Pipeline;
class Protector;
struct RequestFacts;
}  // namespace yz::collect

namespace yz::web {

// What handlers may use. References outlive the server.
struct App {
  store::Database& db;
  Metrics& metrics;
  privacy::NoticeVersions& notices;
  privacy::Gate& gate;  // the one door for personal data
  privacy::ConsentLedger& consents;
  accounts::AccountService& accounts;  // registration, login, sessions (account_api.h)
  std::string policy_version;          // the published notice version consents are recorded under
  collect::DeviceService* devices = nullptr;  // app devices and releases (device_api.h)
  // Collection (web/event_api.h): the access log and event ingest. Null: not served.
  collect::Protector* protector = nullptr;
  collect::Pipeline* pipeline = nullptr;
};

Router BuildRoutes(App& app);

// What the access log keeps of a path no route serves (C2.1), for live requests
// (AccessLogHook) and imported log lines (`yzcloud import-log`) alike. The segments
// a route captured are hidden by collect::RedactedTarget through facts.route_params;
// when `facts` is a 404 no route captured anything of (route_params empty), nothing
// says which segments are tokens, so the path becomes its first segment
// ("/guardian/*"; "/x" stays "/x") and the query is dropped. `storage` holds that
// path and must outlive `facts`. Any other request is left as it is.
void HideUnroutedPath(collect::RequestFacts& facts, std::string& storage);

}  // namespace yz::web
