#include "collect/request_facts.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>

#include "core/ascii.h"

namespace yz::collect {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kMaxTarget = 512;

// Length of the valid UTF-8 sequence at s[i], or 0 if there is none.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = c < 0x80           ? 1
                  : (c >> 5) == 0x6  ? 2
                  : (c >> 4) == 0xE  ? 3
                  : (c >> 3) == 0x1E ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;  // overlong
  return n;
}

}  // namespace

void AppendStorable(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < text.size();) {
    // Printable ASCII, nearly every byte of a path or a header, goes in runs.
    std::size_t run = i;
    while (run < text.size() && text[run] >= 0x20 && text[run] < 0x7F) ++run;
    if (run > i) {
      out.append(text.substr(i, run - i));
      i = run;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const std::size_t n = Utf8Length(text, i);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
}

std::string Storable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendStorable(out, text);
  return out;
}

bool Printable(std::string_view text) { return Storable(text) == text; }

namespace {

bool Redacted(std::string_view name, std::span<const std::string> redact) {
  return std::any_of(redact.begin(), redact.end(),
                     [&](const std::string& r) { return AsciiIEquals(name, r); });
}

// Cuts at a UTF-8 character boundary at most `limit` bytes long.
void Cap(std::string& s, std::size_t limit) {
  if (s.size() <= limit) return;
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = AsciiLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A query parameter name as the server reads it: percent-decoded, '+' a blank.
std::string DecodedName(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '+') {
      out += ' ';
    } else if (name[i] == '%' && i + 2 < name.size() && HexValue(name[i + 1]) >= 0 &&
               HexValue(name[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(name[i + 1]) * 16 + HexValue(name[i + 2]));
      i += 2;
    } else {
      out += name[i];
    }
  }
  return out;
}

// The query with the values of redacted names emptied; parameters kept in order.
// Names are compared decoded ("%71" is "q"), and ';' separates like '&'.
void AppendQuery(std::string& out, std::string_view query, std::span<const std::string> redact) {
  if (query.empty()) return;
  out += '?';
  bool first = true;
  while (!query.empty()) {
    std::size_t sep = query.find_first_of("&;");
    std::string_view pair = query.substr(0, sep);
    query = sep == std::string_view::npos ? std::string_view{} : query.substr(sep + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    if (!first) out += '&';
    first = false;
    if (eq != std::string_view::npos && Redacted(DecodedName(name), redact)) {
      AppendStorable(out, name);
      out += '=';
    } else {
      AppendStorable(out, pair);
    }
  }
}

constexpr std::string_view kCrawlerWords[] = {"bot",           "crawl",
                                              "spider",        "slurp",
                                              "curl/",         "wget/",
                                              "libwww",        "python-requests",
                                              "python-urllib", "go-http-client",
                                              "java/",         "httpclient",
                                              "scrapy",        "facebookexternalhit",
                                              "axios/"};

// The parts of a plain http(s) URL, found without a full RFC 3986 parse (which
// costs more than the rest of an event's protection): only for URLs whose every
// byte is allowed where it stands and whose authority is a host name with an
// optional port, which is what browsers send. Anything else (user info, IP
// literals, unusual bytes) returns nullopt and takes Boost.URL's parser, so both
// paths agree wherever this one answers (request_facts_test checks them side by side).
struct UrlParts {
  std::string_view host, path, query;  // query without '?'; a fragment is dropped
};

constexpr bool IsUnreservedOrSubDelim(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// Every byte a pchar (or one of `extra`), every '%' the start of %XX.
bool AllPchars(std::string_view s, std::string_view extra) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0) return false;
      i += 2;
    } else if (!IsUnreservedOrSubDelim(c) && c != ':' && c != '@' &&
               extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

std::optional<UrlParts> SimpleHttpUrl(std::string_view url) {
  std::size_t i = 0;
  auto prefix = [&](std::string_view p) {
    if (url.size() < p.size()) return false;
    for (std::size_t k = 0; k < p.size(); ++k) {
      if (AsciiLower(url[k]) != p[k]) return false;
    }
    i = p.size();
    return true;
  };
  if (!prefix("https://") && !prefix("http://")) return std::nullopt;
  const std::size_t authority_end = std::min(url.find_first_of("/?#", i), url.size());
  std::string_view authority = url.substr(i, authority_end - i);
  std::string_view host = authority.substr(0, authority.find(':'));
  if (host.empty() || host.size() > 253) return std::nullopt;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return std::nullopt;
  }
  if (host.size() < authority.size()) {  // ":port", 1 to 5 digits
    std::string_view port = authority.substr(host.size() + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
      return std::nullopt;
    }
  }
  std::string_view rest = url.substr(authority_end);
  rest = rest.substr(0, rest.find('#'));
  const std::size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1);
  if (!AllPchars(path, "/") || !AllPchars(query, "/?")) return std::nullopt;
  return UrlParts{host, path, query};
}

