// Coarse facts about a client kept with a session or login (inventory fields
// session.place and session.browser): never the full IP or User-Agent.
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace yz::accounts {

// "203.0.113.0/24" for IPv4, "2001:db8:1::/48" for IPv6, "unknown" otherwise.
std::string CoarsePlace(std::string_view ip);

// Browser family and major version from a User-Agent ("Chrome 120", "Firefox 121",
// "Safari 17", "Edge 120", "WeChat 8", ...), "unknown" if none is recognised. A
// small fixed table until the uap-core parser lands (issue 5).
std::string BrowserLabel(std::string_view user_agent);

// Whole years between `birth_date` ("YYYY-MM-DD", a real calendar date) and the
// UTC day of `now` (Unix seconds); nullopt if the date is malformed, invalid, or
// in the future.
std::optional<int> AgeOn(std::string_view birth_date, std::int64_t now);

}  // namespace yz::accounts
