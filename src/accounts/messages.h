// The messages accounts send: one-time codes, the guardian's consent link, and
// security notices, in the recipient's language (zh-CN, or English for a client
// whose language starts with "en"; notices go out in both).
//
// Pure functions: queueing them is the caller's (outbox.h).
//
// Thread-safety: stateless.
#pragma once

#include <string>
#include <string_view>

#include "accounts/notifier.h"

namespace yz::accounts {

Message MakeMessage(std::string_view account, std::string_view to, std::string subject,
                    std::string body, std::string code);
// A code of `purpose` ("verify", "reset", "misuse") to the account's login.
Message CodeMessage(std::string_view account, std::string_view to, std::string_view purpose,
                    const std::string& code, std::string_view lang);
// The code proving a new login, sent to that login.
Message LoginChangeCodeMessage(std::string_view account, std::string_view to,
                               const std::string& code, std::string_view lang);
// C5.1: the link a minor's guardian opens to consent.
Message GuardianMessage(std::string_view account, std::string_view to,
                        const std::string& child_name, const std::string& link,
                        const std::string& token);
// C1.4: every session ended after a misuse report.
Message MisuseNotice(std::string_view account, std::string_view to);

}  // namespace yz::accounts
