#include "crypto/secret_key.h"

#include <sodium.h>

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace yz::crypto {

Status EnsureSodium() {
  // sodium_init is itself idempotent and thread-safe; the static only saves the call.
  static const bool ok = sodium_init() >= 0;
  return ok ? Status::Ok() : Internal("libsodium could not be initialised");
}

SecretKey SecretKey::Allocate() {
  if (!EnsureSodium().ok()) {
    std::fputs("yz::crypto: libsodium could not be initialised\n", stderr);
    std::abort();
  }
  void* p = sodium_malloc(kSize);
  if (p == nullptr) {
    // Out of memory or mappings: an unlikely failure, so crash loudly (STYLE.md).
    std::fputs("yz::crypto: sodium_malloc failed for a key\n", stderr);
    std::abort();
  }
  return SecretKey(static_cast<std::uint8_t*>(p));
}

void SecretKey::Seal() { sodium_mprotect_readonly(p_); }

SecretKey SecretKey::Random() {
  SecretKey key = Allocate();
  randombytes_buf(key.p_, kSize);
  key.Seal();
  return key;
}

Result<SecretKey> SecretKey::FromBytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kSize) {
    return InvalidArgument("a key must be " + std::to_string(kSize) + " bytes, got " +
                           std::to_string(bytes.size()));
  }
  SecretKey key = Allocate();
  std::memcpy(key.p_, bytes.data(), kSize);
  key.Seal();
  return key;
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    if (p_ != nullptr) sodium_free(p_);
    p_ = other.p_;
    other.p_ = nullptr;
  }
  return *this;
}

SecretKey::~SecretKey() {
  if (p_ != nullptr) sodium_free(p_);  // wipes before unmapping
}

SecretKey SecretKey::Clone() const {
  SecretKey key = Allocate();
  std::memcpy(key.p_, data(), kSize);
  key.Seal();
  return key;
}

const std::uint8_t* SecretKey::data() const {
  assert(p_ != nullptr && "use of a moved-from SecretKey");
  return p_;
}

bool SecretKey::Equals(const SecretKey& other) const {
  return sodium_memcmp(data(), other.data(), kSize) == 0;
}

}  // namespace yz::crypto
