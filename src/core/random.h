// Cryptographically secure randomness (libsodium's randombytes). Thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace yz {

// Initializes libsodium; call once at start-up before any thread starts.
// Returns false if the library cannot be initialised (fatal for the caller).
bool InitRandom();

// `n` random bytes as 2n lowercase hex characters.
std::string RandomHex(std::size_t n);

}  // namespace yz
