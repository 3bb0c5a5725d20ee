// Throttling of logins, one-time code checks and code requests (issue 15 defect 1).
//
// A Limit allows `max` uses per subject (a login, a client network, a device
// cookie) within a window that opens at the first use: the (max+1)th use inside the
// window is refused until the window ends. Uses are counted before the work they
// guard (Take), so concurrent requests cannot overshoot the limit; a caller that
// finds the use was legitimate gives it back (Refund) or clears the subject (Clear).
//
// The counts live in the database (table `throttles`), so every node behind a load
// balancer sees the same counts when the store is PostgreSQL. A row is keyed by a
// keyed BLAKE2b hash of the limit's name and the subject, so the table holds no
// login or address; the key must be the same on every node (DeriveThrottleKey).
// Rows expire with their window: every 1,000th Take on a node deletes the expired
// ones, and past `max_rows` the rows nearest their end go first, so the table
// stays bounded whatever an attacker sends.
//
// Thread-safety: thread-safe; the database outlives the throttle.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "crypto/secret_key.h"
#include "store/database.h"

namespace yz::accounts {

struct Limit {
  std::string_view name;    // distinguishes the counters of different limits
  int max = 0;              // uses allowed per window
  std::int64_t window = 0;  // seconds, from the first use
};

// The throttle key for every node, derived from the blind-index root key.
crypto::SecretKey DeriveThrottleKey(const crypto::SecretKey& blind_root);

class Throttle {
 public:
  // `key`: null gives a random key (one process only: tests, a single node).
  Throttle(store::Database& db, std::shared_ptr<const crypto::SecretKey> key,
           std::function<std::int64_t()> now, std::int64_t max_rows = 1'000'000);

  // Seconds until `subject` may use `limit` again; 0 if it may now.
  Result<std::int64_t> RetryAfter(const Limit& limit, std::string_view subject);
  // Counts one use. 0 if it is within the limit; otherwise the seconds until the
  // window ends (the use is refused, and stays counted).
  Result<std::int64_t> Take(const Limit& limit, std::string_view subject);
  // Gives back one use taken within the current window.
  Status Refund(const Limit& limit, std::string_view subject);
  // Forgets the subject's uses of `limit`.
  Status Clear(const Limit& limit, std::string_view subject);
  // Deletes expired rows, then the rows nearest their end beyond max_rows.
  // Returns how many rows were deleted.
  Result<std::int64_t> Sweep();

  // A keyed hash of `text` under a subkey of the throttle key, for values that
  // must be comparable across nodes without being stored (device cookies).
  std::string Mac(std::string_view purpose, std::string_view text) const;

 private:
  store::Blob Bucket(const Limit& limit, std::string_view subject) const;

  store::Database& db_;
  std::shared_ptr<const crypto::SecretKey> key_;
  std::function<std::int64_t()> now_;
  const std::int64_t max_rows_;
  std::atomic<std::uint64_t> takes_{0};
};

}  // namespace yz::accounts
