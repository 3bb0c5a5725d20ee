// Blind indexes: keyed hashes that let the store find a row by an equal value
// (login by phone or e-mail, a device by IMEI or MAC) without keeping the value
// in the clear.
//
// An index is keyed BLAKE2b-256 (crypto_generichash, 32-byte key, 32-byte output)
// over the value after normalisation, so that the spellings a user may type for
// one value meet at one index. Each kind has its own key, derived from the root
// key with crypto_kdf_derive_from_key (context "yzblind_", subkey id = kind), so
// the same string indexed as two kinds gives unrelated indexes.
//
// Normalisation (Normalize below):
//   kPhone  separators " -.()" and a leading '+' are dropped; anything else that is
//           not a digit is InvalidArgument. A CN country code (86 / 0086) in front
//           of an 11-digit mobile number (1xxxxxxxxxx) is removed, so
//           "+86 138-0013-8000" and "13800138000" agree. Other numbers keep all
//           their digits.
//   kEmail  ASCII whitespace trimmed, ASCII letters lower-cased (the local part too:
//           providers treat it case-insensitively in practice). Must hold one '@'
//           with something on both sides.
//   kImei   separators " -/." dropped; 14 or 15 digits. A 15-digit IMEI must carry
//           a valid Luhn check digit and is indexed by its 14-digit body, so the
//           form with and without the check digit agree.
//   kMac    separators ":-. " dropped; 12 hex digits, lower-cased.
// Anything else is InvalidArgument naming the kind (never echoing the value, which
// is personal data).
//
// Thread-safety: a BlindIndexer is immutable after construction; use it from any
// thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/secret_key.h"

namespace yz::crypto {

enum class BlindKind : std::uint8_t { kPhone = 1, kEmail = 2, kImei = 3, kMac = 4 };

// The canonical form of `input` for `kind`; InvalidArgument if it is not one.
Result<std::string> Normalize(BlindKind kind, std::string_view input);

class BlindIndexer {
 public:
  static constexpr std::size_t kSize = 32;
  using Index = std::array<std::uint8_t, kSize>;

  // Derives one key per kind from `root`; `root` may be destroyed afterwards.
  explicit BlindIndexer(const SecretKey& root);

  // The index of `input` as raw bytes (for BLOB/BYTEA columns) or 64 lowercase
  // hex characters. InvalidArgument when the input does not normalise.
  Result<Index> Raw(BlindKind kind, std::string_view input) const;
  Result<std::string> Hex(BlindKind kind, std::string_view input) const;

 private:
  const SecretKey& KeyFor(BlindKind kind) const;
  std::vector<SecretKey> keys_;  // indexed by kind - 1
};

}  // namespace yz::crypto
