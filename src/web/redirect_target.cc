#include "web/redirect_target.h"

#include <vector>

#include "core/utf8.h"

namespace yz::web {
namespace {

// The steps below follow the WHATWG URL Standard's basic URL parser
// (https://url.spec.whatwg.org/#concept-basic-url-parser) for an input resolved
// against the special base URL "http://<this site>/": the states a same-origin
// target can pass through, and an early refusal wherever a browser would go on to
// read a scheme or an authority.

bool IsC0OrSpace(unsigned char c) { return c <= 0x20; }
bool IsAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool IsSchemeChar(unsigned char c) {
  return IsAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}
bool IsSlash(char c) { return c == '/' || c == '\\'; }  // "\" is "/" in special URLs

// Appends `c`, percent-encoded if a browser would encode it in any part of a URL
// (C0 controls, space, DEL, non-ASCII), so the header holds printable ASCII only.
// Printable characters stay as typed: a browser encodes those it wants to while
// parsing the Location, exactly as it would have the original target.
void Append(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (c <= 0x20 || c >= 0x7f) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  } else {
    out += static_cast<char>(c);
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
bool IsSingleDot(std::string_view segment) {
  const std::string s = Lower(segment);
  return s == "." || s == "%2e";
}
bool IsDoubleDot(std::string_view segment) {
  const std::string s = Lower(segment);
  return s == ".." || s == ".%2e" || s == "%2e." || s == "%2e%2e";
}

// The "path state" from `input[pos]` on, appending segments to `path`. Returns the
// position of the "?" or "#" that ended the path, or input.size().
std::size_t ParsePath(std::string_view input, std::size_t pos, std::vector<std::string>& path) {
  std::string buffer;
  for (;; ++pos) {
    const bool end = pos == input.size();
    const char c = end ? '\0' : input[pos];
    if (end || IsSlash(c) || c == '?' || c == '#') {
      const bool slash = !end && IsSlash(c);
      if (IsDoubleDot(buffer)) {
        if (!path.empty()) path.pop_back();
        if (!slash) path.emplace_back();
      } else if (IsSingleDot(buffer)) {
        if (!slash) path.emplace_back();
      } else {
        path.push_back(std::move(buffer));
      }
      buffer.clear();
      if (!slash) return pos;
    } else {
      Append(buffer, static_cast<unsigned char>(c));
    }
  }
}

}  // namespace

std::optional<std::string> SafeRedirectTarget(std::string_view target) {
  if (target.size() > kMaxRedirectTargetBytes || !CountCodePoints(target)) return std::nullopt;
  // Leading and trailing C0 controls and spaces go, then every tab and newline.
  while (!target.empty() && IsC0OrSpace(target.front())) target.remove_prefix(1);
  while (!target.empty() && IsC0OrSpace(target.back())) target.remove_suffix(1);
  std::string input;
  input.reserve(target.size());
  for (char c : target) {
    if (c != '\t' && c != '\n' && c != '\r') input += c;
  }
  if (input.empty()) return std::nullopt;  // the base URL itself: the caller's default is better

  // "scheme start state": an ASCII letter, scheme characters, then ":" is a scheme.
  if (IsAlpha(input[0])) {
    std::size_t i = 1;
    while (i < input.size() && IsSchemeChar(input[i])) ++i;
    if (i < input.size() && input[i] == ':') return std::nullopt;
  }

  // "relative state" against the base, whose path is [""] and which has no query.
  std::vector<std::string> path;
  std::size_t pos = 0;
  if (IsSlash(input[0])) {
    // "relative slash state": a second slash of either kind starts an authority.
    if (input.size() > 1 && IsSlash(input[1])) return std::nullopt;
    pos = ParsePath(input, 1, path);
  } else if (input[0] == '?' || input[0] == '#') {
    path.emplace_back();  // the base's path
  } else {
    pos = ParsePath(input, 0, path);  // the base's path, shortened to nothing, then this one
  }

  std::string out;
  // A path beginning with an empty segment would serialize as "//...", which a
  // browser reads as an authority; the WHATWG serializer writes "/." before it.
  if (path.size() > 1 && path[0].empty()) out += "/.";
  for (const std::string& segment : path) {
    out += '/';
    out += segment;
  }
  if (pos < input.size() && input[pos] == '?') {
    out += '?';
    for (++pos; pos < input.size() && input[pos] != '#'; ++pos) {
      Append(out, static_cast<unsigned char>(input[pos]));
    }
  }
  if (pos < input.size() && input[pos] == '#') {
    out += '#';
    for (++pos; pos < input.size(); ++pos) Append(out, static_cast<unsigned char>(input[pos]));
  }
  return out;
}

}  // namespace yz::web
