// Pseudonymizer: daily-salted keyed hashes for counting unique visitors without
// keeping who they are (the scheme Plausible uses).
//
// Each UTC day has its own random 32-byte salt. An id is the first 16 bytes of
// keyed BLAKE2b(key = salt of the day, message = input), as 32 hex characters. The
// same input gives the same id all day and an unrelated id the next day. Salts of
// days older than `keep_days` (default 2) before the newest day seen are destroyed
// (wiped), and from then on no id can be computed for those days: asking is
// FailedPrecondition, even for a day that never had a salt, so a destroyed salt can
// never be replaced by a fresh one for the same day.
//
// The newest day seen advances with Rotate(day) and with the clock at every Id
// call, so salts are destroyed even when nobody calls Rotate. A day after
// tomorrow (per the clock) gets no salt: a future-dated input cannot move the
// window and destroy yesterday's salt early.
//
// Salts live in memory (guarded, wiped on destruction), loaded through the
// SaltLoader when one is given (the server keeps them in the keystore, so nodes
// and restarts agree, and destroys them there). Without a loader a restart starts
// new salts: ids of the same visitor before and after it differ, which costs some
// accuracy in unique-visitor counts and nothing in privacy.
//
// Thread-safety: thread-safe; one mutex (`mu_`) guards the salt map. A Day
// handle is immutable and may be used from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/secret_key.h"

namespace yz::crypto {

// Days since 1970-01-01 UTC.
using DayNumber = std::int64_t;
DayNumber UtcDay(std::chrono::system_clock::time_point t);

class Pseudonymizer {
  class KeyedHash;  // a day's salt, absorbed as BLAKE2b's key (pseudonymizer.cc)

 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  static constexpr std::size_t kIdBytes = 16;

  // Where a day's salt comes from when this process has none for it yet: a
  // keystore, so that processes share salts and a restart keeps them. Empty: a
  // fresh random salt, in memory only.
  using SaltLoader = std::function<Result<SecretKey>(DayNumber day)>;

  explicit Pseudonymizer(Clock clock = &std::chrono::system_clock::now, int keep_days = 2,
                         SaltLoader loader = {});

  // The id of `input` for today per the clock (rotating first).
  Result<std::string> Id(std::string_view input);
  // The id of `input` for `day`. FailedPrecondition if `day` is older than
  // newest-day-seen minus keep_days (its salt is destroyed or was never allowed).
  Result<std::string> Id(DayNumber day, std::string_view input);

  // A day's salt, held for a run of ids that all fall on that day (a chunk of log
  // lines, the events of one request), so that each id takes no lock. It keeps
  // the salt alive past a Rotate that destroys it: hold it only for that run.
  class Day {
   public:
    std::string Id(std::string_view input) const;

   private:
    friend class Pseudonymizer;
    explicit Day(std::shared_ptr<const KeyedHash> hash) : hash_(std::move(hash)) {}
    std::shared_ptr<const KeyedHash> hash_;
  };
  // The same errors as Id(day, input).
  Result<Day> ForDay(DayNumber day);

  // Makes `now_day` the newest day seen (never moves backwards) and destroys every
  // salt older than now_day - keep_days.
  void Rotate(DayNumber now_day);
  // Rotate(today per the clock).
  void Rotate();

  // Days that currently hold a salt, oldest first (for tests and metrics).
  std::vector<DayNumber> SaltDays() const;

 private:
  void RotateLocked(DayNumber now_day);

  const Clock clock_;
  const int keep_days_;
  const SaltLoader loader_;
  mutable std::mutex mu_;  // guards everything below
  // Shared so that Id hashes outside the lock; a destroyed salt is wiped once the
  // last Id using it returns.
  std::map<DayNumber, std::shared_ptr<const KeyedHash>> salts_;
  DayNumber newest_day_ = INT64_MIN;  // no day seen yet
};

}  // namespace yz::crypto
