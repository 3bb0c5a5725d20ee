#include "web/http.h"

#include <gtest/gtest.h>

namespace yz::web {
namespace {

TEST(HttpTest, ErrorEnvelopeIsValidJsonWithCodeAndMessage) {
  Response r = Response::Error(400, "bad_request", "quote \" and 中文");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"error":{"code":"bad_request","message":"quote \" and 中文"}})");
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
