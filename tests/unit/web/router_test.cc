#include "web/router.h"

#include <gtest/gtest.h>

#include "collect/protector.h"
#include "web/routes.h"

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

// Routes with captures are indexed by segment count up to 16; longer paths
// still find their route.
TEST_F(RouterTest, LongPathsFindRestAndLongRoutes) {
  std::string deep_pattern, deep_path, long_path = "/static";
  for (int i = 0; i < 18; ++i) {
    deep_pattern += i == 17 ? "/{last}" : "/d" + std::to_string(i);
    deep_path += "/d" + std::to_string(i);
  }
  for (int i = 0; i < 20; ++i) long_path += "/s" + std::to_string(i);
  router_.Add("GET", deep_pattern, [](Request&) { return Named("deep"); });
  auto rest = router_.Find("GET", long_path, params_);
  ASSERT_NE(rest.route, nullptr);
  EXPECT_EQ(rest.route->pattern, "/static/{file...}");
  EXPECT_EQ(params_.at(0).second, long_path.substr(8));
  auto deep = router_.Find("GET", deep_path, params_);
  ASSERT_NE(deep.route, nullptr);
  EXPECT_EQ(deep.route->pattern, deep_pattern);
  EXPECT_EQ(params_.at(0).second, "d17");
  EXPECT_EQ(router_.Find("GET", deep_path + "/more", params_).route, nullptr);
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

TEST_F(RouterTest, PathsAreMatchedWhateverTheirSlashes) {
  for (const char* path :
       {"/api/v1/me/sessions", "/api/v1/me/sessions/", "//api//v1/me/sessions"}) {
    auto m = router_.Find("GET", path, params_);
    ASSERT_NE(m.route, nullptr) << path;
    EXPECT_EQ(m.route->pattern, "/api/v1/me/sessions") << path;
  }
  EXPECT_EQ(router_.Find("GET", "", params_).route->pattern, "/");
  EXPECT_EQ(router_.Find("GET", "//", params_).route->pattern, "/");
}

// Literal routes are looked up by path and the others tried in turn; the
// answer is still the one of trying every route in table order.
TEST_F(RouterTest, FirstRouteInTableOrderWinsAcrossLiteralAndCapturingRoutes) {
  Router r;
  r.Add("GET", "/items/{id}", [](Request&) { return Named("by id"); });
  r.Add("GET", "/items/new", [](Request&) { return Named("shadowed"); });
  r.Add("POST", "/items/new", [](Request&) { return Named("create"); });
  r.Add("PUT", "/items/{id}", [](Request&) { return Named("replace"); });
  auto get = r.Find("GET", "/items/new", params_);
  ASSERT_NE(get.route, nullptr);
  EXPECT_EQ(get.route->pattern, "/items/{id}");
  EXPECT_EQ(params_.at(0).second, "new");
  auto post = r.Find("POST", "/items/new", params_);
  ASSERT_NE(post.route, nullptr);
  EXPECT_EQ(post.route->method, "POST");
  EXPECT_TRUE(params_.empty());
  auto del = r.Find("DELETE", "/items/new", params_);
  EXPECT_EQ(del.route, nullptr);
  EXPECT_TRUE(del.path_matched);
  EXPECT_EQ(del.allow, "GET, POST, PUT");  // every route of the path, in table order
  EXPECT_EQ(params_.at(0), (std::pair<std::string, std::string>{"id", "new"}));
}

// A caller that reuses its params (yzcloud import-log, line after line) never sees
// the captures of an earlier path: they would hide the wrong segments, or none.
TEST_F(RouterTest, ParamsAreClearedWhenNoRouteHasThePath) {
  ASSERT_NE(router_.Find("DELETE", "/api/v1/me/sessions/abc123", params_).route, nullptr);
  ASSERT_FALSE(params_.empty());
  EXPECT_EQ(router_.Find("GET", "/shared/abc123/file", params_).route, nullptr);
  EXPECT_TRUE(params_.empty());
  ASSERT_NE(router_.Find("DELETE", "/api/v1/me/sessions/abc123", params_).route, nullptr);
  ASSERT_NE(router_.Find("GET", "/api/v1/me/sessions", params_).route, nullptr);
  EXPECT_TRUE(params_.empty());
}

// C2.1: what the access log keeps of a path no route serves, for live requests
// and imported lines alike.
TEST(HideUnroutedPathTest, KeepsOnlyTheFirstSegmentOfA404NoRouteCaptured) {
  std::string storage;
  collect::RequestFacts facts;
  facts.status = 404;
  facts.path = "/shared/9f8e7d6c5b4a3928/file";
  facts.query = "token=abc";
  HideUnroutedPath(facts, storage);
  EXPECT_EQ(facts.path, "/shared/*");
  EXPECT_EQ(facts.query, "");

  facts.path = "/wp-login.php";
  facts.query = "";
  HideUnroutedPath(facts, storage);
  EXPECT_EQ(facts.path, "/wp-login.php");
}

TEST(HideUnroutedPathTest, LeavesPathsARouteNamedOrServedAsTheyAre) {
  std::string storage;
  const std::vector<std::pair<std::string, std::string>> params = {{"token", "9f8e7d6c"}};
  collect::RequestFacts facts;
  facts.status = 404;  // a route's handler found no such token: the route still names it
  facts.path = "/guardian/9f8e7d6c";
  facts.route_params = params;
  HideUnroutedPath(facts, storage);
  EXPECT_EQ(facts.path, "/guardian/9f8e7d6c");

  facts.status = 200;
  facts.path = "/news/42";
  facts.query = "page=2";
  facts.route_params = {};
  HideUnroutedPath(facts, storage);
  EXPECT_EQ(facts.path, "/news/42");
  EXPECT_EQ(facts.query, "page=2");
}

}  // namespace
}  // namespace yz::web
