#include "accounts/login_text.h"

#include "core/utf8.h"
#include "crypto/blind_index.h"

namespace yz::accounts {

bool IsEmail(std::string_view login) { return login.find('@') != std::string_view::npos; }

Result<std::string> CanonicalLogin(std::string_view login, std::string_view what) {
  auto normalized = crypto::Normalize(
      IsEmail(login) ? crypto::BlindKind::kEmail : crypto::BlindKind::kPhone, login);
  if (!normalized.ok()) {
    return InvalidArgument(std::string(what) + ": must be a phone number or an e-mail address");
  }
  return normalized;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

Status CheckText(std::string_view field, std::string_view value, std::size_t max_chars,
                 bool required) {
  auto n = CountCodePoints(value);
  if (!n) return InvalidArgument(std::string(field) + ": must be valid UTF-8 text");
  if (required && *n == 0) return InvalidArgument(std::string(field) + ": is required");
  if (*n > max_chars) {
    return InvalidArgument(std::string(field) + ": at most " + std::to_string(max_chars) +
                           " characters");
  }
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgument(std::string(field) + ": must not contain control characters");
    }
  }
  return Status::Ok();
}

}  // namespace yz::accounts
