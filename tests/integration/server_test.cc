// The server as a user and an operator see it: a real yzcloud process on a
// loopback port, its pages, probes, metrics and error envelope.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using ServerTest = SharedServerTest;

// The next answer on `c` is /healthz's: 200 with {"status":"ok"}. Pipelining
// tests use it to show that nothing of an earlier answer came before it.
void ExpectHealthz(HttpClient& c) {
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"status":"ok"})");
}

TEST_F(ServerTest, HealthzAnswersOk) {
  auto r = Fetch(port(), "GET", "/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"status":"ok"})");
}

TEST_F(ServerTest, ReadyzChecksTheDatabase) {
  ASSERT_TRUE(server_->WaitReady());
  auto r = Fetch(port(), "GET", "/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(std::filesystem::exists(server_->data_dir() + "/yzcloud.db"));
}

TEST_F(ServerTest, EveryResponseCarriesRequestIdAndSecurityHeaders) {
  // C4.1: security headers on every answer, errors included.
  for (const char* target : {"/healthz", "/", "/no/such/page"}) {
    auto r = Fetch(port(), "GET", target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->headers["x-request-id"].size(), 16u) << target;
    EXPECT_EQ(r->headers["x-content-type-options"], "nosniff") << target;
    EXPECT_EQ(r->headers["x-frame-options"], "DENY") << target;
    EXPECT_FALSE(r->headers["content-security-policy"].empty()) << target;
  }
  auto a = Fetch(port(), "GET", "/healthz");
  auto b = Fetch(port(), "GET", "/healthz");
  EXPECT_NE(a->headers["x-request-id"], b->headers["x-request-id"]);
}

TEST_F(ServerTest, UnknownPathIsJson404AndWrongMethodIs405) {
  auto r = Fetch(port(), "GET", "/api/v1/nothing-here");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->headers["content-type"], "application/json");
  EXPECT_EQ(r->body,
            R"({"error":{"code":"not_found","message":"no such resource: /api/v1/nothing-here"}})");
  auto m = Fetch(port(), "POST", "/healthz", "{}");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 405);
  EXPECT_EQ(m->headers["allow"], "GET");
  EXPECT_NE(m->body.find("\"code\":\"method_not_allowed\""), std::string::npos);
}

