#include "accounts/delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <utility>

namespace yz::accounts {

OutboxDelivery::OutboxDelivery(store::Database& db, Outbox& outbox, Notifier& channel,
                               std::function<std::int64_t()> now, DeliveryOptions options)
    : db_(db), outbox_(outbox), channel_(channel), now_(std::move(now)), options_(options) {}

std::int64_t OutboxDelivery::Backoff(std::int64_t attempts) const {
  std::int64_t wait = options_.first_retry_seconds;
  for (std::int64_t i = 1; i < attempts && wait < options_.max_retry_seconds; ++i) wait *= 2;
  return std::min(wait, options_.max_retry_seconds);
}

Result<DeliveryRound> OutboxDelivery::DeliverDue() {
  DeliveryRound round;
  const std::int64_t now = now_();
  store::Rows rows;
  {
    ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    const store::Value p[] = {now, std::int64_t{options_.max_attempts},
                              std::int64_t{options_.batch}};
    ASSIGN_OR_RETURN(rows, conn->Query("SELECT id, message_id, account, sealed, attempts FROM "
                                       "outbox WHERE delivered_at IS NULL AND "
                                       "next_attempt_at <= $1 AND attempts < $2 "
                                       "ORDER BY next_attempt_at, id LIMIT $3",
                                       p));
  }
  for (const store::Row& r : rows) {
    Outbox::Queued row{r.Int(0), r.Text(1), r.Text(2), r.Bytes(3), r.Int(4)};
    ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    // Claim: only the node whose UPDATE changes the row delivers it.
    const store::Value claim[] = {row.id, now, now + options_.lease_seconds};
    ASSIGN_OR_RETURN(std::int64_t claimed,
                     conn->Exec("UPDATE outbox SET next_attempt_at = $3 WHERE id = $1 AND "
                                "delivered_at IS NULL AND next_attempt_at <= $2",
                                claim));
    if (claimed != 1) continue;
    const std::int64_t attempt = row.attempts + 1;
    Status sent;
    auto message = outbox_.Open(row);
    if (!message.ok()) {
      sent = message.status();
    } else {
      sent = channel_.Send(*message);
    }
    if (sent.ok()) {
      const store::Value done[] = {row.id, now_(), attempt};
      RETURN_IF_ERROR(conn->Exec("UPDATE outbox SET delivered_at = $2, attempts = $3, "
                                 "last_error = NULL WHERE id = $1",
                                 done)
                          .status());
      ++round.delivered;
      continue;
    }
    ++round.failed;
    // An erased account's message can never open: no point retrying it.
    const bool hopeless = !message.ok() && message.status().code() == Code::kPermissionDenied;
    const std::int64_t attempts = hopeless ? options_.max_attempts : attempt;
    const store::Value retry[] = {row.id, attempts, now_() + Backoff(attempt),
                                  std::string(sent.message())};
    RETURN_IF_ERROR(conn->Exec("UPDATE outbox SET attempts = $2, next_attempt_at = $3, "
                               "last_error = $4 WHERE id = $1",
                               retry)
                        .status());
    // The channel's errors name no recipient and no content: safe to log.
    if (attempts >= options_.max_attempts) {
      spdlog::error("outbox: gave up on message {} after {} attempt(s): {}", row.message_id,
                    attempt, sent.message());
    } else {
      spdlog::warn("outbox: delivering message {} failed (attempt {}), retrying in {} s: {}",
                   row.message_id, attempt, Backoff(attempt), sent.message());
    }
  }
  return round;
}

void OutboxDelivery::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const std::uint64_t seen = outbox_.Wakes();
    auto round = DeliverDue();
    if (!round.ok()) spdlog::error("outbox: {}", round.status().message());
    // A full batch may have more behind it: go again at once.
    const bool more = round.ok() && round->delivered + round->failed >= options_.batch;
    if (!more) outbox_.WaitForWork(stop, options_.poll, seen);
  }
}

}  // namespace yz::accounts
