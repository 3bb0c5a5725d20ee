// The collection retention job (C2.1, PIPL Art. 19): what the inventory says
// about how long log data lives, done.
//  - A day's log key (full IPs and account links, keystore subject
//    "log-day:DAY") is destroyed once the day is older than log.ip_full's
//    retention (7 days): crypto-shredding, so copies in backups die too. The
//    sealed columns of that day are then cleared.
//  - A day's visitor salt ("visitor-salt:DAY") is destroyed once the day after it
//    has ended: the day's pseudonyms can be counted but never recomputed from an
//    IP and agent again.
//  - Access-log rows older than log.request_time's retention and events older
//    than log.url_path's retention are deleted.
// Every destruction is recorded in log_days, so a run is cheap and repeatable.
//
// Thread-safety: Run may be called from any thread; concurrent runs are safe
// (each step is idempotent) but pointless.
#pragma once

#include <cstdint>
#include <functional>

#include "core/status.h"
#include "privacy/gate.h"
#include "privacy/inventory.h"
#include "store/database.h"

namespace yz::collect {

struct RetentionReport {
  std::int64_t keys_destroyed = 0;
  std::int64_t salts_destroyed = 0;
  std::int64_t access_rows_deleted = 0;
  std::int64_t events_deleted = 0;
};

class Retention {
 public:
  Retention(store::Database& db, privacy::Gate& gate, const privacy::Inventory& inventory,
            std::function<std::int64_t()> now);

  Result<RetentionReport> Run();

 private:
  store::Database& db_;
  privacy::Gate& gate_;
  std::int64_t ip_full_seconds_;
  std::int64_t access_seconds_;
  std::int64_t event_seconds_;
  std::function<std::int64_t()> now_;
};

}  // namespace yz::collect
