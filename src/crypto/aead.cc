#include "crypto/aead.h"

#include <sodium.h>

#include <cstring>

namespace yz::crypto {
namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kAeadNonceSize);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kAeadTagSize);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SecretKey::kSize);

void AppendField(std::vector<std::uint8_t>& out, std::string_view field) {
  const std::uint64_t n = field.size();
  const std::size_t at = out.size();
  out.resize(at + 8 + field.size());  // one growth check instead of one a byte
  for (int i = 0; i < 8; ++i) out[at + i] = static_cast<std::uint8_t>(n >> (8 * i));
  if (!field.empty()) std::memcpy(out.data() + at + 8, field.data(), field.size());
}

// version || len(table) table || len(column) column || len(row) row
// The buffer is the calling thread's, reused: sealing runs once per request.
const std::vector<std::uint8_t>& AssociatedData(std::uint8_t version, const Binding& b) {
  thread_local std::vector<std::uint8_t> ad;
  ad.clear();
  ad.reserve(1 + 24 + b.table.size() + b.column.size() + b.row.size());
  ad.push_back(version);
  AppendField(ad, b.table);
  AppendField(ad, b.column);
  AppendField(ad, b.row);
  return ad;
}

// A fresh nonce: each thread draws a random 16-byte prefix once and counts in
// the last 8 bytes. XChaCha20's 24-byte nonce is long enough for this to be as
// safe as 24 random bytes (prefixes of 128 random bits do not collide), and it
// spares drawing 24 bytes from the kernel per value, which measured ~2% of
// import-log. Should the counter ever wrap (2^64 values), it is back at 0 and a
// new prefix is drawn. (Not fork-safe: yzcloud never forks once it has sealed
// anything; a forked child would repeat the parent's nonces.)
void NextNonce(std::uint8_t* nonce) {
  constexpr std::size_t kPrefix = kAeadNonceSize - 8;
  thread_local std::uint8_t prefix[kPrefix];
  thread_local std::uint64_t counter = 0;
  if (counter == 0) randombytes_buf(prefix, kPrefix);
  std::memcpy(nonce, prefix, kPrefix);
  const std::uint64_t n = counter++;
  for (int i = 0; i < 8; ++i) nonce[kPrefix + i] = static_cast<std::uint8_t>(n >> (8 * i));
}

}  // namespace

Result<std::vector<std::uint8_t>> Seal(const SecretKey& key,
                                       std::span<const std::uint8_t> plaintext,
                                       const Binding& binding) {
  return Sealer(key).Seal(plaintext, binding);
}

Result<std::vector<std::uint8_t>> Seal(const SecretKey& key, std::string_view plaintext,
                                       const Binding& binding) {
  return Sealer(key).Seal(plaintext, binding);
}

Sealer::~Sealer() { sodium_memzero(subkey_, sizeof subkey_); }

Sealer::Sealer(Sealer&& other) noexcept : key_(other.key_), derived_(other.derived_) {
  std::memcpy(prefix_, other.prefix_, sizeof prefix_);
  std::memcpy(subkey_, other.subkey_, sizeof subkey_);
  sodium_memzero(other.subkey_, sizeof other.subkey_);
  other.derived_ = false;
}

Result<std::vector<std::uint8_t>> Sealer::Seal(std::span<const std::uint8_t> plaintext,
                                               const Binding& binding) {
  static_assert(sizeof prefix_ == crypto_core_hchacha20_INPUTBYTES);
  static_assert(sizeof subkey_ == crypto_core_hchacha20_OUTPUTBYTES);
  static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);
  RETURN_IF_ERROR(EnsureSodium());
  if (plaintext.size() > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX - kAeadOverhead) {
    return InvalidArgument("aead: plaintext too large");
  }
  const std::vector<std::uint8_t>& ad = AssociatedData(kAeadVersion, binding);
  std::vector<std::uint8_t> out(kAeadOverhead + plaintext.size());
  out[0] = kAeadVersion;
  std::uint8_t* nonce = out.data() + 1;
  NextNonce(nonce);
  if (!derived_ || std::memcmp(nonce, prefix_, sizeof prefix_) != 0) {
    crypto_core_hchacha20(subkey_, nonce, key_->data(), nullptr);
    std::memcpy(prefix_, nonce, sizeof prefix_);
    derived_ = true;
  }
  // XChaCha20-Poly1305's inner nonce: four zero bytes, then the last 8.
  std::uint8_t inner[12] = {};
  std::memcpy(inner + 4, nonce + sizeof prefix_, 8);
  std::uint8_t* ct = nonce + kAeadNonceSize;
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(ct, ct + plaintext.size(), nullptr,
                                                     plaintext.data(), plaintext.size(), ad.data(),
                                                     ad.size(), nullptr, inner, subkey_);
  return out;
}

Result<std::vector<std::uint8_t>> Open(const SecretKey& key, std::span<const std::uint8_t> sealed,
                                       const Binding& binding) {
  RETURN_IF_ERROR(EnsureSodium());
  if (sealed.size() < kAeadOverhead) {
    return PermissionDenied("aead: sealed value is truncated (" + std::to_string(sealed.size()) +
                            " bytes)");
  }
  if (sealed[0] != kAeadVersion) {
    return PermissionDenied("aead: unknown format version " + std::to_string(sealed[0]));
  }
  const std::vector<std::uint8_t>& ad = AssociatedData(sealed[0], binding);
  const std::uint8_t* nonce = sealed.data() + 1;
  const std::uint8_t* ct = nonce + kAeadNonceSize;
  const std::size_t ct_len = sealed.size() - 1 - kAeadNonceSize;
  std::vector<std::uint8_t> out(ct_len - kAeadTagSize);
  unsigned long long written = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &written, nullptr, ct, ct_len,
                                                 ad.data(), ad.size(), nonce, key.data()) != 0) {
    // Nothing was written on failure, but be certain no partial plaintext escapes.
    sodium_memzero(out.data(), out.size());
    return PermissionDenied("aead: value does not open here (wrong key, moved, or tampered)");
  }
  out.resize(written);
  return out;
}

Result<std::string> OpenString(const SecretKey& key, std::span<const std::uint8_t> sealed,
                               const Binding& binding) {
  ASSIGN_OR_RETURN(std::vector<std::uint8_t> bytes, Open(key, sealed, binding));
  std::string s(bytes.begin(), bytes.end());
  sodium_memzero(bytes.data(), bytes.size());
  return s;
}

}  // namespace yz::crypto
