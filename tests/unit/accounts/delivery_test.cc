// The outbox as a queue and its delivery worker, on both backends, with a fake
// clock and a channel that records what it is given (issue 15 defect 7).
#include "accounts/delivery.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "../store_fixture.h"
#include "../test_util.h"

namespace yz::accounts {
namespace {

// Records every message; fails the first `failures` sends.
class Recording final : public Notifier {
 public:
  explicit Recording(int failures = 0) : failures_(failures) {}
  Status Send(const Message& m) override {
    std::lock_guard lock(mu_);
    if (failures_ > 0) {
      --failures_;
      return Unavailable("channel down");
    }
    sent_.push_back(m);
    return Status::Ok();
  }
  std::vector<Message> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }

 private:
  std::mutex mu_;
  int failures_;
  std::vector<Message> sent_;
};

class DeliveryTest : public yz::testing::GateTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(GateTest::SetUp());
    outbox_ = std::make_unique<Outbox>(*db_, *gate_, now_);
  }
  void TearDown() override {
    outbox_.reset();
    GateTest::TearDown();
  }
  static Message Code(std::string account, std::string to, std::string code) {
    return Message{std::move(account), std::move(to), "永州工业云验证码",
                   "您的验证码是 " + code + "。", code};
  }
  std::int64_t Count(const std::string& where) {
    auto rows = Query("SELECT COUNT(*) FROM outbox WHERE " + where);
    return rows.empty() ? -1 : rows[0].Int(0);
  }
  std::unique_ptr<Outbox> outbox_;
};

