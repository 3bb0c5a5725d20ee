// SHA-256 (libsodium crypto_hash_sha256) for values that are hashed, not sealed:
// session tokens and guardian links (256-bit random, so an unkeyed hash suffices).
// Thread-safety: free functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace yz::crypto {

std::array<std::uint8_t, 32> Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

}  // namespace yz::crypto
