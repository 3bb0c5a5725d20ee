// Throttle: counters per limit and subject in the database, on both backends, with
// a fake clock (issue 15 defect 1).
#include "accounts/throttle.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../store_fixture.h"
#include "../test_util.h"

namespace yz::accounts {
namespace {

constexpr Limit kThree{"test-three", 3, 60};
constexpr Limit kOther{"test-other", 3, 60};

class ThrottleTest : public yz::testing::StoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreTest::SetUp());
    throttle_ = std::make_unique<Throttle>(*db_, key_, now_);
  }
  void TearDown() override {
    throttle_.reset();
    StoreTest::TearDown();
  }
  std::int64_t Take(const Limit& limit, const std::string& subject, Throttle* t = nullptr) {
    auto r = (t ? t : throttle_.get())->Take(limit, subject);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }
  std::int64_t Wait(const Limit& limit, const std::string& subject) {
    auto r = throttle_->RetryAfter(limit, subject);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }

  std::shared_ptr<const crypto::SecretKey> key_ =
      std::make_shared<const crypto::SecretKey>(crypto::SecretKey::Random());
  std::unique_ptr<Throttle> throttle_;
};

TEST_P(ThrottleTest, AllowsMaxUsesPerWindowThenRefuses) {  // C4.1
  EXPECT_EQ(Wait(kThree, "login:a"), 0);
  EXPECT_EQ(Take(kThree, "login:a"), 0);
  clock_ += 10;
  EXPECT_EQ(Take(kThree, "login:a"), 0);
  EXPECT_EQ(Take(kThree, "login:a"), 0);
  // The window opened 10 s ago with the first use: 50 s to go.
  EXPECT_EQ(Wait(kThree, "login:a"), 50);
  EXPECT_EQ(Take(kThree, "login:a"), 50);
  clock_ += 49;
  EXPECT_EQ(Wait(kThree, "login:a"), 1);
  clock_ += 1;
  EXPECT_EQ(Wait(kThree, "login:a"), 0);
  EXPECT_EQ(Take(kThree, "login:a"), 0);
}

TEST_P(ThrottleTest, SubjectsAndLimitsAreCountedApart) {  // C4.1
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Take(kThree, "a"), 0);
  EXPECT_GT(Take(kThree, "a"), 0);
  EXPECT_EQ(Take(kThree, "b"), 0);
  EXPECT_EQ(Take(kOther, "a"), 0);
}

TEST_P(ThrottleTest, RefundAndClearGiveUsesBack) {  // C4.1
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Take(kThree, "a"), 0);
  ASSERT_OK(throttle_->Refund(kThree, "a"));
  EXPECT_EQ(Take(kThree, "a"), 0);
  EXPECT_GT(Take(kThree, "a"), 0);
  ASSERT_OK(throttle_->Clear(kThree, "a"));
  EXPECT_EQ(Wait(kThree, "a"), 0);
}

// issue 15 defect 1: the state is in the database, so nodes that share it (and the
// key) share the counts; concurrent takes never overshoot.
TEST_P(ThrottleTest, NodesSharingTheDatabaseShareTheCounts) {  // C4.1
  Throttle other_node(*db_, key_, now_);
  EXPECT_EQ(Take(kThree, "a"), 0);
  EXPECT_EQ(Take(kThree, "a", &other_node), 0);
  EXPECT_EQ(Take(kThree, "a"), 0);
  EXPECT_GT(Take(kThree, "a", &other_node), 0);

  constexpr Limit kTen{"test-ten", 10, 60};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Throttle& node = t % 2 ? other_node : *throttle_;
      for (int i = 0; i < 10; ++i) {
        auto r = node.Take(kTen, "shared");
        if (r.ok() && *r == 0) ++allowed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 10);
}

TEST_P(ThrottleTest, TheTableHoldsNoSubjectInTheClear) {  // C2.4, C4.1
  EXPECT_EQ(Take(kThree, "wang@example.cn"), 0);
  for (const store::Row& row : Query("SELECT * FROM throttles")) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      EXPECT_EQ(row.Text(i).find("wang@example.cn"), std::string::npos);
    }
  }
}

// issue 15 defect 1: expired rows go, and the table never grows past its bound.
TEST_P(ThrottleTest, SweepExpiresRowsAndBoundsTheTable) {  // C4.1
  Throttle small(*db_, key_, now_, /*max_rows=*/5);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(Take(kThree, "old-" + std::to_string(i), &small), 0);
  }
  clock_ += 61;
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(Take(kThree, "new-" + std::to_string(i), &small), 0);
    clock_ += 1;
  }
  ASSERT_OK_AND_ASSIGN(std::int64_t deleted, small.Sweep());
  EXPECT_EQ(deleted, 8 + 3);  // the expired, then the three nearest their end
  EXPECT_EQ(Query("SELECT COUNT(*) FROM throttles")[0].Int(0), 5);
}

TEST_P(ThrottleTest, KeyedMacsDependOnTheKey) {  // C4.1
  Throttle other_key(*db_, nullptr, now_);
  EXPECT_EQ(throttle_->Mac("p", "x"), Throttle(*db_, key_, now_).Mac("p", "x"));
  EXPECT_NE(throttle_->Mac("p", "x"), other_key.Mac("p", "x"));
  EXPECT_NE(throttle_->Mac("p", "x"), throttle_->Mac("q", "x"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ThrottleTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::accounts
