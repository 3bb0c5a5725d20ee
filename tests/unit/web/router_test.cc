#include "web/router.h"

#include <gtest/gtest.h>

namespace yz::web {
namespace {

Response Named(std::string name) { return Response::Text(200, std::move(name)); }

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/", [](Request&) { return Named("home"); });
    router_.Add("GET", "/api/v1/me/sessions", [](Request&) { return Named("list"); });
    router_.Add("DELETE", "/api/v1/me/sessions/{id}", [](Request&) { return Named("revoke"); });
    router_.Add("GET", "/static/{file...}", [](Request&) { return Named("static"); });
  }
  Router router_;
  std::vector<std::pair<std::string, std::string>> params_;
};

TEST_F(RouterTest, MatchesLiteralAndCapturesParameters) {
  auto m = router_.Find("DELETE", "/api/v1/me/sessions/abc123", params_);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/me/sessions/{id}");
  ASSERT_EQ(params_.size(), 1u);
  EXPECT_EQ(params_[0], (std::pair<std::string, std::string>{"id", "abc123"}));
  EXPECT_NE(router_.Find("GET", "/", params_).route, nullptr);
}

TEST_F(RouterTest, RestCaptureTakesTheRemainingPath) {
  auto m = router_.Find("GET", "/static/css/site.css", params_);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(params_[0].second, "css/site.css");
}

TEST_F(RouterTest, WrongMethodIsDistinguishedFromUnknownPath) {
  auto m = router_.Find("POST", "/api/v1/me/sessions", params_);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(m.allow, "GET");
  auto n = router_.Find("GET", "/api/v1/nothing", params_);
  EXPECT_EQ(n.route, nullptr);
  EXPECT_FALSE(n.path_matched);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  EXPECT_NE(router_.Find("HEAD", "/", params_).route, nullptr);
}

TEST_F(RouterTest, SegmentCountMustMatch) {
  EXPECT_EQ(router_.Find("DELETE", "/api/v1/me/sessions/a/b", params_).route, nullptr);
  EXPECT_EQ(router_.Find("DELETE", "/api/v1/me/sessions", params_).route, nullptr);
}

}  // namespace
}  // namespace yz::web
