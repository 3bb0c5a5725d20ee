#include "web/http.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

namespace yz::web {
namespace {

TEST(HttpTest, ErrorEnvelopeIsValidJsonWithCodeAndMessage) {
  Response r = Response::Error(400, "bad_request", "quote \" and 中文");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"bad_request","message":"quote \" and 中文"}})");
}

// Parses `body` strictly (Boost.JSON refuses invalid UTF-8) and returns error.message.
std::string ErrorMessage(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << body;
  if (ec) return {};
  EXPECT_TRUE(v.at_pointer("/error/code").is_string());
  return std::string(v.at_pointer("/error/message").as_string());
}

// issue 15 defect 10: bytes that are not UTF-8 in a message (a path, a value from
// the request) become U+FFFD, one per byte, so the body still parses; what is UTF-8
// and the JSON escapes stay as they were.
TEST(HttpTest, ErrorBodyIsValidJsonWhateverBytesTheMessageHolds) {
  struct Case {
    std::string in, want;
  };
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  const Case cases[] = {
      {"/static/\xc0\xae\xff", "/static/" + r + r + r},  // overlong '.' and a stray byte
      {"\xed\xa0\x80x", r + r + r + "x"},                // an encoded surrogate (CESU)
      {"\xf4\x90\x80\x80", r + r + r + r},               // above U+10FFFF
      {"\xe6\xb0", r + r},                               // a sequence cut short
      {"\xe6\xb0\xb8\xe5\xb7\x9e \xf0\x9f\x98\x80", "\xe6\xb0\xb8\xe5\xb7\x9e \xf0\x9f\x98\x80"},
      {std::string("a\0b\x01\x7f\r\n\t\"\\", 10), std::string("a\0b\x01\x7f\r\n\t\"\\", 10)},
      {"\x80\xbf\xc1\xbf\xf5\x80", r + r + r + r + r + r},
  };
  for (const Case& c : cases) {
    Response res = Response::Error(404, "not_found", "no such file: " + c.in);
    EXPECT_EQ(ErrorMessage(res.body), "no such file: " + c.want);
  }
  EXPECT_EQ(JsonEscape("\xff"), "\\ufffd");  // visible in a log line, ASCII on the wire
  EXPECT_EQ(JsonEscape(std::string("\0", 1)), "\\u0000");
}

TEST(HttpTest, StatusCodesMapInOnePlace) {
  EXPECT_EQ(Response::FromStatus(NotFound("x")).status, 404);
  EXPECT_EQ(Response::FromStatus(ResourceExhausted("x")).status, 429);
  EXPECT_EQ(Response::FromStatus(PermissionDenied("x")).status, 403);
  EXPECT_EQ(Response::FromStatus(Unavailable("x")).status, 503);
  // Internal details never reach the client.
  Response r = Response::FromStatus(Internal("sqlite said: disk image malformed"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("sqlite"), std::string::npos);
}

TEST(HttpTest, QueryCookiesAndHeaders) {
  Request req;
  req.query = "q=%E6%B0%B8%E5%B7%9E&lang=en&empty=";
  req.headers = {{"cookie", "a=1; yz_lang=en ; b=2"}, {"accept-language", "en"}};
  EXPECT_EQ(req.QueryValue("q").value(), "永州");
  EXPECT_EQ(req.QueryValue("empty").value(), "");
  EXPECT_FALSE(req.QueryValue("missing").has_value());
  EXPECT_EQ(req.CookieValue("yz_lang").value(), "en");
  EXPECT_EQ(req.CookieValue("b").value(), "2");
  EXPECT_FALSE(req.CookieValue("c").has_value());
  EXPECT_EQ(req.HeaderValue("Accept-Language"), "en");
}

}  // namespace
}  // namespace yz::web
