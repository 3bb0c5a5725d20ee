// What a new password must be (issue: at least 8 characters, not a common one).
//
// Refused, each with its own InvalidArgument message (never echoing the password):
//  - fewer than 8 characters (Unicode code points, so 8 Chinese characters pass);
//  - more than crypto::kPasswordMaxBytes bytes;
//  - invalid UTF-8;
//  - found (case-insensitively) in the embedded list of common passwords;
//  - equal (case-insensitively) to one of `personal` (the login, the display name).
//
// Thread-safety: the common list is loaded once (function-local static); the
// function is safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace yz::accounts {

Status CheckNewPassword(std::string_view password, std::span<const std::string> personal = {});

// The number of entries in the common-password list (for tests and `yzcloud`
// diagnostics).
std::size_t CommonPasswordCount();

}  // namespace yz::accounts
