#include "crypto/pseudonymizer.h"

#include <sodium.h>

#include <climits>
#include <cstring>
#include <new>

namespace yz::crypto {

// The keyed BLAKE2b state once the salt's key block is absorbed, kept in guarded
// memory (sodium_malloc) and wiped when the day's salt is destroyed. An id starts
// from a copy of it, so the key block is compressed once per day, not per id.
class Pseudonymizer::KeyedHash {
 public:
  explicit KeyedHash(const SecretKey& salt)
      : state_(static_cast<unsigned char*>(sodium_malloc(sizeof(crypto_generichash_state)))) {
    if (!state_) throw std::bad_alloc();
    crypto_generichash_state st;  // aligned as BLAKE2b wants; sodium_malloc may not be
    crypto_generichash_init(&st, salt.data(), SecretKey::kSize, kIdBytes);
    std::memcpy(state_, &st, sizeof st);
    sodium_memzero(&st, sizeof st);
    sodium_mprotect_readonly(state_);
  }
  ~KeyedHash() { sodium_free(state_); }
  KeyedHash(const KeyedHash&) = delete;
  KeyedHash& operator=(const KeyedHash&) = delete;

  // The same bytes as crypto_generichash(out, kIdBytes, input, salt).
  void Hash(std::string_view input, unsigned char (&out)[kIdBytes]) const {
    crypto_generichash_state st;
    std::memcpy(&st, state_, sizeof st);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                              input.size());
    crypto_generichash_final(&st, out, kIdBytes);
    sodium_memzero(&st, sizeof st);
  }

 private:
  unsigned char* state_;
};

DayNumber UtcDay(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::days>(t).time_since_epoch().count();
}

Pseudonymizer::Pseudonymizer(Clock clock, int keep_days, SaltLoader loader)
    : clock_(std::move(clock)),
      keep_days_(keep_days < 0 ? 0 : keep_days),
      loader_(std::move(loader)) {}

void Pseudonymizer::RotateLocked(DayNumber now_day) {
  if (now_day > newest_day_) newest_day_ = now_day;
  const DayNumber oldest_kept = newest_day_ - keep_days_;
  // Destroying the SecretKey wipes the salt (sodium_free).
  salts_.erase(salts_.begin(), salts_.lower_bound(oldest_kept));
}

void Pseudonymizer::Rotate(DayNumber now_day) {
  std::lock_guard lock(mu_);
  RotateLocked(now_day);
}

void Pseudonymizer::Rotate() { Rotate(UtcDay(clock_())); }

Result<std::string> Pseudonymizer::Id(std::string_view input) {
  return Id(UtcDay(clock_()), input);
}

Result<std::string> Pseudonymizer::Id(DayNumber day, std::string_view input) {
  ASSIGN_OR_RETURN(Day salt, ForDay(day));
  return salt.Id(input);
}

Result<Pseudonymizer::Day> Pseudonymizer::ForDay(DayNumber day) {
  RETURN_IF_ERROR(EnsureSodium());
  std::lock_guard lock(mu_);
  // The clock, not the day asked for, moves the window: a request dated in the
  // future must not destroy yesterday's salt early.
  RotateLocked(UtcDay(clock_()));
  if (day > newest_day_ + 1) {
    return FailedPrecondition("pseudonymizer: day " + std::to_string(day) +
                              " lies in the future; no salt is made for it");
  }
  if (day < newest_day_ - keep_days_) {
    return FailedPrecondition("pseudonymizer: the salt of day " + std::to_string(day) +
                              " is destroyed; ids for it can no longer be computed");
  }
  auto it = salts_.find(day);
  if (it == salts_.end()) {
    if (loader_) {
      ASSIGN_OR_RETURN(SecretKey loaded, loader_(day));
      it = salts_.emplace(day, std::make_shared<const KeyedHash>(loaded)).first;
    } else {
      it = salts_.emplace(day, std::make_shared<const KeyedHash>(SecretKey::Random())).first;
    }
  }
  return Day(it->second);
}

std::string Pseudonymizer::Day::Id(std::string_view input) const {
  unsigned char id[kIdBytes];
  hash_->Hash(input, id);
  std::string hex(2 * kIdBytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), id, sizeof id);
  hex.resize(2 * kIdBytes);
  return hex;
}

std::vector<DayNumber> Pseudonymizer::SaltDays() const {
  std::lock_guard lock(mu_);
  std::vector<DayNumber> days;
  for (const auto& [day, salt] : salts_) days.push_back(day);
  return days;
}

}  // namespace yz::crypto
