// Event ingest and the access log against the real server (C2.1, issue 5 points
// 1, 3 and 6): the Plausible body answered 202 only once stored, the batch API,
// bots apart, clear errors, CORS, trusted proxies, redacted paths, and no full IP
// in the database files.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "account_steps.h"
#include "http_client.h"
#include "server_process.h"
#include "store/database.h"

namespace yz::testing {
namespace {

using Headers = std::map<std::string, std::string>;

constexpr const char* kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36";

HttpResponse Send(int port, const std::string& method, const std::string& target,
                  const std::string& body = "", Headers headers = {}) {
  if (!headers.contains("User-Agent")) headers["User-Agent"] = kChrome;
  auto r = Fetch(port, method, target, body, headers);
  return r ? *r : HttpResponse{};
}

std::string Event(const std::string& name, const std::string& url, const std::string& site) {
  return R"({"n":")" + name + R"(","u":")" + url + R"(","d":")" + site + R"(","r":null,"v":36})";
}

// Rows of `sql` in the server's SQLite store (read while it runs: WAL readers
// do not block the writer).
store::Rows Query(const ServerProcess& server, const std::string& sql) {
  auto db = store::Open(server.data_dir() + "/yzcloud.db", 1);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return {};
  auto conn = (*db)->Acquire();
  EXPECT_TRUE(conn.ok());
  if (!conn.ok()) return {};
  auto rows = (*conn)->Query(sql);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? *rows : store::Rows{};
}

class EventsTest : public SharedServerTest {};

TEST_F(EventsTest, PlausibleEventIsStoredBeforeTheAnswer) {  // C2.1, issue 5 point 3
  auto r = Send(port(), "POST", "/api/event", Event("pageview", "https://a.example/x", "a.example"),
                {{"Content-Type", "text/plain"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
  // 202 means committed: the row is there the moment the answer is.
  auto rows = Query(*server_, "SELECT name, path, source FROM events WHERE site = 'a.example'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "pageview");
  EXPECT_EQ(rows[0].Text(1), "/x");
  EXPECT_EQ(rows[0].Text(2), "tracker");
  auto stats = Send(port(), "GET", "/api/v1/stats/a.example");
  EXPECT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find(R"("pageviews":1)"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find(R"("visitors":1)"), std::string::npos) << stats.body;
}

// A batch of 1,000 events on `site`: 900 page views and 100 downloads.
std::string FullBatch(const std::string& site) {
  std::string body = R"({"events":[)";
  for (int i = 0; i < 1000; ++i) {
    if (i) body += ',';
    body += Event(i % 10 ? "pageview" : "Download",
                  "https://" + site + "/p" + std::to_string(i % 7), site);
  }
  return body + "]}";
}

TEST_F(EventsTest, BatchOfUpToAThousand) {  // issue 5 point 3
  const std::string body = FullBatch("b.example");
  auto r = Send(port(), "POST", "/api/v1/events", body, {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, R"({"accepted":1000})");
  auto stats = Send(port(), "GET", "/api/v1/stats/b.example");
  EXPECT_NE(stats.body.find(R"("pageviews":900)"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find(R"("Download":100)"), std::string::npos) << stats.body;

  std::string too_many = body.substr(0, body.size() - 2) + "," +
                         Event("pageview", "https://b.example/", "b.example") + "]}";
  auto refused = Send(port(), "POST", "/api/v1/events", too_many);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find(R"("code":"invalid_argument")"), std::string::npos);
}

TEST_F(EventsTest, BotsAreCountedApartFromVisitors) {  // issue 5 point 3
  const std::string ev = Event("pageview", "https://c.example/", "c.example");
  EXPECT_EQ(Send(port(), "POST", "/api/event", ev,
                 {{"User-Agent",
                   "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}})
                .status,
            202);
  EXPECT_EQ(Send(port(), "POST", "/api/event", ev, {{"User-Agent", "python-requests/2.31"}}).status,
            202);
  EXPECT_EQ(Send(port(), "POST", "/api/event", ev).status, 202);
  auto stats = Send(port(), "GET", "/api/v1/stats/c.example");
  EXPECT_NE(stats.body.find(R"("visitors":1)"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find(R"("pageviews":1)"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find(R"("bots":2)"), std::string::npos) << stats.body;
}

TEST_F(EventsTest, BadInputGetsAClearError) {  // issue 5: every bad input a 4xx
  struct Case {
    std::string target, body;
    int status;
  };
  for (const Case& c : std::vector<Case>{
           {"/api/event", "not json", 400},
           {"/api/event", R"({"n":"pageview","d":"a.example"})", 400},
           {"/api/event", Event("pageview", "javascript:alert(1)", "a.example"), 400},
           {"/api/event", R"({"n":"x","u":"https://a/","d":"a","p":[1]})", 400},
           {"/api/v1/events", R"({"events":[]})", 400},
           {"/api/v1/events", R"({"events":{}})", 400},
           {"/api/event", std::string(70 * 1024, ' '), 413},
       }) {
    auto r = Send(port(), "POST", c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.target << " " << c.body.substr(0, 60) << ": " << r.body;
    EXPECT_NE(r.body.find(R"({"error":{"code":)"), std::string::npos) << r.body;
  }
  EXPECT_EQ(Send(port(), "GET", "/api/v1/stats/a.example?day=2026-13-01").status, 400);
  auto pre = Send(port(), "OPTIONS", "/api/v1/events");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "*");
}

TEST_F(EventsTest, AccessLogKeepsNoSensitiveValues) {  // C2.1
  ASSERT_TRUE(server_->WaitReady());                   // the browser is named once the rules loaded
  ASSERT_EQ(Send(port(), "GET", "/privacy?q=%E5%BC%A0%E4%B8%89&lang=en", "",
                 {{"Accept-Language", "en-GB,en;q=0.9"},
                  {"Referer", "https://www.example.org/some/page?who=me"}})
                .status,
            200);
  Send(port(), "GET", "/guardian/Zm9vYmFyc2VjcmV0dG9rZW4");
  // The access row is written behind the response; wait for the writer.
  store::Rows rows;
  for (int i = 0; i < 100 && rows.size() < 2; ++i) {
    rows = Query(*server_,
                 "SELECT path, language, referrer_domain, ip_prefix, browser, browser_version "
                 "FROM request_log WHERE path LIKE '/privacy?%' OR path LIKE '/guardian/%' "
                 "ORDER BY id");
    if (rows.size() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Text(0), "/privacy?q=&lang=en");
  EXPECT_EQ(rows[0].Text(1), "en");
  EXPECT_EQ(rows[0].Text(2), "example.org");
  EXPECT_EQ(rows[0].Text(3), "127.0.0.0/24");
  EXPECT_EQ(rows[0].Text(4), "Chrome");
  EXPECT_EQ(rows[0].Text(5), "120");
  EXPECT_EQ(rows[1].Text(0), "/guardian/{token}");
}

TEST_F(EventsTest, UnstorableOrUnroutedPathsNeitherLeakNorFailOthers) {  // C2.1, point 6
  ASSERT_TRUE(server_->WaitReady());
  // A NUL or broken UTF-8 in one request's path must not fail the events
  // committed in the same transaction.
  for (int i = 0; i < 20; ++i) {
    Send(port(), "GET", "/x%00y");
    Send(port(), "GET", "/a%C3%28b");
    auto r =
        Send(port(), "POST", "/api/event", Event("pageview", "https://e.example/", "e.example"));
    ASSERT_EQ(r.status, 202) << r.body;
  }
  // 405 and 404 paths keep no token.
  EXPECT_EQ(Send(port(), "GET", "/api/v1/guardian/SECRETTOKEN4051/consent").status, 405);
  EXPECT_EQ(Send(port(), "GET", "/guardian/SECRETTOKEN4041/nothing/here").status, 404);
  // The server is shared with other tests, whose rows may match too: wait for
  // these requests' own rows, not for a count.
  bool saw_405 = false, saw_404 = false, saw_nul = false;
  for (int i = 0; i < 100 && !(saw_405 && saw_404 && saw_nul); ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const store::Rows rows =
        Query(*server_,
              "SELECT path FROM request_log WHERE path LIKE '/api/v1/guardian/%' "
              "OR path LIKE '/guardian%' OR path LIKE '/x%' ORDER BY id");
    for (const auto& row : rows) {
      const std::string path = row.Text(0);
      EXPECT_EQ(path.find("SECRETTOKEN"), std::string::npos) << path;
      saw_405 |= path == "/api/v1/guardian/{token}/consent";
      saw_404 |= path == "/guardian/*";
      saw_nul |= path == "/x%00y";
    }
  }
  EXPECT_TRUE(saw_405 && saw_404 && saw_nul);
}

TEST_F(EventsTest, SignedInRequestsCarryTheAccountSealed) {  // C2.1
  const std::string token = LoggedInAdult(port(), server_->data_dir(), "events-log@example.cn");
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(Send(port(), "GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}}).status,
            200);
  store::Rows rows;
  for (int i = 0; i < 100 && rows.empty(); ++i) {
    rows = Query(*server_,
                 "SELECT account_sealed FROM request_log WHERE path = '/api/v1/me' "
                 "AND account_sealed IS NOT NULL");
    if (rows.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].Bytes(0).empty());
  // So does a public page the session cookie comes with; not the same page without it.
  ASSERT_EQ(
      Send(port(), "GET", "/privacy/versions", "", {{"Cookie", "yz_session=" + token}}).status,
      200);
  ASSERT_EQ(Send(port(), "GET", "/privacy/versions").status, 200);
  ASSERT_TRUE(server_->WaitCollected());
  auto page = Query(*server_,
                    "SELECT account_sealed IS NOT NULL FROM request_log "
                    "WHERE path = '/privacy/versions' ORDER BY id DESC LIMIT 2");
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].Int(0), 0);  // the later one, anonymous
  EXPECT_EQ(page[1].Int(0), 1);
  // Anonymous requests carry none.
  auto anonymous = Query(*server_,
                         "SELECT COUNT(*) FROM request_log WHERE path LIKE '/api/v1/stats/%' "
                         "AND account_sealed IS NOT NULL");
  EXPECT_EQ(anonymous[0].Int(0), 0);
}

// Behind a trusted proxy the client is the X-Forwarded-For address; its full
// form reaches no database file (C2.1, C2.4).
TEST(EventsProxyTest, TrustedProxyClientIpIsTruncatedAndSealed) {
  ServerProcess server({}, {{"YZ_TRUSTED_PROXIES", "127.0.0.1/32"}});
  ASSERT_TRUE(server.started()) << server.output();
  for (int i = 0; i < 20; ++i) {
    auto r = Send(server.port(), "POST", "/api/event",
                  Event("pageview", "https://d.example/", "d.example"),
                  {{"X-Forwarded-For", "198.51.100.213, 127.0.0.1"}});
    ASSERT_EQ(r.status, 202) << r.body;
  }
  // A client that is not behind a trusted proxy cannot choose its address.
  ServerProcess untrusting;
  ASSERT_TRUE(untrusting.started());
  ASSERT_EQ(Send(untrusting.port(), "POST", "/api/event",
                 Event("pageview", "https://d.example/", "d.example"),
                 {{"X-Forwarded-For", "198.51.100.9"}})
                .status,
            202);
  auto spoof = Query(untrusting, "SELECT ip_prefix FROM request_log");
  ASSERT_FALSE(spoof.empty());
  EXPECT_EQ(spoof[0].Text(0), "127.0.0.0/24");

  auto rows = Query(server, "SELECT DISTINCT ip_prefix FROM request_log WHERE path = '/api/event'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "198.51.100.0/24");
  server.Signal(SIGTERM);
  ASSERT_EQ(server.Wait(std::chrono::seconds(10)), 0);
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(server.data_dir())) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("198.51.100.213"), std::string::npos) << e.path();
  }
  EXPECT_GT(files, 0);
}

TEST(EventsQueueTest, TheSmallestQueueTakesAFullBatch) {  // issue 5 point 6
  // A full batch is 1,001 rows with its access row: a queue of the smallest
  // allowed size must take it (a 1,000-row queue refused every full batch).
  ServerProcess server({}, {{"YZ_COLLECT_QUEUE_ROWS", "2000"}});
  ASSERT_TRUE(server.started()) << server.output();
  for (int i = 0; i < 2; ++i) {
    auto r = Send(server.port(), "POST", "/api/v1/events", FullBatch("q.example"),
                  {{"Content-Type", "application/json"}});
    ASSERT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(r.body, R"({"accepted":1000})");
  }
}

TEST(EventsProxyTest, EveryForwardedForLineIsReadSoAClientCannotPrependOne) {  // C2.1
  // A proxy that adds its own X-Forwarded-For line leaves the client's line
  // first; the client's address is still the last untrusted hop of both.
  ServerProcess server({}, {{"YZ_TRUSTED_PROXIES", "127.0.0.1/32"}});
  ASSERT_TRUE(server.started()) << server.output();
  const std::string body = Event("pageview", "https://f.example/", "f.example");
  HttpClient client(server.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.SendRaw(
      "POST /api/event HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + std::string(kChrome) +
      "\r\nContent-Type: text/plain\r\n"
      "X-Forwarded-For: 6.6.6.6\r\n"
      "X-Forwarded-For: 203.0.113.9\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  auto rows = Query(server, "SELECT ip_prefix FROM request_log WHERE path = '/api/event'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "203.0.113.0/24");
}

}  // namespace
}  // namespace yz::testing
