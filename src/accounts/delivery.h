// The delivery worker: drains the outbox (outbox.h) into a Notifier (the outbox
// file, or SMTP), after the transactions that queued the messages have committed.
//
// A due row is claimed with a conditional UPDATE that pushes its next attempt one
// lease ahead, so when several nodes share a PostgreSQL database each message is
// taken by one of them; a node that dies while delivering leaves the row to be
// retried once the lease ends (delivery is at least once). A failed attempt is
// logged (message id, attempt number and the channel's error: no recipient, no
// content) and retried with exponential backoff, from 5 seconds up to an hour,
// until `max_attempts`; then the row keeps its last error and is left alone.
//
// Thread-safety: DeliverDue may run on several threads and nodes at once; Run is
// meant for one thread per process.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>

#include "accounts/notifier.h"
#include "accounts/outbox.h"
#include "core/status.h"
#include "store/database.h"

namespace yz::accounts {

struct DeliveryOptions {
  std::int64_t lease_seconds = 60;        // a claimed row is retried after this
  std::int64_t first_retry_seconds = 5;   // then doubled each attempt...
  std::int64_t max_retry_seconds = 3600;  // ...up to this
  int max_attempts = 20;                  // about 15 hours of retries
  int batch = 50;                         // rows read per round
  std::chrono::milliseconds poll{2000};   // for rows other nodes queued
};

struct DeliveryRound {
  int delivered = 0;
  int failed = 0;  // attempts that failed (to be retried, or given up)
};

class OutboxDelivery {
 public:
  OutboxDelivery(store::Database& db, Outbox& outbox, Notifier& channel,
                 std::function<std::int64_t()> now, DeliveryOptions options = {});

  // Delivers every message due now, oldest first. An error only for the database.
  Result<DeliveryRound> DeliverDue();
  // DeliverDue until `stop`, waking when messages are queued (Outbox::Wake) or
  // every `poll`. Database errors are logged and retried.
  void Run(std::stop_token stop);

 private:
  std::int64_t Backoff(std::int64_t attempts) const;

  store::Database& db_;
  Outbox& outbox_;
  Notifier& channel_;
  std::function<std::int64_t()> now_;
  const DeliveryOptions options_;
};

}  // namespace yz::accounts
