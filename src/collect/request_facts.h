// Pure functions that reduce what a request says to what the access log may keep
// (C2.1): a truncated IP, a primary language, a referrer's domain, a path without
// sensitive values, and whether the sender is a bot.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collect/user_agent.h"

namespace yz::collect {

// `text` as a stored value may hold it: valid UTF-8 without control characters
// (NUL, CR, LF...); any other byte is written as %XX. Both stores refuse NUL, and
// PostgreSQL refuses invalid UTF-8, so every text the collector keeps from a
// request passes through here.
void AppendStorable(std::string& out, std::string_view text);
std::string Storable(std::string_view text);
// True when Storable would keep `text` unchanged.
bool Printable(std::string_view text);

// The four octets of a strict dotted quad ("192.0.2.7": decimal, no leading
// zeros, each at most 255), the form nearly every client address takes; nullopt
// for anything else (IPv6, odd spellings), which is left to the full parsers.
std::optional<std::array<unsigned, 4>> DottedQuad(std::string_view ip);

// The network of `ip`: "203.0.113.0/24" for IPv4, IPv4-mapped and 6to4 IPv6
// (whose /48 would still hold the whole IPv4 address); "2001:db8:1::/48" for
// other IPv6. nullopt if `ip` is not an address.
std::optional<std::string> TruncateIp(std::string_view ip);

// The primary language subtag of the first range in an Accept-Language header,
// lower case ("zh-CN,zh;q=0.9" -> "zh"); nullopt if absent, "*" or malformed.
std::optional<std::string> PrimaryLanguage(std::string_view accept_language);

// The host of an absolute http(s) URL, lower case, without port or "www.";
// nullopt for anything else (relative, other schemes, empty).
std::optional<std::string> UrlDomain(std::string_view url);

// `path` and `query` as the log keeps them: the value of every query parameter
// whose name is in `redact` (case-insensitive) becomes empty ("q=" stays, so the
// log still shows a search happened); a path segment that a route parameter
// named in `redact` captured becomes "{name}"; at most 512 bytes.
std::string RedactedTarget(std::string_view path, std::string_view query,
                           std::span<const std::pair<std::string, std::string>> route_params,
                           std::span<const std::string> redact);

// The path and query of an absolute URL (what a tracker reports), redacted as
// above; "/" when the URL has no path. nullopt when `url` is not a URL.
std::optional<std::string> RedactedUrlPath(std::string_view url,
                                           std::span<const std::string> redact);

// The bot's name if `user_agent` is a crawler, a script or empty: uap-core's
// "Spider" device, or a known crawler word (bot, crawl, spider, curl, wget,
// python-requests...). nullopt for people's browsers.
std::optional<std::string> BotName(std::string_view user_agent, const UserAgent& parsed);

}  // namespace yz::collect
