// Redirect targets taken from requests (`next` after login, the consent form's way
// back): only a target that stays on this site may reach a Location header
// (issue 15 defect 3, open redirect).
//
// A browser reads a Location with the WHATWG URL parser, which forgives a lot: it
// strips leading and trailing C0 controls and spaces, drops tabs and newlines
// anywhere, and reads "\" as "/" in http(s) URLs, so "/\t/evil.example",
// "/\evil.example" and " //evil.example" all leave the site although each starts
// with "/" or looks harmless. SafeRedirectTarget therefore runs the same parsing
// steps a browser would, resolving the target against the site's own origin, and
// keeps it only if it lands there. What it returns is that resolved URL's path,
// query and fragment, written so that every browser reads it back the same way:
// path-absolute, tabs and newlines gone, "\" turned into "/", dot segments
// resolved, spaces, controls and non-ASCII bytes percent-encoded, and a path that
// would begin with "//" written "/.//..." (as the WHATWG serializer does), so it
// can never be taken for an authority.
//
// Refused (nullopt): any target with a scheme (even this site's own: the site's
// scheme is not known here, and a relative path is all a caller needs), one whose
// authority ("//host", "\\host", "/\host"...) is given, one that is empty after
// stripping, not UTF-8, or longer than kMaxRedirectTargetBytes. The caller then uses
// its own safe default.
//
// Free of Beast and Asio, so fuzzers and tests can call it directly.
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace yz::web {

inline constexpr std::size_t kMaxRedirectTargetBytes = 2048;

// The same-origin path+query+fragment to put in Location, or nullopt (see above).
std::optional<std::string> SafeRedirectTarget(std::string_view target);

}  // namespace yz::web
