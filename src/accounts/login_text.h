// Checking what people type into account forms: logins (phone or e-mail, in the
// canonical form the blind index sees) and short texts (names). Errors name the
// field and never echo the value.
//
// Thread-safety: stateless.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace yz::accounts {

bool IsEmail(std::string_view login);
// The login in its canonical form, or InvalidArgument naming `what`.
Result<std::string> CanonicalLogin(std::string_view login, std::string_view what = "login");
// Trimmed of ASCII spaces and tabs.
std::string Trim(std::string_view s);
// UTF-8 text of at most `max_chars` characters without control characters; with
// `required`, not empty.
Status CheckText(std::string_view field, std::string_view value, std::size_t max_chars,
                 bool required);

}  // namespace yz::accounts
