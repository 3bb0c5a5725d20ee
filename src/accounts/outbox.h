// The outbox: the durable queue of messages to deliver (issue 15 defect 7).
//
// A message is queued on the caller's connection, inside the transaction of the
// change that causes it (a registration and its verification code, a reset code, a
// security notice): both commit or neither does, so a client is never told that a
// change failed which in fact happened, nor that a message left which was never
// queued. The delivery worker (delivery.h) sends it afterwards.
//
// Each row holds the whole message sealed through the gate (field
// `notification.message`, subject = the account it concerns), bound to
// Binding{"outbox", "sealed", message_id} with a random message id, plus delivery
// state: attempts, next_attempt_at, delivered_at, last_error (never personal).
//
// Thread-safety: thread-safe; the database and gate outlive the outbox.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/notifier.h"
#include "core/status.h"
#include "privacy/gate.h"
#include "store/database.h"

namespace yz::accounts {

class Outbox {
 public:
  Outbox(store::Database& db, privacy::Gate& gate, std::function<std::int64_t()> now);

  // Seals `message` (created_at set to now) and inserts it on `conn`, which the
  // caller has in a transaction. Call Wake() once that transaction commits.
  Status Enqueue(store::Connection& conn, const Message& message);
  // Enqueue in a transaction of its own, then Wake(): for a message that is the
  // only change.
  Status Send(const Message& message);

  // Tells a waiting delivery worker that messages were committed.
  void Wake();
  // How many times Wake() was called: read before looking for work, then pass to
  // WaitForWork so that a Wake() in between is not missed.
  std::uint64_t Wakes();
  // Waits until Wake() was called more than `seen` times, `timeout` passed, or a
  // stop was requested, whichever comes first.
  void WaitForWork(std::stop_token stop, std::chrono::milliseconds timeout, std::uint64_t seen);

  // Every message still readable, oldest first, read through the gate for `actor`
  // (each read is recorded where the account holder can see it). An erased
  // account's messages no longer open and are skipped.
  Result<std::vector<Message>> List(std::string_view actor);

  // One queued row, for the delivery worker.
  struct Queued {
    std::int64_t id = 0;
    std::string message_id;
    std::string account;
    store::Blob sealed;
    std::int64_t attempts = 0;
  };
  // Opens a queued row's message through the gate, on behalf of its account (the
  // message is delivered to its holder). PermissionDenied once the account is erased.
  Result<Message> Open(const Queued& row);

 private:
  store::Database& db_;
  privacy::Gate& gate_;
  std::function<std::int64_t()> now_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::uint64_t wakes_ = 0;  // guarded by mu_
};

}  // namespace yz::accounts
