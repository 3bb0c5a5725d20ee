#include "crypto/password.h"

#include <sodium.h>

#include "crypto/secret_key.h"

namespace yz::crypto {
namespace {

static_assert(kPasswordOpsLimit >= crypto_pwhash_OPSLIMIT_INTERACTIVE);
static_assert(kPasswordMemLimit >= 19 * 1024 * 1024);

// crypto_pwhash_str* take NUL-terminated encoded strings.
bool ToEncodedBuffer(std::string_view encoded, char (&buf)[crypto_pwhash_STRBYTES]) {
  if (encoded.size() >= crypto_pwhash_STRBYTES) return false;
  if (encoded.find('\0') != std::string_view::npos) return false;
  encoded.copy(buf, encoded.size());
  buf[encoded.size()] = '\0';
  return true;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  RETURN_IF_ERROR(EnsureSodium());
  if (password.empty()) return InvalidArgument("password is empty");
  if (password.size() > kPasswordMaxBytes) {
    return InvalidArgument("password is longer than " + std::to_string(kPasswordMaxBytes) +
                           " bytes");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kPasswordOpsLimit,
                            kPasswordMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhausted("password hashing ran out of memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  if (!EnsureSodium().ok()) return false;
  if (password.size() > kPasswordMaxBytes) return false;
  if (!encoded.starts_with("$argon2id$")) return false;
  char buf[crypto_pwhash_STRBYTES];
  if (!ToEncodedBuffer(encoded, buf)) return false;
  return crypto_pwhash_str_verify(buf, password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view encoded) {
  if (!EnsureSodium().ok()) return true;
  if (!encoded.starts_with("$argon2id$")) return true;
  char buf[crypto_pwhash_STRBYTES];
  if (!ToEncodedBuffer(encoded, buf)) return true;
  return crypto_pwhash_str_needs_rehash(buf, kPasswordOpsLimit, kPasswordMemLimit) != 0;
}

}  // namespace yz::crypto
