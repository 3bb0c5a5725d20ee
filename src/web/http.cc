#include "web/http.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/url/parse.hpp>

#include "core/ascii.h"

namespace yz::web {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view Request::HeaderValue(std::string_view name) const {
  for (const auto& h : headers) {
    if (AsciiIEquals(h.name, name)) return h.value;
  }
  return {};
}

std::string Request::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> Request::QueryValue(std::string_view name) const {
  std::string origin = "/?" + query;
  auto parsed = boost::urls::parse_origin_form(origin);
  if (!parsed) return std::nullopt;
  for (auto param : parsed->params()) {  // decoded view
    if (param.key == name) return std::string(param.value);
  }
  return std::nullopt;
}

std::optional<std::string> Request::CookieValue(std::string_view name) const {
  std::string_view all = HeaderValue("cookie");
  while (!all.empty()) {
    auto semi = all.find(';');
    std::string_view pair = Trim(all.substr(0, semi));
    all = semi == std::string_view::npos ? std::string_view{} : all.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(pair.substr(0, eq)) == name) return std::string(Trim(pair.substr(eq + 1)));
  }
  return std::nullopt;
}

bool Request::FromLoopback() const {
  auto loopback = [](std::string_view ip) {
    return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
  };
  // Behind a trusted proxy on this host the peer is loopback but the client is not.
  return loopback(peer_ip) && loopback(client_ip.empty() ? peer_ip : client_ip);
}

std::string CookieHeader(const Request& req, std::string_view name, std::string_view value,
                         std::optional<std::int64_t> max_age, bool http_only) {
  std::string out = std::string(name) + "=" + std::string(value) + "; Path=/";
  if (http_only) out += "; HttpOnly";
  out += "; SameSite=Lax";
  if (max_age) out += "; Max-Age=" + std::to_string(*max_age);
  if (!req.FromLoopback()) out += "; Secure";
  return out;
}

Response Response::Json(int status, std::string body) {
  return Response{status, "application/json", std::move(body), {}};
}

Response Response::Html(int status, std::string body) {
  return Response{status, "text/html; charset=utf-8", std::move(body), {}};
}

Response Response::Text(int status, std::string body, std::string content_type) {
  return Response{status, std::move(content_type), std::move(body), {}};
}

std::string JsonEscape(std::string_view s) {
  std::string quoted = boost::json::serialize(boost::json::string(s));
  return quoted.substr(1, quoted.size() - 2);
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":{\"code\":\"" + JsonEscape(code) + "\",\"message\":\"" +
                     JsonEscape(message) + "\"}}";
  return Json(status, std::move(body));
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kFailedPrecondition:
      return 412;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response Response::FromStatus(const Status& status) {
  // Internal details stay in the server log; the client gets a generic message.
  std::string_view message =
      status.code() == Code::kInternal ? std::string_view("internal error") : status.message();
  return Error(HttpStatusFor(status.code()), CodeName(status.code()), message);
}

}  // namespace yz::web
