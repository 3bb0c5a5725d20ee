// Reading what the server sends back, for integration tests: a JSON string field,
// the CSRF field of a form, and form encoding for posting one.
#pragma once

#include <cctype>
#include <string>
#include <utility>
#include <vector>

namespace yz::testing {

// The string value of `"key":"..."` in a JSON text (first occurrence), unescaped
// enough for ids, codes and tokens; empty if absent.
inline std::string JsonString(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\":\"";
  auto pos = json.find(needle);
  if (pos == std::string::npos) return {};
  std::string out;
  for (pos += needle.size(); pos < json.size() && json[pos] != '"'; ++pos) {
    if (json[pos] == '\\' && pos + 1 < json.size()) ++pos;
    out += json[pos];
  }
  return out;
}

// The hidden csrf field of a rendered form.
inline std::string CsrfField(const std::string& html) {
  std::string needle = "name=\"csrf\" value=\"";
  auto pos = html.find(needle);
  if (pos == std::string::npos) return {};
  pos += needle.size();
  return html.substr(pos, html.find('"', pos) - pos);
}

// application/x-www-form-urlencoded `fields`.
inline std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += k + "=";
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  return out;
}

}  // namespace yz::testing
