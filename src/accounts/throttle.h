// Throttling of login and code attempts, per key (an account's blind index, a
// client IP): after `max_failures` failures within `window`, the key is blocked
// until the oldest of them leaves the window. Success clears the key's failures.
//
// In memory, per process: behind a load balancer each node throttles what it sees
// (documented in README; the limits are per node).
//
// Thread-safety: thread-safe (one mutex; entries are swept as they expire so memory
// stays bounded by the keys seen within one window, capped at `max_keys`).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace yz::accounts {

class Throttle {
 public:
  // `now` returns Unix seconds (a fake clock in tests).
  Throttle(int max_failures, std::int64_t window_seconds, std::function<std::int64_t()> now,
           std::size_t max_keys = 100000);

  // Seconds until `key` may try again; nullopt if it may try now.
  std::optional<std::int64_t> RetryAfter(std::string_view key);
  void Failure(std::string_view key);
  void Success(std::string_view key);

 private:
  const int max_failures_;
  const std::int64_t window_;
  std::function<std::int64_t()> now_;
  const std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::int64_t>> failures_;  // guarded by mu_
};

}  // namespace yz::accounts
