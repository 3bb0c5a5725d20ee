// SecretKey: 32 bytes of key material in libsodium guarded memory.
//
// The bytes live in a sodium_malloc'd page (guard pages around it, mlock'd where
// the system allows, read-only once filled) and are wiped by sodium_free when the
// key is destroyed. A key cannot be copied by accident: copying is an explicit
// Clone(). A moved-from key is empty and must not be used.
//
// Also here: EnsureSodium(), which every crypto entry point calls so that callers
// need not remember sodium_init().
//
// Thread-safety: a SecretKey is immutable after construction; const access from
// several threads is safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/status.h"

namespace yz::crypto {

// Initialises libsodium once per process (thread-safe, idempotent). Internal if the
// library cannot start (no entropy source): nothing in this layer can work then.
Status EnsureSodium();

class SecretKey {
 public:
  static constexpr std::size_t kSize = 32;

  // A fresh key from the system CSPRNG.
  static SecretKey Random();
  // A key holding a copy of `bytes`; InvalidArgument unless exactly kSize bytes.
  // The caller remains responsible for wiping its own copy.
  static Result<SecretKey> FromBytes(std::span<const std::uint8_t> bytes);
  // A key filled in place by `fill`, which receives kSize writable bytes. Lets
  // callers (file readers, KDFs) write key material straight into guarded memory
  // without an intermediate copy. `fill`'s Status is returned as is.
  template <typename Fill>
  static Result<SecretKey> FillWith(Fill&& fill) {
    SecretKey key = Allocate();
    Status s = fill(std::span<std::uint8_t, kSize>(key.p_, kSize));
    if (!s.ok()) return s;
    key.Seal();
    return key;
  }

  SecretKey(SecretKey&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  // An independent copy in its own guarded allocation.
  SecretKey Clone() const;

  const std::uint8_t* data() const;
  static constexpr std::size_t size() { return kSize; }
  std::span<const std::uint8_t, kSize> bytes() const {
    return std::span<const std::uint8_t, kSize>(data(), kSize);
  }
  // Constant-time comparison.
  bool Equals(const SecretKey& other) const;
  bool empty() const { return p_ == nullptr; }

 private:
  explicit SecretKey(std::uint8_t* p) : p_(p) {}
  // Writable, uninitialised guarded memory; crashes loudly if the allocation fails.
  static SecretKey Allocate();
  // Makes the bytes read-only.
  void Seal();

  std::uint8_t* p_;
};

}  // namespace yz::crypto