TEST_F(ServerTest, HomePageIsChineseByDefaultAndEnglishOnRequest) {
  auto zh = Fetch(port(), "GET", "/");
  ASSERT_TRUE(zh);
  EXPECT_EQ(zh->status, 200);
  EXPECT_EQ(zh->headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(zh->body.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(zh->body.find("永州工业云"), std::string::npos);
  EXPECT_NE(zh->body.find("href=\"/privacy\""),
            std::string::npos);  // C6.1: the notice is one click away

  auto en = Fetch(port(), "GET", "/", "", {{"Accept-Language", "en-GB,en;q=0.9"}});
  ASSERT_TRUE(en);
  EXPECT_NE(en->body.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(en->body.find("Yongzhou Industrial Cloud"), std::string::npos);

  auto q = Fetch(port(), "GET", "/?lang=en");
  ASSERT_TRUE(q);
  EXPECT_NE(q->body.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(q->headers["set-cookie"].find("yz_lang=en"), std::string::npos);
}

TEST_F(ServerTest, StaticFilesHaveTypesAndValidators) {
  auto css = Fetch(port(), "GET", "/static/site.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->headers["content-type"], "text/css; charset=utf-8");
  std::string etag = css->headers["etag"];
  ASSERT_FALSE(etag.empty());
  auto again = Fetch(port(), "GET", "/static/site.css", "", {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(Fetch(port(), "GET", "/static/../templates/layout.mustache")->status, 404);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpClient c(port());
  for (int i = 0; i < 50; ++i) {
    auto r = c.Request("GET", "/healthz");
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200);
  }
}

TEST_F(ServerTest, HeadHasHeadersButNoBody) {
  HttpClient c(port());
  ASSERT_TRUE(
      c.SendRaw("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.ReadResponse(std::chrono::seconds(5), /*head_only=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_GT(std::stoul(head->headers["content-length"]), 1000u);  // the page's size
  // The very next bytes are the GET's status line: the HEAD carried no body.
  ExpectHealthz(c);
}

TEST_F(ServerTest, Http10IsAnsweredInKindAndClosedUnlessKeptAlive) {
  {
    HttpClient c(port());
    ASSERT_TRUE(c.SendRaw("GET /healthz HTTP/1.0\r\n\r\n"));
    ASSERT_NO_FATAL_FAILURE(ExpectHealthz(c));
    EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(2)));  // 1.0 closes by default
  }
  HttpClient c(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.SendRaw("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->headers["connection"], "keep-alive");
  }
}

TEST_F(ServerTest, NoContentAnswerHasNoLengthAndNoBody) {
  HttpClient c(port());
  // A 204 (the CORS preflight) pipelined with a GET: the GET's answer must be
  // the very next bytes.
  ASSERT_TRUE(
      c.SendRaw("OPTIONS /api/event HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example\r\n\r\n"
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto preflight = c.ReadResponse();
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_FALSE(preflight->headers.contains("content-length"));
  EXPECT_EQ(preflight->headers["access-control-allow-origin"], "*");
  ExpectHealthz(c);
}

TEST_F(ServerTest, PipelinedAnswersLargerThanTheSocketBuffersArriveWhole) {
  // 300 notices (~8 MB) asked for at once and read only later: the server's
  // first write fills the kernel's buffers and the rest must follow in order.
  HttpClient c(port());
  std::string many;
  for (int i = 0; i < 300; ++i) many += "GET /privacy HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.SendRaw(many));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::size_t first_size = 0;
  for (int i = 0; i < 300; ++i) {
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200) << i;
    ASSERT_TRUE(r->complete) << i;
    if (i == 0) first_size = r->body.size();
    ASSERT_EQ(r->body.size(), first_size) << i;
  }
  EXPECT_GT(first_size, 10000u);
}

TEST_F(ServerTest, MetricsListRequestSeries) {
  (void)Fetch(port(), "GET", "/healthz");
  auto r = Fetch(port(), "GET", "/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(
      r->body.find("yzcloud_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}"),
      std::string::npos);
  EXPECT_NE(r->body.find("yzcloud_http_request_duration_seconds_bucket{route=\"/healthz\""),
            std::string::npos);
  EXPECT_NE(r->body.find("yzcloud_http_open_connections "), std::string::npos);
}

TEST(ConfigurationTest, UnknownKeysAndBadValuesStopStartWithTheKeyNamed) {
  auto r = RunYzcloud({"serve", "--port", "99999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("flag --port: port: must be 0..65535"), std::string::npos) << r.err;

  auto e = RunYzcloud({"serve", "--port", "0"}, {{"YZ_THREADZ", "4"}});
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_NE(e.err.find("YZ_THREADZ: threadz: unknown key"), std::string::npos) << e.err;

  std::string dir = std::filesystem::temp_directory_path() / "yzcloud-config-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bad.toml") << "port = 0\nmax_body_bytes = \"big\"\n";
  auto f = RunYzcloud({"serve", "--config", dir + "/bad.toml"});
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("bad.toml:2: max_body_bytes: must be an integer"), std::string::npos)
      << f.err;
  std::filesystem::remove_all(dir);
}

TEST(ConfigurationTest, EnvironmentOverridesFileAndFlagsOverrideEnvironment) {
  std::string dir = std::filesystem::temp_directory_path() / "yzcloud-config-order";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/yz.toml") << "port = 1\nlog_level = \"warn\"\n";
  // The file says port 1; YZ_PORT overrides it; --port 0 overrides that: the server starts.
  ServerProcess s({"--config", dir + "/yz.toml"}, {{"YZ_PORT", "2"}});
  EXPECT_TRUE(s.started()) << s.output();
  std::filesystem::remove_all(dir);
}

TEST(MigrateCommandTest, MigratesAndReportsTheVersion) {
  std::string dir = std::filesystem::temp_directory_path() / "yzcloud-migrate-test";
  std::filesystem::remove_all(dir);
  auto r = RunYzcloud({"migrate", "--data-dir", dir});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("schema version ")) << r.out;
  auto again = RunYzcloud({"migrate", "--data-dir", dir});
  EXPECT_EQ(again.out, r.out);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace yz::testing
