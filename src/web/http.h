// Plain request and response values that handlers see. Deliberately free of
// Beast and Asio types so that handlers and pages compile fast and are tested
// without a socket; web/server.cc converts to and from the wire.
//
// Thread-safety: values; a Request is owned by one handler invocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace yz::web {

struct Header {
  std::string name;  // lower-case on requests
  std::string value;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/a/b?x=1"
  std::string path;    // percent-decoded path: "/a/b"
  std::string query;   // raw query string without '?'
  std::vector<Header> headers;
  std::string body;
  std::string peer_ip;     // the TCP peer
  std::string client_ip;   // peer_ip, or X-Forwarded-For behind a trusted proxy
  std::string request_id;  // also sent back as X-Request-Id
  std::vector<std::pair<std::string, std::string>> params;  // from {name} route segments
  // The account a valid session names, set by the code that authenticates the
  // request (mutable: it may do so through a const Request) for the access log.
  mutable std::string account_id;

  // Header value by case-insensitive name; empty if absent.
  std::string_view HeaderValue(std::string_view name) const;
  // Path parameter by name; empty if absent.
  std::string Param(std::string_view name) const;
  // Percent-decoded query parameter; nullopt if absent.
  std::optional<std::string> QueryValue(std::string_view name) const;
  // Cookie value from the Cookie header; nullopt if absent.
  std::optional<std::string> CookieValue(std::string_view name) const;
  // True when the client is on this host: the peer is a loopback address and so
  // is the client a trusted proxy forwarded for (development: cookies without Secure).
  bool FromLoopback() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<Header> headers;
  // True when the handler wrote the request's access-log row itself, together
  // with its events (collection endpoints); the server then writes none.
  bool access_logged = false;

  Response& With(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
    return *this;
  }

  static Response Json(int status, std::string body);
  static Response Html(int status, std::string body);
  static Response Text(int status, std::string body,
                       std::string content_type = "text/plain; charset=utf-8");
  // The JSON error envelope {"error":{"code","message"}} with an explicit HTTP status.
  // The body is always valid JSON and valid UTF-8, whatever bytes `message` holds
  // (it often quotes a path or a value from the request): see JsonEscape.
  static Response Error(int status, std::string_view code, std::string_view message);
  // Maps a non-ok Status to its HTTP status: the one place codes become HTTP.
  static Response FromStatus(const Status& status);
};

// A Set-Cookie value: `name=value; Path=/[; HttpOnly]; SameSite=Lax[; Max-Age=N][; Secure]`.
// Secure unless the client is on this host (development over plain HTTP); without
// `max_age` a session cookie, and Max-Age=0 deletes the cookie.
std::string CookieHeader(const Request& req, std::string_view name, std::string_view value,
                         std::optional<std::int64_t> max_age = std::nullopt, bool http_only = true);

// The HTTP status for a canonical code (400, 404, 409, 401, 403, 412, 429, 503, 500).
int HttpStatusFor(Code code);

// Escapes text for inclusion in a JSON string literal (without the quotes): `"`, `\`
// and control characters are escaped, well-formed UTF-8 is kept, and every byte that
// is not part of well-formed UTF-8 (stray bytes, overlong forms, encoded surrogates,
// code points above U+10FFFF) becomes \ufffd, so the result is always valid UTF-8.
std::string JsonEscape(std::string_view s);

}  // namespace yz::web
