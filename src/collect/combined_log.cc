#include "collect/combined_log.h"

#include <arpa/inet.h>

#include <cstring>

#include "collect/request_facts.h"

namespace yz::collect {
namespace {

constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The value of `n` digits at `p`, or -1 if any is not a digit.
int Digits(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    if (!IsDigit(p[i])) return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsLeap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

bool IsIpAddress(std::string_view s) {
  if (DottedQuad(s)) return true;  // most clients, without inet_pton's copy and call
  char buf[INET6_ADDRSTRLEN + 1];
  if (s.empty() || s.size() >= sizeof buf) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  const int family = s.find(':') == std::string_view::npos ? AF_INET : AF_INET6;
  return inet_pton(family, buf, addr) == 1;
}

bool IsMethodChar(char c) { return (c >= 'A' && c <= 'Z') || c == '-' || c == '_'; }

// [dd/Mon/yyyy:HH:MM:SS +zzzz] starting at '[': Unix seconds, or an error.
constexpr std::size_t kTimeLength = 28;  // with both brackets

std::string_view ParseTime(const char* p, std::int64_t& at) {
  // 0         1         2
  // 0123456789012345678901234567
  // [10/Oct/2000:13:55:36 -0700]
  if (p[3] != '/' || p[7] != '/' || p[12] != ':' || p[15] != ':' || p[18] != ':' || p[21] != ' ' ||
      p[27] != ']') {
    return "bad time: expected [dd/Mon/yyyy:HH:MM:SS +zzzz]";
  }
  const int day = Digits(p + 1, 2), year = Digits(p + 8, 4), hour = Digits(p + 13, 2),
            minute = Digits(p + 16, 2), second = Digits(p + 19, 2);
  const std::size_t month_at = kMonths.find(std::string_view(p + 4, 3));
  if (day < 0 || year < 0 || hour < 0 || minute < 0 || second < 0 ||
      month_at == std::string_view::npos || month_at % 3 != 0) {
    return "bad time: expected [dd/Mon/yyyy:HH:MM:SS +zzzz]";
  }
  const unsigned month = static_cast<unsigned>(month_at / 3 + 1);
  // 60: a leap second, which clocks that know of them write.
  if (year < 1970 || day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month) ||
      hour > 23 || minute > 59 || second > 60) {
    return "time out of range";
  }
  const char sign = p[22];
  const int zone_hours = Digits(p + 23, 2), zone_minutes = Digits(p + 25, 2);
  if ((sign != '+' && sign != '-') || zone_hours < 0 || zone_minutes < 0 || zone_hours > 23 ||
      zone_minutes > 59) {
    return "bad time zone: expected +hhmm or -hhmm";
  }
  const std::int64_t offset = (zone_hours * 3600 + zone_minutes * 60) * (sign == '-' ? -1 : 1);
  // Local time minus its offset from UTC is UTC.
  at = DaysFromCivil(year, month, static_cast<unsigned>(day)) * 86400 + hour * 3600 + minute * 60 +
       second - offset;
  return {};
}

}  // namespace

std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil (public domain): eras of 400 years from March.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// A quoted field at text[pos] ('"' expected there); pos ends after the closing quote.
// Escaped fields are decoded into unescaped_, which Parse reserved to the line's
// size: decoding never grows a field, so appending never reallocates.
bool CombinedLogParser::Quoted(std::string_view text, std::size_t& pos, std::string_view& field,
                               std::string_view unterminated) {
  if (pos >= text.size() || text[pos] != '"') return Fail(unterminated);
  const std::size_t start = ++pos;
  bool escaped = false;
  // The closing quote is the first one no backslash escapes. memchr finds the
  // next quote and then any backslash before it (a log line's fields rarely
  // hold one), instead of looking at each byte in turn.
  for (;;) {
    const char* at = text.data() + pos;
    const char* end = text.data() + text.size();
    const auto* quote = static_cast<const char*>(std::memchr(at, '"', end - at));
    if (quote == nullptr) return Fail(unterminated);
    const auto* backslash = static_cast<const char*>(std::memchr(at, '\\', quote - at));
    if (backslash == nullptr) {
      pos = quote - text.data();
      break;
    }
    escaped = true;
    pos = backslash - text.data() + 2;  // whatever follows is part of the field, a quote included
    if (pos > text.size()) return Fail(unterminated);
  }
  std::string_view raw = text.substr(start, pos - start);
  ++pos;
  if (!escaped) {
    field = raw;
    return true;
  }
  const std::size_t from = unescaped_.size();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      unescaped_.push_back(raw[i]);
      continue;
    }
    const char next = raw[i + 1];
    if (next == '"' || next == '\\') {
      unescaped_.push_back(next);
      ++i;
    } else if (next == 'x' && i + 3 < raw.size() && HexValue(raw[i + 2]) >= 0 &&
               HexValue(raw[i + 3]) >= 0) {
      unescaped_.push_back(static_cast<char>(HexValue(raw[i + 2]) * 16 + HexValue(raw[i + 3])));
      i += 3;
    } else {
      unescaped_.push_back('\\');  // \n, \t and the like stay as written
    }
  }
  field = std::string_view(unescaped_).substr(from);
  return true;
}

