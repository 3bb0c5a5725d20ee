// Password hashing with argon2id (libsodium crypto_pwhash_str).
//
// Parameters: t = 2 passes (crypto_pwhash_OPSLIMIT_INTERACTIVE), m = 19 MiB
// (19,456 KiB), p = 1: OWASP's minimum recommendation for argon2id. We use 19 MiB
// rather than libsodium's MEMLIMIT_INTERACTIVE (64 MiB) because hashing runs on the
// shared blocking pool of a small server: at 19 MiB eight concurrent logins need
// ~150 MiB, at 64 MiB half a gigabyte. NeedsRehash reports hashes made with other
// parameters, so raising them later upgrades stored hashes on the next login.
//
// The encoded string ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash") carries its own
// salt and parameters; store it as is.
//
// Hashing and verifying take tens of milliseconds and 19 MiB: run them on the
// blocking pool, never on an I/O thread. Thread-safety: free functions, no shared
// state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace yz::crypto {

inline constexpr std::uint64_t kPasswordOpsLimit = 2;
inline constexpr std::size_t kPasswordMemLimit = 19 * 1024 * 1024;
// Longer passwords are refused so a request cannot make us hash megabytes.
inline constexpr std::size_t kPasswordMaxBytes = 1024;

// The encoded argon2id hash of `password`. InvalidArgument if the password is empty
// or longer than kPasswordMaxBytes; ResourceExhausted if the memory for hashing
// cannot be had (retry later).
Result<std::string> HashPassword(std::string_view password);

// True if `password` matches `encoded`. False for a wrong password and for an
// encoded string that is not an argon2id hash (no distinction, so a caller cannot
// leak which accounts have odd hashes).
bool VerifyPassword(std::string_view encoded, std::string_view password);

// True if `encoded` was made with other parameters than the current ones (or is not
// a valid argon2id hash): hash the password again after a successful login.
bool PasswordNeedsRehash(std::string_view encoded);

}  // namespace yz::crypto
