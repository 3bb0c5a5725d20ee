// Throttle: a sliding window of failures per key, with a fake clock.
#include "accounts/throttle.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace yz::accounts {
namespace {

class ThrottleTest : public ::testing::Test {
 protected:
  std::int64_t now_ = 1'800'000'000;
  Throttle throttle_{3, 60, [this] { return now_; }};
};

TEST_F(ThrottleTest, AllowsUpToMaxFailuresThenBlocks) {  // C4.1: guessing passwords is throttled
  EXPECT_FALSE(throttle_.RetryAfter("login:a"));
  throttle_.Failure("login:a");
  now_ += 10;
  throttle_.Failure("login:a");
  EXPECT_FALSE(throttle_.RetryAfter("login:a"));
  now_ += 10;
  throttle_.Failure("login:a");
  // Blocked until the first failure (20 s ago) leaves the 60 s window.
  ASSERT_TRUE(throttle_.RetryAfter("login:a"));
  EXPECT_EQ(*throttle_.RetryAfter("login:a"), 40);
  now_ += 39;
  EXPECT_EQ(*throttle_.RetryAfter("login:a"), 1);
  now_ += 1;
  EXPECT_FALSE(throttle_.RetryAfter("login:a"));
}

TEST_F(ThrottleTest, WindowSlidesOneFailureAtATime) {  // C4.1
  for (int i = 0; i < 3; ++i) {
    throttle_.Failure("ip:203.0.113.7");
    now_ += 10;
  }
  // Failures at t0, t0+10, t0+20; now t0+30. At t0+60 only the first has left.
  now_ += 30;
  EXPECT_FALSE(throttle_.RetryAfter("ip:203.0.113.7"));
  throttle_.Failure("ip:203.0.113.7");
  // Again three within the window (t0+10, t0+20, t0+60): blocked until t0+70.
  ASSERT_TRUE(throttle_.RetryAfter("ip:203.0.113.7"));
  EXPECT_EQ(*throttle_.RetryAfter("ip:203.0.113.7"), 10);
}

TEST_F(ThrottleTest, SuccessClearsTheKey) {  // C4.1
  for (int i = 0; i < 3; ++i) throttle_.Failure("login:a");
  ASSERT_TRUE(throttle_.RetryAfter("login:a"));
  throttle_.Success("login:a");
  EXPECT_FALSE(throttle_.RetryAfter("login:a"));
  throttle_.Failure("login:a");
  throttle_.Failure("login:a");
  EXPECT_FALSE(throttle_.RetryAfter("login:a"));
}

TEST_F(ThrottleTest, KeysAreIndependent) {  // C4.1
  for (int i = 0; i < 3; ++i) throttle_.Failure("login:a");
  EXPECT_TRUE(throttle_.RetryAfter("login:a"));
  EXPECT_FALSE(throttle_.RetryAfter("login:b"));
  EXPECT_FALSE(throttle_.RetryAfter(""));
}

TEST_F(ThrottleTest, FailuresPastTheWindowAreForgotten) {  // C4.1
  throttle_.Failure("login:a");
  throttle_.Failure("login:a");
  now_ += 60;
  throttle_.Failure("login:a");
  EXPECT_FALSE(throttle_.RetryAfter("login:a"));
}

TEST(ThrottleBoundsTest, AtMaxKeysTheOldestKeysAreEvicted) {  // C4.1: memory stays bounded
  std::int64_t now = 1'800'000'000;
  Throttle throttle(
      2, 3600, [&now] { return now; }, /*max_keys=*/100);
  throttle.Failure("old");
  throttle.Failure("old");
  ASSERT_TRUE(throttle.RetryAfter("old"));
  // A flood of fresh keys, all still inside the window: "old" is the first to go.
  for (int i = 0; i < 1000; ++i) {
    now += 1;
    throttle.Failure("flood:" + std::to_string(i));
    throttle.Failure("flood:" + std::to_string(i));
  }
  EXPECT_FALSE(throttle.RetryAfter("old"));
  // The newest keys are kept, still blocked.
  EXPECT_TRUE(throttle.RetryAfter("flood:999"));
  EXPECT_TRUE(throttle.RetryAfter("flood:950"));
}

TEST(ThrottleBoundsTest, ExpiredKeysAreSweptBeforeLiveOnesAreEvicted) {  // C4.1
  std::int64_t now = 1'800'000'000;
  Throttle throttle(
      2, 60, [&now] { return now; }, /*max_keys=*/100);
  throttle.Failure("live");
  throttle.Failure("live");
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 90; ++i)
      throttle.Failure("r" + std::to_string(round) + ":" + std::to_string(i));
    now += 61;  // this round's keys expire
    throttle.Failure("live");
    throttle.Failure("live");
  }
  // Thousands of keys went through a table of 100; the live key was never evicted
  // because expired keys made room first.
  EXPECT_TRUE(throttle.RetryAfter("live"));
}

TEST(ThrottleBoundsTest, ThreadSafeUnderConcurrentUse) {  // C4.1
  std::atomic<std::int64_t> now{1'800'000'000};
  Throttle throttle(
      5, 60, [&now] { return now.load(); }, 1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&throttle, &now, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string key = "k" + std::to_string((i * 7 + t) % 1500);
        if (i % 3 == 0) throttle.Failure(key);
        if (i % 11 == 0) throttle.Success(key);
        (void)throttle.RetryAfter(key);
        if (i % 100 == 0) now += 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int i = 0; i < 5; ++i) throttle.Failure("final");
  EXPECT_TRUE(throttle.RetryAfter("final"));
}

}  // namespace
}  // namespace yz::accounts