bool CombinedLogParser::Parse(std::string_view text, LogLine& out) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.empty()) return Fail("empty line");
  unescaped_.clear();
  unescaped_.reserve(text.size());
  out = LogLine{};

  // %h %l %u: the client, then ident and user up to " [".
  std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return Fail("missing fields after the client address");
  out.client = text.substr(0, space);
  if (!IsIpAddress(out.client)) return Fail("client is not an IP address");
  const std::size_t bracket = text.find(" [", space);
  if (bracket == std::string_view::npos) return Fail("missing [time]");
  std::string_view ident_user = text.substr(space + 1, bracket - space - 1);
  const std::size_t split = ident_user.find(' ');
  if (split == std::string_view::npos) return Fail("missing ident or user field");
  out.user = ident_user.substr(split + 1);
  if (out.user == "-") out.user = {};

  // [time]
  std::size_t pos = bracket + 1;
  if (text.size() - pos < kTimeLength)
    return Fail("bad time: expected [dd/Mon/yyyy:HH:MM:SS +zzzz]");
  if (std::string_view why = ParseTime(text.data() + pos, out.at); !why.empty()) return Fail(why);
  pos += kTimeLength;

  // "%r": METHOD TARGET [PROTOCOL]
  if (pos >= text.size() || text[pos] != ' ') return Fail("missing request line");
  ++pos;
  std::string_view request;
  if (!Quoted(text, pos, request, "missing or unterminated request line")) return false;
  if (request.empty() || request == "-") return Fail("no request line");
  const std::size_t method_end = request.find(' ');
  if (method_end == std::string_view::npos || method_end == 0 || method_end > 32) {
    return Fail("request line is not METHOD TARGET PROTOCOL");
  }
  out.method = request.substr(0, method_end);
  for (char c : out.method) {
    if (!IsMethodChar(c)) return Fail("bad request method");
  }
  std::string_view rest = request.substr(method_end + 1);
  if (const std::size_t last = rest.rfind(' '); last != std::string_view::npos) {
    out.protocol = rest.substr(last + 1);
    if (!out.protocol.starts_with("HTTP/"))
      return Fail("request line is not METHOD TARGET PROTOCOL");
    rest = rest.substr(0, last);
  }
  out.target = rest;
  std::string_view path = rest;
  if (rest.starts_with("http://") || rest.starts_with("https://")) {
    const std::size_t host = rest.find("://") + 3;
    const std::size_t slash = rest.find_first_of("/?", host);
    path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
  } else if (!rest.starts_with('/') && rest != "*") {
    return Fail("bad request target");
  }
  const std::size_t question = path.find('?');
  out.path = path.substr(0, question);
  if (out.path.empty()) out.path = "/";
  if (question != std::string_view::npos) out.query = path.substr(question + 1);

  // %>s %b
  if (text.size() - pos < 4 || text[pos] != ' ') return Fail("bad status");
  const int status = Digits(text.data() + pos + 1, 3);
  pos += 4;
  if (status < 100 || status > 599 || (pos < text.size() && text[pos] != ' ')) {
    return Fail("bad status");
  }
  out.status = status;
  if (pos >= text.size()) return Fail("missing size");
  ++pos;
  if (pos < text.size() && text[pos] == '-') {
    ++pos;
  } else {
    std::int64_t bytes = 0;
    const std::size_t start = pos;
    while (pos < text.size() && IsDigit(text[pos]) && pos - start < 18) {
      bytes = bytes * 10 + (text[pos++] - '0');
    }
    if (pos == start) return Fail("bad size");
    out.bytes = bytes;
  }
  if (pos == text.size()) return true;  // common format
  if (text[pos] != ' ') return Fail("bad size");

  // "%{Referer}i" "%{User-agent}i" [ignored fields]
  ++pos;
  if (!Quoted(text, pos, out.referer, "missing or unterminated referer")) return false;
  if (pos >= text.size() || text[pos] != ' ') return Fail("missing user agent");
  ++pos;
  if (!Quoted(text, pos, out.user_agent, "missing or unterminated user agent")) return false;
  if (pos < text.size() && text[pos] != ' ') return Fail("unexpected text after the user agent");
  if (out.referer == "-") out.referer = {};
  if (out.user_agent == "-") out.user_agent = {};
  out.combined = true;
  return true;
}

}  // namespace yz::collect
