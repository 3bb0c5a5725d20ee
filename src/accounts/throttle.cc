#include "accounts/throttle.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <utility>
#include <vector>

namespace yz::accounts {
namespace {

// Drops the failures of `times` that have left the window ending at `now`: a
// failure at t counts while now - t < window.
void Expire(std::deque<std::int64_t>& times, std::int64_t now, std::int64_t window) {
  while (!times.empty() && now - times.front() >= window) times.pop_front();
}

}  // namespace

Throttle::Throttle(int max_failures, std::int64_t window_seconds, std::function<std::int64_t()> now,
                   std::size_t max_keys)
    : max_failures_(max_failures),
      window_(window_seconds),
      now_(std::move(now)),
      max_keys_(max_keys) {
  assert(max_failures_ >= 1 && window_ >= 1 && max_keys_ >= 1 && now_);
}

std::optional<std::int64_t> Throttle::RetryAfter(std::string_view key) {
  const std::int64_t now = now_();
  std::lock_guard lock(mu_);
  auto it = failures_.find(std::string(key));
  if (it == failures_.end()) return std::nullopt;
  Expire(it->second, now, window_);
  if (it->second.empty()) {
    failures_.erase(it);
    return std::nullopt;
  }
  if (static_cast<int>(it->second.size()) < max_failures_) return std::nullopt;
  // Blocked until the oldest counted failure leaves the window.
  return std::max<std::int64_t>(1, it->second.front() + window_ - now);
}

void Throttle::Failure(std::string_view key) {
  const std::int64_t now = now_();
  std::lock_guard lock(mu_);
  auto it = failures_.find(std::string(key));
  if (it == failures_.end()) {
    // Memory stays bounded without a sweeper thread: expired keys are swept each
    // time the table doubles (amortized O(1) per new key), and at `max_keys` the
    // keys whose last failure is oldest are evicted, a sixteenth at a time so that
    // a flood of new keys does not pay a full scan each. Evicting forgets a key's
    // failures early, which favours an attacker only once the table is full of
    // fresher keys; the cap protects the process first.
    const std::size_t size = failures_.size();
    if (size >= max_keys_ || (size >= 64 && std::has_single_bit(size))) {
      for (auto e = failures_.begin(); e != failures_.end();) {
        Expire(e->second, now, window_);
        e = e->second.empty() ? failures_.erase(e) : std::next(e);
      }
    }
    if (failures_.size() >= max_keys_) {
      std::vector<std::pair<std::int64_t, const std::string*>> by_age;
      by_age.reserve(failures_.size());
      for (const auto& [k, times] : failures_) by_age.emplace_back(times.back(), &k);
      const std::size_t evict =
          std::min(by_age.size(), failures_.size() - max_keys_ + 1 + max_keys_ / 16);
      std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(evict - 1),
                       by_age.end());
      std::vector<std::string> victims;
      victims.reserve(evict);
      for (std::size_t i = 0; i < evict; ++i) victims.push_back(*by_age[i].second);
      for (const auto& v : victims) failures_.erase(v);
    }
    it = failures_.emplace(std::string(key), std::deque<std::int64_t>{}).first;
  }
  auto& times = it->second;
  Expire(times, now, window_);
  times.push_back(now);
  // Only the newest max_failures count: "max_failures within the window" holds
  // exactly when the oldest of them is still inside it.
  while (static_cast<int>(times.size()) > max_failures_) times.pop_front();
}

void Throttle::Success(std::string_view key) {
  std::lock_guard lock(mu_);
  failures_.erase(std::string(key));
}

}  // namespace yz::accounts
