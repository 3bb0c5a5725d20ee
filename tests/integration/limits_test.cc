// Bad and hostile clients get clear answers and cannot stall anyone else.
#include <gtest/gtest.h>

#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using namespace std::chrono_literals;

class LimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({}, {{"YZ_REQUEST_TIMEOUT_MS", "1500"},
                                     {"YZ_MAX_HEADER_BYTES", "8192"},
                                     {"YZ_MAX_BODY_BYTES", "65536"}});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->output(); }
  int port() const { return server_->port(); }
  void ExpectStillServing() {
    auto r = Fetch(port(), "GET", "/healthz");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  static ServerProcess* server_;
};
ServerProcess* LimitsTest::server_ = nullptr;

TEST_F(LimitsTest, MalformedRequestLineGets400) {
  HttpClient c(port());
  ASSERT_TRUE(c.SendRaw("THIS IS NOT HTTP\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("\"code\":\"bad_request\""), std::string::npos);
  EXPECT_TRUE(c.WaitClosed(2s));
  ExpectStillServing();
}

TEST_F(LimitsTest, InvalidTargetGets400) {
  HttpClient c(port());
  ASSERT_TRUE(c.SendRaw("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  ExpectStillServing();
}

TEST_F(LimitsTest, HugeHeadersGet431) {
  HttpClient c(port());
  std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  c.SendRaw(req);  // the server may close before reading it all
  auto r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_NE(r->body.find("\"code\":\"header_too_large\""), std::string::npos);
  ExpectStillServing();
}

TEST_F(LimitsTest, HugeBodyGets413BeforeItIsRead) {
  HttpClient c(port());
  // Announce 10 MB but send only the header: the answer must not wait for the body.
  ASSERT_TRUE(c.SendRaw("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"));
  auto r = c.ReadResponse(3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_NE(r->body.find("\"code\":\"body_too_large\""), std::string::npos);
  ExpectStillServing();
}

TEST_F(LimitsTest, OneByteASecondClientIsDroppedWithoutStallingOthers) {
  std::atomic<bool> dropped{false};
  std::thread slow([&] {
    HttpClient c(port());
    std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: aaaaaaaa\r\n\r\n";
    for (char ch : req) {
      if (!c.SendRaw(std::string(1, ch))) break;
      if (c.WaitClosed(1s)) {
        dropped = true;
        return;
      }
    }
  });
  // Meanwhile normal clients are served promptly.
  for (int i = 0; i < 20; ++i) {
    auto start = std::chrono::steady_clock::now();
    ExpectStillServing();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    std::this_thread::sleep_for(50ms);
  }
  slow.join();
  EXPECT_TRUE(dropped) << "a client trickling one byte a second must be disconnected";
}

TEST_F(LimitsTest, IdleKeepAliveConnectionIsClosedAfterTheTimeout) {
  HttpClient c(port());
  ASSERT_TRUE(c.Request("GET", "/healthz"));
  EXPECT_TRUE(c.WaitClosed(4s));
}

TEST(MaxConnectionsTest, ConnectionsBeyondTheLimitGet503) {
  ServerProcess s({}, {{"YZ_MAX_CONNECTIONS", "4"}});
  ASSERT_TRUE(s.started());
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<HttpClient>(s.port()));
    ASSERT_TRUE(held.back()->Request("GET", "/healthz"));  // open and counted
  }
  auto r = Fetch(s.port(), "GET", "/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->headers["retry-after"], "1");
  held.clear();
  std::this_thread::sleep_for(200ms);
  auto ok = Fetch(s.port(), "GET", "/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

}  // namespace
}  // namespace yz::testing
