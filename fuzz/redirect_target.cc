// Fuzzes web::SafeRedirectTarget (web/redirect_target.h), which decides whether a
// `next` taken from a request may reach a Location header (issue 15 defect 3).
//
// What it returns must be a target no browser can read as leaving the site: a
// path-absolute reference ("/", not "//" or "/\"), with no byte a WHATWG parser
// strips or reinterprets (controls, space, non-ASCII; "\" in the path), and
// stable (accepted again unchanged), so a value that passed once cannot turn into
// another.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "web/redirect_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto safe = yz::web::SafeRedirectTarget(target);
  if (!safe) return 0;
  const std::string_view s = *safe;
  if (s.empty() || s.front() != '/') std::abort();
  if (s.size() > 1 && (s[1] == '/' || s[1] == '\\')) std::abort();
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f) std::abort();
  }
  // "\" reads as "/" in a path only; in the query or fragment it stays a "\".
  if (s.substr(0, s.find_first_of("?#")).find('\\') != std::string_view::npos) std::abort();
  // Percent-encoding can make the result longer than the longest target accepted
  // (kMaxRedirectTargetBytes); such a result is refused when offered again, which
  // is safe (the caller's default), so stability is asked of the others only.
  if (s.size() > yz::web::kMaxRedirectTargetBytes) return 0;
  const auto again = yz::web::SafeRedirectTarget(s);
  if (!again || *again != s) std::abort();
  return 0;
}