TEST_P(DeliveryTest, DeliversEachQueuedMessageOnceAndMarksIt) {  // C1.1; issue 15 defect 7
  ASSERT_TRUE(outbox_->Send(Code("acct-1", "13800138000", "111111")).ok());
  ASSERT_TRUE(outbox_->Send(Code("acct-2", "wang@example.cn", "222222")).ok());
  Recording channel;
  OutboxDelivery delivery(*db_, *outbox_, channel, now_);
  ASSERT_OK_AND_ASSIGN(DeliveryRound round, delivery.DeliverDue());
  EXPECT_EQ(round.delivered, 2);
  ASSERT_OK_AND_ASSIGN(round, delivery.DeliverDue());
  EXPECT_EQ(round.delivered, 0);
  ASSERT_EQ(channel.sent().size(), 2u);
  EXPECT_EQ(channel.sent()[0].code, "111111");
  EXPECT_EQ(channel.sent()[1].to, "wang@example.cn");
  EXPECT_EQ(channel.sent()[1].created_at, 1'800'000'000);
  EXPECT_EQ(Count("delivered_at IS NOT NULL AND attempts = 1"), 2);
}

TEST_P(DeliveryTest, AMessageExistsOnlyIfItsTransactionCommits) {  // C1.1; issue 15 defect 7
  {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    store::Transaction tx(*conn);
    ASSERT_OK(tx.begin_status());
    ASSERT_OK(outbox_->Enqueue(*conn, Code("acct-1", "13800138000", "111111")));
    // Not committed: rolled back with the change it belonged to.
  }
  {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    store::Transaction tx(*conn);
    ASSERT_OK(tx.begin_status());
    ASSERT_OK(outbox_->Enqueue(*conn, Code("acct-1", "13800138000", "222222")));
    ASSERT_OK(tx.Commit());
  }
  Recording channel;
  OutboxDelivery delivery(*db_, *outbox_, channel, now_);
  ASSERT_OK(delivery.DeliverDue().status());
  ASSERT_EQ(channel.sent().size(), 1u);
  EXPECT_EQ(channel.sent()[0].code, "222222");
}

TEST_P(DeliveryTest, RetriesWithBackoffUntilTheChannelWorks) {  // C1.1; issue 15 defect 7
  ASSERT_TRUE(outbox_->Send(Code("acct-1", "13800138000", "111111")).ok());
  Recording channel(/*failures=*/2);
  OutboxDelivery delivery(*db_, *outbox_, channel, now_);
  ASSERT_OK_AND_ASSIGN(DeliveryRound round, delivery.DeliverDue());
  EXPECT_EQ(round.failed, 1);
  // Not due again before the first backoff (5 s), then twice as long.
  ASSERT_OK_AND_ASSIGN(round, delivery.DeliverDue());
  EXPECT_EQ(round.failed + round.delivered, 0);
  clock_ += 5;
  ASSERT_OK_AND_ASSIGN(round, delivery.DeliverDue());
  EXPECT_EQ(round.failed, 1);
  clock_ += 9;
  ASSERT_OK_AND_ASSIGN(round, delivery.DeliverDue());
  EXPECT_EQ(round.failed + round.delivered, 0);
  clock_ += 1;
  ASSERT_OK_AND_ASSIGN(round, delivery.DeliverDue());
  EXPECT_EQ(round.delivered, 1);
  ASSERT_EQ(channel.sent().size(), 1u);
  EXPECT_EQ(Count("delivered_at IS NOT NULL AND attempts = 3 AND last_error IS NULL"), 1);
}

// issue 15 defect 7: a failed delivery is logged, naming the message but neither
// its recipient nor its content.
TEST_P(DeliveryTest, FailuresAreLoggedWithoutPersonalData) {  // C4.1
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  ASSERT_TRUE(outbox_->Send(Code("acct-1", "wang@example.cn", "493817")).ok());
  Recording channel(/*failures=*/1);
  OutboxDelivery delivery(*db_, *outbox_, channel, now_);
  auto round = delivery.DeliverDue();
  spdlog::set_default_logger(previous);
  ASSERT_OK(round.status());
  EXPECT_NE(log.str().find("delivering message"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("channel down"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("wang@example.cn"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("493817"), std::string::npos) << log.str();
}

TEST_P(DeliveryTest, GivesUpAfterTheLastAttemptAndKeepsTheError) {  // issue 15 defect 7
  ASSERT_TRUE(outbox_->Send(Code("acct-1", "13800138000", "111111")).ok());
  Recording channel(/*failures=*/100);
  DeliveryOptions options;
  options.max_attempts = 3;
  OutboxDelivery delivery(*db_, *outbox_, channel, now_, options);
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(delivery.DeliverDue().status());
    clock_ += 3600;
  }
  EXPECT_EQ(Count("delivered_at IS NULL AND attempts = 3 AND last_error = 'channel down'"), 1);
}

TEST_P(DeliveryTest, TwoWorkersDeliverEachMessageOnce) {  // issue 15 defect 7 (several nodes)
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(outbox_->Send(Code("acct-1", "13800138000", std::to_string(100000 + i))).ok());
  }
  Recording channel;
  OutboxDelivery a(*db_, *outbox_, channel, now_);
  OutboxDelivery b(*db_, *outbox_, channel, now_);
  std::thread ta([&] { ASSERT_OK(a.DeliverDue().status()); });
  std::thread tb([&] { ASSERT_OK(b.DeliverDue().status()); });
  ta.join();
  tb.join();
  EXPECT_EQ(channel.sent().size(), 20u);
  EXPECT_EQ(Count("delivered_at IS NOT NULL"), 20);
}

TEST_P(DeliveryTest, AnUnwritableOutboxFileIsRetriedOnceItIsWritable) {  // issue 15 defect 7
  const auto file = dir_ / "mail" / "outbox.jsonl";
  std::filesystem::create_directories(file);  // a directory where the file should be
  ASSERT_TRUE(outbox_->Send(Code("acct-1", "13800138000", "654321")).ok());
  FileNotifier channel(file);
  OutboxDelivery delivery(*db_, *outbox_, channel, now_);
  ASSERT_OK_AND_ASSIGN(DeliveryRound round, delivery.DeliverDue());
  EXPECT_EQ(round.failed, 1);
  std::filesystem::remove(file);
  clock_ += 5;
  ASSERT_OK_AND_ASSIGN(round, delivery.DeliverDue());
  EXPECT_EQ(round.delivered, 1);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("654321"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, DeliveryTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::accounts
