#include "accounts/throttle.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <utility>

namespace yz::accounts {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "yzthrotl";
static_assert(sizeof(kKdfContext) - 1 == crypto_kdf_CONTEXTBYTES);
constexpr std::uint64_t kThrottleSubkey = 1;
constexpr std::size_t kBucketBytes = 16;
constexpr std::uint64_t kSweepEvery = 1000;

// One statement on both backends: the row is created, counted in its window, or
// started afresh when its window has ended. Every SET expression reads the old row.
constexpr std::string_view kTakeSql =
    "INSERT INTO throttles (bucket, window_end, count) VALUES ($1, $3, 1) "
    "ON CONFLICT (bucket) DO UPDATE SET "
    "count = CASE WHEN throttles.window_end <= $2 THEN 1 ELSE throttles.count + 1 END, "
    "window_end = CASE WHEN throttles.window_end <= $2 THEN $3 ELSE throttles.window_end END "
    "RETURNING count, window_end";

}  // namespace

crypto::SecretKey DeriveThrottleKey(const crypto::SecretKey& blind_root) {
  // libsodium cannot start only without an entropy source: nothing works then.
  if (!crypto::EnsureSodium().ok()) std::abort();
  auto key =
      crypto::SecretKey::FillWith([&](std::span<std::uint8_t, crypto::SecretKey::kSize> out) {
        crypto_kdf_derive_from_key(out.data(), out.size(), kThrottleSubkey, kKdfContext,
                                   blind_root.data());
        return Status::Ok();
      });
  return std::move(key).value();
}

Throttle::Throttle(store::Database& db, std::shared_ptr<const crypto::SecretKey> key,
                   std::function<std::int64_t()> now, std::int64_t max_rows)
    : db_(db), key_(std::move(key)), now_(std::move(now)), max_rows_(max_rows) {
  if (!key_) key_ = std::make_shared<const crypto::SecretKey>(crypto::SecretKey::Random());
  assert(now_ && max_rows_ >= 1);
}

std::string Throttle::Mac(std::string_view purpose, std::string_view text) const {
  std::uint8_t out[32];
  crypto_generichash_state st;
  crypto_generichash_init(&st, key_->data(), crypto::SecretKey::kSize, sizeof out);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(purpose.data()),
                            purpose.size());
  const unsigned char zero = 0;
  crypto_generichash_update(&st, &zero, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  crypto_generichash_final(&st, out, sizeof out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

store::Blob Throttle::Bucket(const Limit& limit, std::string_view subject) const {
  const std::string mac = Mac(limit.name, subject);
  return store::Blob(mac.begin(), mac.begin() + kBucketBytes);
}

Result<std::int64_t> Throttle::RetryAfter(const Limit& limit, std::string_view subject) {
  const std::int64_t now = now_();
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value p[] = {Bucket(limit, subject)};
  ASSIGN_OR_RETURN(auto rows,
                   conn->Query("SELECT count, window_end FROM throttles WHERE bucket = $1", p));
  if (rows.empty() || rows[0].Int(1) <= now || rows[0].Int(0) < limit.max) return 0;
  return rows[0].Int(1) - now;
}

Result<std::int64_t> Throttle::Take(const Limit& limit, std::string_view subject) {
  if (takes_.fetch_add(1, std::memory_order_relaxed) % kSweepEvery == kSweepEvery - 1) {
    (void)Sweep();  // best effort: a failed sweep is retried 1,000 takes later
  }
  const std::int64_t now = now_();
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value p[] = {Bucket(limit, subject), now, now + limit.window};
  ASSIGN_OR_RETURN(auto rows, conn->Query(kTakeSql, p));
  if (rows.empty()) return Internal("throttle: the counter returned no row");
  if (rows[0].Int(0) <= limit.max) return 0;
  return std::max<std::int64_t>(1, rows[0].Int(1) - now);
}

Status Throttle::Refund(const Limit& limit, std::string_view subject) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value p[] = {Bucket(limit, subject), now_()};
  return conn
      ->Exec(
          "UPDATE throttles SET count = count - 1 WHERE bucket = $1 AND count > 0 "
          "AND window_end > $2",
          p)
      .status();
}

Status Throttle::Clear(const Limit& limit, std::string_view subject) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value p[] = {Bucket(limit, subject)};
  return conn->Exec("DELETE FROM throttles WHERE bucket = $1", p).status();
}

Result<std::int64_t> Throttle::Sweep() {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value now[] = {now_()};
  ASSIGN_OR_RETURN(std::int64_t deleted,
                   conn->Exec("DELETE FROM throttles WHERE window_end <= $1", now));
  ASSIGN_OR_RETURN(auto count, conn->Query("SELECT count(*) FROM throttles"));
  const std::int64_t over = count.empty() ? 0 : count[0].Int(0) - max_rows_;
  if (over > 0) {
    // The rows nearest their end lose the least: their windows were closing anyway.
    const store::Value n[] = {over};
    ASSIGN_OR_RETURN(std::int64_t evicted,
                     conn->Exec("DELETE FROM throttles WHERE bucket IN (SELECT bucket FROM "
                                "throttles ORDER BY window_end LIMIT $1)",
                                n));
    deleted += evicted;
  }
  return deleted;
}

}  // namespace yz::accounts
