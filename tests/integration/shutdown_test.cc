// SIGTERM under load: the server stops accepting, finishes what it started,
// and exits 0 quickly; no client ever sees a truncated response.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <thread>

#include "http_client.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using namespace std::chrono_literals;

TEST(ShutdownTest, SigtermUnderLoadExitsZeroWithinFiveSecondsAndNoResponseIsTruncated) {
  ServerProcess s;
  ASSERT_TRUE(s.started()) << s.output();
  // Started means listening; the user-agent rules still load beside the server, and
  // exit waits for them (a quarter of a second, several under the sanitizers).
  ASSERT_TRUE(s.WaitReady()) << s.output();
  std::atomic<bool> stop{false};
  std::atomic<int> complete{0}, truncated{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&, i] {
      while (!stop) {
        HttpClient c(s.port());
        if (!c.connected()) return;  // listener gone: shutdown has begun
        for (int k = 0; k < 20 && !stop; ++k) {
          auto r = c.Request("GET", i % 2 ? "/healthz" : "/");
          if (!r) break;  // closed between requests: allowed
          if (r->complete && r->status == 200) ++complete;
          else ++truncated;
        }
      }
    });
  }
  std::this_thread::sleep_for(500ms);
  ASSERT_GT(complete.load(), 0);
  auto sent = std::chrono::steady_clock::now();
  s.Signal(SIGTERM);
  auto code = s.Wait(5s);
  auto took = std::chrono::steady_clock::now() - sent;
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_TRUE(code.has_value()) << "server still running 5 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, 5s);
  EXPECT_EQ(truncated.load(), 0);
}

TEST(ShutdownTest, SigintWhileIdleExitsZero) {
  ServerProcess s;
  ASSERT_TRUE(s.started());
  ASSERT_TRUE(s.WaitReady()) << s.output();  // idle: done starting, rules loaded
  HttpClient idle(s.port());  // an idle keep-alive connection must not hold shutdown up
  ASSERT_TRUE(idle.Request("GET", "/healthz"));
  s.Signal(SIGINT);
  auto code = s.Wait(3s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace yz::testing
