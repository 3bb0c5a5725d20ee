// The route table `serve` builds (web::BuildRoutes), for code that needs to know
// how the server would route a path without serving anything: `yzcloud import-log`
// names the parts of an imported path exactly as the server names a live
// request's, and fuzz/router.cc drives the real table. Only Router::Find is
// meant to be used: no handler ever runs, so the services the table is built over
// are inert stand-ins (an outbox nothing writes to, a random install-id key),
// wired as `serve` wires them so that every feature's routes are in the table.
// Built once per run (the account service's constructor hashes one dummy password,
// a few tens of milliseconds).
//
// Thread-safety: build once; afterwards router() is read-only and shared freely.
#pragma once

#include "accounts/accounts.h"
#include "accounts/outbox.h"
#include "cli/privacy_setup.h"
#include "collect/devices.h"
#include "collect/pipeline.h"
#include "collect/protector.h"
#include "privacy/notice_versions.h"
#include "store/database.h"
#include "web/metrics.h"
#include "web/router.h"
#include "web/routes.h"

namespace yz::cli {

class ServerRoutes {
 public:
  // Everything given outlives this object.
  ServerRoutes(store::Database& db, PrivacyStack& privacy, collect::Protector& protector,
               collect::Pipeline& pipeline);

  const web::Router& router() const { return router_; }

 private:
  accounts::Outbox outbox_;  // never written: no handler runs
  web::Metrics metrics_;
  privacy::NoticeVersions notices_;
  accounts::AccountService accounts_;
  collect::DeviceService devices_;
  web::App app_;
  const web::Router router_;  // read-only: shared by the workers
};

}  // namespace yz::cli