// Boost.URL's reading of an http(s) URL. The fragment is dropped first: an
// absolute URI has none, and trackers in hash-routing apps send one.
std::optional<boost::urls::url_view> BoostHttpUrl(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url.substr(0, url.find('#')));
  if (!u) return std::nullopt;
  std::string scheme = AsciiLowered(u->scheme());
  if (scheme != "http" && scheme != "https") return std::nullopt;
  return *u;
}

// "a.b.c.0/24" without inet_ntop and sprintf (this runs for every request).
std::string V4Prefix24(unsigned a, unsigned b, unsigned c) {
  std::string out;  // at most 16 bytes, mostly within the string's own buffer
  for (unsigned octet : {a, b, c}) {
    char digits[4];
    auto end = std::to_chars(digits, digits + sizeof digits, octet).ptr;
    out.append(digits, end);
    out.push_back('.');
  }
  out.append("0/24");
  return out;
}

// "g0:g1:g2::/48" for the first 48 bits of an IPv6 address, as inet_ntop
// writes the address with the rest zeroed: the five zero groups at the end are
// the longest run, so "::" stands for them and for any zero groups just before.
std::string V6Prefix48(const unsigned char (&b)[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  const unsigned groups[3] = {b[0] * 256u + b[1], b[2] * 256u + b[3], b[4] * 256u + b[5]};
  int last = 2;
  while (last >= 0 && groups[last] == 0) --last;
  std::string out;
  for (int g = 0; g <= last; ++g) {
    if (g > 0) out.push_back(':');
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = (groups[g] >> shift) & 0xF;
      if (nibble == 0 && !started && shift > 0) continue;
      started = true;
      out.push_back(kHex[nibble]);
    }
  }
  out.append("::/48");
  return out;
}

}  // namespace

std::optional<std::array<unsigned, 4>> DottedQuad(std::string_view ip) {
  std::array<unsigned, 4> octets{};
  std::size_t i = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    if (k > 0 && (i >= ip.size() || ip[i++] != '.')) return std::nullopt;
    const std::size_t start = i;
    unsigned v = 0;
    while (i < ip.size() && ip[i] >= '0' && ip[i] <= '9' && i - start < 3) {
      v = v * 10 + static_cast<unsigned>(ip[i++] - '0');
    }
    const std::size_t digits = i - start;
    if (digits == 0 || v > 255 || (digits > 1 && ip[start] == '0')) return std::nullopt;
    octets[k] = v;
  }
  if (i != ip.size()) return std::nullopt;
  return octets;
}

std::optional<std::string> TruncateIp(std::string_view ip) {
  if (auto q = DottedQuad(ip)) return V4Prefix24((*q)[0], (*q)[1], (*q)[2]);
  // Plain IPv6 (not IPv4-mapped, not 6to4, no zone) without the general path's
  // allocations and inet_ntop.
  if (ip.size() < INET6_ADDRSTRLEN && ip.find(':') != std::string_view::npos &&
      ip.find('.') == std::string_view::npos) {
    char text[INET6_ADDRSTRLEN];
    ip.copy(text, ip.size());
    text[ip.size()] = '\0';
    unsigned char b[16];
    if (inet_pton(AF_INET6, text, b) == 1 && !(b[0] == 0x20 && b[1] == 0x02) &&
        !std::all_of(b, b + 10, [](unsigned char x) { return x == 0; })) {
      return V6Prefix48(b);
    }
  }
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(ip), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    return V4Prefix24(b[0], b[1], b[2]);
  }
  auto b = a.to_v6().to_bytes();
  // 6to4 (2002::/16) carries the client's IPv4 address in bits 16-47: keep its /24.
  if (b[0] == 0x20 && b[1] == 0x02) return V4Prefix24(b[2], b[3], b[4]);
  std::fill(b.begin() + 6, b.end(), 0);
  return asio::ip::address_v6(b).to_string() + "/48";
}

