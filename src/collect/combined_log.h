// The line parser of `yzcloud import-log` (issue 5 point 7): one line of an nginx or
// Apache access log in the combined format
//
//   %h %l %u [%d/%b/%Y:%H:%M:%S %z] "%r" %>s %b "%{Referer}i" "%{User-agent}i"
//
// or the common format (the same without the last two fields), into its fields,
// with the time in UTC. Hand-written, no regex, no allocation: the importer parses
// a million lines in well under a second per core.
//
// What is accepted, beyond the letter of the format:
//  - quoted fields may hold the escapes both servers write: \" and \\ (Apache),
//    \xHH (nginx, and Apache for control bytes); they are decoded;
//  - a request target in absolute form ("GET http://host/p?q HTTP/1.1", proxies)
//    or "*"; a request line without protocol (HTTP/0.9);
//  - fields after the user agent (nginx configurations that append
//    "$http_x_forwarded_for" and the like) are ignored;
//  - a trailing '\r'.
// Everything else is refused with a short reason, so the importer can report the
// line by number and carry on.
//
// Thread-safety: a CombinedLogParser is used by one thread at a time (it owns the
// buffer escapes decode into); use one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace yz::collect {

// The fields of one log line. Views point into the line parsed or into the parser's
// buffer (quoted fields that held escapes): valid until the parser's next Parse and
// while the line's text lives.
struct LogLine {
  std::string_view client;      // %h: an IPv4 or IPv6 address, as written
  std::string_view user;        // %u: empty when "-"
  std::int64_t at = 0;          // Unix seconds, UTC (the line's offset applied)
  std::string_view method;      // "GET"
  std::string_view target;      // the request target as sent: "/a/b?x=1"
  std::string_view path;        // "/a/b" (for an absolute-form target, its path; "/" if none)
  std::string_view query;       // "x=1", without '?'; empty if none
  std::string_view protocol;    // "HTTP/1.1"; empty for a request line without one
  int status = 0;               // 100..599
  std::int64_t bytes = -1;      // %b; -1 when "-"
  bool combined = false;        // false: common format (no referer, no user agent)
  std::string_view referer;     // empty when "-" or absent
  std::string_view user_agent;  // empty when "-" or absent
};

class CombinedLogParser {
 public:
  // Parses `text`, one line without its '\n'. True and `out` filled when it is a
  // combined- or common-format line; false otherwise, with error() saying why.
  bool Parse(std::string_view text, LogLine& out);

  // Why the last Parse returned false: a short English phrase ("bad status").
  std::string_view error() const { return error_; }

 private:
  bool Fail(std::string_view why) {
    error_ = why;
    return false;
  }
  bool Quoted(std::string_view text, std::size_t& pos, std::string_view& field,
              std::string_view unterminated);

  std::string_view error_;
  std::string unescaped_;  // decoded quoted fields; reserved per line so views stay put
};

// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day);

}  // namespace yz::collect
