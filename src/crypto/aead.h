// Authenticated encryption of personal fields at rest (XChaCha20-Poly1305-IETF).
//
// Sealed format (what the store keeps in a BLOB/BYTEA column):
//   1 byte  format version (kAeadVersion)
//  24 bytes random nonce
//   n bytes ciphertext followed by the 16-byte Poly1305 tag
//
// The associated data binds the ciphertext to where it rests: the version byte and
// the Binding's table, column and row, each length-prefixed (8-byte little-endian
// length, then the bytes), so ("ab","c") and ("a","bc") never serialise alike. A
// ciphertext copied to another row, column or table therefore fails to open.
//
// Errors: every failure to Open (too short, unknown version, wrong key, tampered
// bytes, or a ciphertext moved to another binding) is PermissionDenied: the caller
// may not read this value here. The message says which of the structural cases
// applies; authentication failures are deliberately not told apart. A key that was
// shredded (keyring Erase) looks exactly like a wrong key.
//
// Thread-safety: free functions without shared state; a Sealer, see below.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/secret_key.h"

namespace yz::crypto {

inline constexpr std::uint8_t kAeadVersion = 1;
inline constexpr std::size_t kAeadNonceSize = 24;
inline constexpr std::size_t kAeadTagSize = 16;
inline constexpr std::size_t kAeadOverhead = 1 + kAeadNonceSize + kAeadTagSize;

// Where a sealed value rests. `row` is the row's stable id as text (for example
// the subject id); it must be known before the row is written.
struct Binding {
  std::string_view table;
  std::string_view column;
  std::string_view row;
};

// Encrypts `plaintext` under `key` for `binding` with a fresh random nonce.
// InvalidArgument if the plaintext is larger than libsodium allows.
Result<std::vector<std::uint8_t>> Seal(const SecretKey& key,
                                       std::span<const std::uint8_t> plaintext,
                                       const Binding& binding);
Result<std::vector<std::uint8_t>> Seal(const SecretKey& key, std::string_view plaintext,
                                       const Binding& binding);

// Seal for many values under one key (a chunk of log lines): the same format
// and the same ciphertexts as Seal, computed the way XChaCha20 is defined, a
// subkey from HChaCha20 over the nonce's first 16 bytes, then ChaCha20-Poly1305
// with the last 8. Nonces come from the calling thread, whose first 16 bytes
// stay the same across its seals, so the subkey is derived once per thread
// rather than once per value. The subkey is wiped when the Sealer goes: keep
// one only for the run of values at hand, like the key it refers to. A Sealer
// is used by one thread at a time (it may move between threads).
class Sealer {
 public:
  explicit Sealer(const SecretKey& key) : key_(&key) {}
  ~Sealer();
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;
  Sealer(Sealer&& other) noexcept;
  Sealer& operator=(Sealer&&) = delete;

  Result<std::vector<std::uint8_t>> Seal(std::span<const std::uint8_t> plaintext,
                                         const Binding& binding);
  Result<std::vector<std::uint8_t>> Seal(std::string_view plaintext, const Binding& binding) {
    return Seal(
        std::span(reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()),
        binding);
  }

 private:
  const SecretKey* key_;
  bool derived_ = false;
  std::uint8_t prefix_[16] = {};  // the nonce prefix subkey_ was derived for
  std::uint8_t subkey_[32] = {};
};

// Decrypts what Seal produced for the same key and binding. PermissionDenied on any
// failure (see above). The caller owns the plaintext and should wipe it
// (sodium_memzero) when it holds secret material.
Result<std::vector<std::uint8_t>> Open(const SecretKey& key, std::span<const std::uint8_t> sealed,
                                       const Binding& binding);
Result<std::string> OpenString(const SecretKey& key, std::span<const std::uint8_t> sealed,
                               const Binding& binding);

}  // namespace yz::crypto