std::optional<std::string> PrimaryLanguage(std::string_view header) {
  std::size_t i = 0;
  while (i < header.size() && header[i] == ' ') ++i;
  std::size_t j = i;
  while (j < header.size() && std::isalpha(static_cast<unsigned char>(header[j]))) ++j;
  std::size_t n = j - i;
  if (n < 2 || n > 3) return std::nullopt;
  // The subtag must end the range: '-', ';', ',', a blank or the end.
  if (j < header.size() && header[j] != '-' && header[j] != ';' && header[j] != ',' &&
      header[j] != ' ') {
    return std::nullopt;
  }
  return AsciiLowered(header.substr(i, n));
}

std::optional<std::string> UrlDomain(std::string_view url) {
  std::string host;
  if (auto fast = SimpleHttpUrl(url)) {
    host = AsciiLowered(fast->host);
  } else if (auto u = BoostHttpUrl(url)) {
    host = AsciiLowered(u->encoded_host());
  } else {
    return std::nullopt;
  }
  if (host.empty()) return std::nullopt;
  if (host.starts_with("www.")) host.erase(0, 4);
  Cap(host, 253);
  return host;
}

std::string RedactedTarget(std::string_view path, std::string_view query,
                           std::span<const std::pair<std::string, std::string>> route_params,
                           std::span<const std::string> redact) {
  std::string out;
  out.reserve(path.size() + query.size() + 1);
  // Walk the segments; one a redacted route parameter captured becomes "{name}".
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      out += '/';
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    const std::pair<std::string, std::string>* captured = nullptr;
    for (const auto& p : route_params) {
      if (p.second == seg && Redacted(p.first, redact)) captured = &p;
    }
    if (captured) {
      out += '{';
      AppendStorable(out, captured->first);
      out += '}';
    } else {
      AppendStorable(out, seg);
    }
    i = j;
  }
  if (out.empty()) out.push_back('/');
  AppendQuery(out, query, redact);
  Cap(out, kMaxTarget);
  return out;
}

std::optional<std::string> RedactedUrlPath(std::string_view url,
                                           std::span<const std::string> redact) {
  if (auto fast = SimpleHttpUrl(url)) return RedactedTarget(fast->path, fast->query, {}, redact);
  auto u = BoostHttpUrl(url);
  if (!u) return std::nullopt;
  return RedactedTarget(u->encoded_path(), u->encoded_query(), {}, redact);
}

std::optional<std::string> BotName(std::string_view user_agent, const UserAgent& parsed) {
  if (user_agent.find_first_not_of(" \t") == std::string_view::npos) return "(no user agent)";
  if (IsBot(parsed)) return parsed.browser.family != "Other" ? parsed.browser.family : "Spider";
  std::string lower = AsciiLowered(user_agent.substr(0, 512));
  for (std::string_view w : kCrawlerWords) {
    if (lower.find(w) != std::string::npos) {
      // Name it by the product token that carries the word, when there is one.
      std::size_t at = lower.find(w);
      std::size_t start = lower.find_last_of(" (;", at);
      start = start == std::string::npos ? 0 : start + 1;
      std::size_t end = lower.find_first_of(" ;)/", at);
      std::string name(
          user_agent.substr(start, (end == std::string::npos ? lower.size() : end) - start));
      if (name.empty() || name.size() > 64) name = std::string(w);
      return name;
    }
  }
  return std::nullopt;
}

}  // namespace yz::collect
