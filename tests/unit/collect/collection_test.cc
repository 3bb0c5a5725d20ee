// The protect-and-write path of collection on both backends (C2.1, issue 5
// points 1, 3 and 6): rows arrive protected, the full IP and the account only
// sealed, visitors counted with persisted daily salts, bots apart, a full queue
// refused, and the retention job destroying keys and salts on time.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "../store_fixture.h"
#include "../test_util.h"
#include "collect/pipeline.h"
#include "collect/protector.h"
#include "collect/retention.h"
#include "crypto/aead.h"

namespace yz::collect {
namespace {

constexpr const char* kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36";
constexpr const char* kFullIp = "203.0.113.77";

class CollectionTest : public yz::testing::GateTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(GateTest::SetUp());
    salts_ = std::make_unique<crypto::Pseudonymizer>(
        [this] {
          return std::chrono::system_clock::time_point(std::chrono::seconds(clock_.load()));
        },
        1, [this](crypto::DayNumber d) { return keys_->DataKey(SaltSubject(d)); });
    protector_ = std::make_unique<Protector>(*gate_, *inventory_, *salts_, now_);
    pipeline_ = std::make_unique<Pipeline>(*db_);
  }
  void TearDown() override {
    pipeline_.reset();
    protector_.reset();
    GateTest::TearDown();
  }

  RequestFacts Facts(std::string_view ip = kFullIp, std::string_view ua = kChrome) {
    RequestFacts f;
    f.at = clock_.load();
    request_ids_.push_back("r" + std::to_string(++request_));
    f.request_id = request_ids_.back();
    f.ip = ip;
    f.user_agent = ua;
    f.accept_language = "zh-CN,zh;q=0.9";
    f.referer = "https://www.baidu.com/s?wd=secret";
    f.method = "GET";
    f.path = "/search";
    f.query = "q=%E8%BD%B4%E6%89%BF&page=2";
    f.status = 200;
    f.site = "cloud.example";
    return f;
  }

  // Submits and waits for the writer's verdict.
  Status Write(Batch batch) { return WriteOn(*pipeline_, std::move(batch)); }
  static Status WriteOn(Pipeline& pipeline, Batch batch) {
    std::promise<Status> p;
    auto f = p.get_future();
    if (!pipeline.Submit(std::move(batch), [&p](const Status& s) { p.set_value(s); })) {
      return Unavailable("queue full");
    }
    return f.get();
  }

  int request_ = 0;
  std::deque<std::string> request_ids_;
  std::unique_ptr<crypto::Pseudonymizer> salts_;
  std::unique_ptr<Protector> protector_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_P(CollectionTest, AccessRowKeepsOnlyWhatTheInventoryAllows) {  // C2.1
  RequestFacts f = Facts();
  f.account = "acct_123456";
  ASSERT_OK_AND_ASSIGN(AccessRow row, protector_->Access(f));
  Batch b;
  b.access.push_back(row);
  ASSERT_OK(Write(std::move(b)));

  auto rows = Query(
      "SELECT ip_prefix, path, language, referrer_domain, at, visitor, ip_sealed, account_sealed, "
      "request_id, day, bot FROM request_log");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "203.0.113.0/24");
  EXPECT_EQ(rows[0].Text(1), "/search?q=&page=2");  // the search words are gone
  EXPECT_EQ(rows[0].Text(2), "zh");
  EXPECT_EQ(rows[0].Text(3), "baidu.com");
  EXPECT_EQ(rows[0].Int(4) % 60, 0);  // to the minute
  EXPECT_EQ(rows[0].Text(5).size(), 32u);
  EXPECT_EQ(rows[0].Int(10), 0);

  // The full IP opens for security, under the day's log key, and for nothing else.
  const std::string day_subject = LogKeySubject(rows[0].Int(9));
  const std::string request_id = rows[0].Text(8);
  const crypto::Binding where{"request_log", "ip_sealed", request_id};
  ASSERT_OK_AND_ASSIGN(std::string ip, gate_->Open(day_subject, "log.ip_full", rows[0].Bytes(6),
                                                   where, privacy::Purpose::kSecurity, "auditor"));
  EXPECT_EQ(ip, kFullIp);
  EXPECT_EQ(gate_
                ->Open(day_subject, "log.ip_full", rows[0].Bytes(6), where,
                       privacy::Purpose::kStatistics, "analyst")
                .status()
                .code(),
            Code::kPermissionDenied);
  ASSERT_OK_AND_ASSIGN(std::string account,
                       gate_->Open(day_subject, "log.account_link", rows[0].Bytes(7),
                                   {"request_log", "account_sealed", request_id},
                                   privacy::Purpose::kSecurity, "auditor"));
  EXPECT_EQ(account, "acct_123456");
}

TEST_P(CollectionTest, NoFullIpOrAccountInTheDatabaseFiles) {  // C2.1, C2.4
  Batch b;
  for (int i = 0; i < 50; ++i) {
    RequestFacts f = Facts("198.51.100.213");
    f.account = "acct_plaintext_probe";
    ASSERT_OK_AND_ASSIGN(AccessRow row, protector_->Access(f));
    b.access.push_back(std::move(row));
  }
  ASSERT_OK(Write(std::move(b)));
  ExpectNoPlaintext({"198.51.100.213", "acct_plaintext_probe", "baidu.com/s"});
}

TEST_P(CollectionTest, VisitorsAreDailyPseudonymsSharedThroughTheKeystore) {  // C2.1
  ASSERT_OK_AND_ASSIGN(AccessRow a, protector_->Access(Facts()));
  ASSERT_OK_AND_ASSIGN(AccessRow same, protector_->Access(Facts()));
  ASSERT_OK_AND_ASSIGN(AccessRow other, protector_->Access(Facts("203.0.113.78")));
  EXPECT_EQ(a.visitor, same.visitor);
  EXPECT_NE(a.visitor, other.visitor);
  // Another process on the same keystore (a restart) computes the same pseudonym.
  crypto::Pseudonymizer restarted(
      [this] { return std::chrono::system_clock::time_point(std::chrono::seconds(clock_.load())); },
      1, [this](crypto::DayNumber d) { return keys_->DataKey(SaltSubject(d)); });
  Protector again(*gate_, *inventory_, restarted, now_);
  ASSERT_OK_AND_ASSIGN(AccessRow after_restart, again.Access(Facts()));
  EXPECT_EQ(after_restart.visitor, a.visitor);
  // The next day, the same visitor is someone else.
  clock_ += 86400;
  ASSERT_OK_AND_ASSIGN(AccessRow tomorrow, protector_->Access(Facts()));
  EXPECT_NE(tomorrow.visitor, a.visitor);
}

TEST_P(CollectionTest, ConsentedAnonymousIdCountsOneVisitorAcrossNetworks) {  // C2.3
  RequestFacts home = Facts("203.0.113.1");
  home.anonymous_id = "0123456789abcdef0123456789abcdef";
  RequestFacts office = Facts("198.51.100.1");
  office.anonymous_id = home.anonymous_id;
  ASSERT_OK_AND_ASSIGN(AccessRow a, protector_->Access(home));
  ASSERT_OK_AND_ASSIGN(AccessRow b, protector_->Access(office));
  EXPECT_EQ(a.visitor, b.visitor);
}

TEST_P(CollectionTest, BotsAreCountedApart) {  // issue 5 point 3
  const EventInput view{"pageview",     "https://site.example/a",
                        "site.example", std::nullopt,
                        std::nullopt,   std::nullopt};
  Batch b;
  ASSERT_OK(protector_->Events(Facts(), std::span(&view, 1), "tracker", b));
  ASSERT_OK(protector_->Events(Facts(kFullIp, "Mozilla/5.0 (compatible; bingbot/2.0)"),
                               std::span(&view, 1), "tracker", b));
  ASSERT_OK(protector_->Events(Facts(kFullIp, "curl/8.0"), std::span(&view, 1), "tracker", b));
  ASSERT_OK(protector_->Events(Facts(kFullIp, "curl/8.0"), std::span(&view, 1), "tracker", b));
  EXPECT_EQ(b.events.size(), 1u);
  ASSERT_OK(Write(std::move(b)));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM events")[0].Int(0), 1);
  auto bots = Query("SELECT bot, hits FROM bot_hits ORDER BY bot");
  ASSERT_EQ(bots.size(), 2u);
  EXPECT_EQ(bots[0].Text(0), "bingbot");
  EXPECT_EQ(bots[0].Int(1), 1);
  EXPECT_EQ(bots[1].Text(0), "curl");
  EXPECT_EQ(bots[1].Int(1), 2);
}

TEST_P(CollectionTest, EngagementPingsAreNotKept) {  // C2.1: no time-on-page tracking
  const EventInput ping{"engagement",   "https://site.example/a",
                        "site.example", std::nullopt,
                        std::nullopt,   std::nullopt};
  Batch b;
  ASSERT_OK(protector_->Events(Facts(), std::span(&ping, 1), "tracker", b));
  EXPECT_TRUE(b.events.empty());
  EXPECT_TRUE(b.bots.empty());
}

TEST_P(CollectionTest, EventNamesAndSitesMustBeSafeText) {  // issue 5: bad input is a 400
  for (const char* name : {"a\x01b", "sign up zhang@example.cn", "138 1234 5678"}) {
    const EventInput e{
        name, "https://site.example/", "site.example", std::nullopt, std::nullopt, std::nullopt};
    Batch b;
    EXPECT_EQ(protector_->Events(Facts(), std::span(&e, 1), "tracker", b).code(),
              Code::kInvalidArgument)
        << name;
  }
  const EventInput bad_site{"pageview",         "https://site.example/",
                            "site example/<x>", std::nullopt,
                            std::nullopt,       std::nullopt};
  Batch b;
  EXPECT_EQ(protector_->Events(Facts(), std::span(&bad_site, 1), "tracker", b).code(),
            Code::kInvalidArgument);
}

TEST_P(CollectionTest, FutureDatedRequestsAreRefused) {  // C2.1: no key outlives its promise
  RequestFacts f = Facts();
  f.at = clock_.load() + 2 * 86400;
  EXPECT_EQ(protector_->Access(f, "import").status().code(), Code::kInvalidArgument);
  // A future-dated event cannot move the salt window and destroy yesterday's salt.
  EXPECT_EQ(salts_
                ->Id(crypto::UtcDay(std::chrono::system_clock::time_point(
                         std::chrono::seconds(clock_.load()))) +
                         5,
                     "x")
                .status()
                .code(),
            Code::kFailedPrecondition);
}

TEST_P(CollectionTest, EventDaysAreRecordedForRetention) {  // C2.1
  const EventInput view{"pageview",   "https://site.example/a", "site.example", std::nullopt,
                        std::nullopt, clock_.load() - 3 * 86400};
  Batch b;
  ASSERT_OK(protector_->Events(Facts(), std::span(&view, 1), "batch", b));
  ASSERT_OK(Write(std::move(b)));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM log_days WHERE day = $1",
                  {std::int64_t{clock_.load() / 86400 - 3}})[0]
                .Int(0),
            1);
}

TEST_P(CollectionTest, EventsAreValidatedAndRedacted) {  // C2.1
  EventInput e{"Signup",
               "https://site.example/join?email=a%40b.cn&ref=ad",
               "site.example",
               "https://news.example.cn/story",
               R"({"plan":"free"})",
               std::nullopt};
  Batch b;
  ASSERT_OK(protector_->Events(Facts(), std::span(&e, 1), "batch", b));
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].path, "/join?email=&ref=ad");
  EXPECT_EQ(b.events[0].referrer_domain, "news.example.cn");
  e.url = "javascript:alert(1)";
  EXPECT_EQ(protector_->Events(Facts(), std::span(&e, 1), "batch", b).code(),
            Code::kInvalidArgument);
  e.url = "https://site.example/";
  e.at = clock_.load() - 30 * 86400;  // older than the batch API takes
  EXPECT_EQ(protector_->Events(Facts(), std::span(&e, 1), "batch", b).code(),
            Code::kInvalidArgument);
}

TEST_P(CollectionTest, FullQueueIsRefusedAndNothingIsLost) {  // issue 5 point 6
  // Hold the tables so the writer cannot commit, fill the queue, then let go.
  pipeline_ =
      std::make_unique<Pipeline>(*db_, Pipeline::Options{.capacity = 10, .max_batch_rows = 10});
  ASSERT_OK_AND_ASSIGN(auto blocker, db_->Acquire());
  ASSERT_OK(blocker->Begin());
  if (GetParam() == store::Backend::kPostgres) {
    ASSERT_TRUE(blocker->Exec("LOCK TABLE request_log IN ACCESS EXCLUSIVE MODE").ok());
  } else {
    ASSERT_TRUE(blocker->Exec("INSERT INTO settings (key, value) VALUES ('hold', 'x')").ok());
  }
  std::vector<std::future<Status>> done;
  std::vector<std::shared_ptr<std::promise<Status>>> promises;
  int accepted = 0;
  for (int i = 0; i < 15; ++i) {
    ASSERT_OK_AND_ASSIGN(AccessRow row, protector_->Access(Facts()));
    Batch b;
    b.access.push_back(std::move(row));
    auto p = std::make_shared<std::promise<Status>>();
    if (pipeline_->Submit(std::move(b), [p](const Status& s) { p->set_value(s); })) {
      ++accepted;
      done.push_back(p->get_future());
      promises.push_back(p);
    }
  }
  // The writer holds at most one batch in hand; the queue refuses beyond capacity.
  EXPECT_LE(accepted, 11);
  EXPECT_GE(accepted, 10);
  EXPECT_GE(pipeline_->stats().rejected, 4u);
  ASSERT_OK(blocker->Rollback());
  for (auto& f : done) {
    Status s = f.get();
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(Query("SELECT COUNT(*) FROM request_log")[0].Int(0), accepted);
}

TEST_P(CollectionTest, FailedCommitIsReportedNotAcknowledged) {  // issue 5 point 6
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  ASSERT_TRUE(conn->Exec("DROP TABLE events").ok());
  EventInput e{"pageview",  "https://site.example/", "site.example", std::nullopt, std::nullopt,
               std::nullopt};
  Batch b;
  ASSERT_OK(protector_->Events(Facts(), std::span(&e, 1), "tracker", b));
  EXPECT_FALSE(Write(std::move(b)).ok());
  // The pipeline goes on for submissions that can be written.
  ASSERT_OK_AND_ASSIGN(AccessRow row, protector_->Access(Facts()));
  Batch ok;
  ok.access.push_back(std::move(row));
  ASSERT_OK(Write(std::move(ok)));
}

TEST_P(CollectionTest, RetentionDestroysKeysAndSaltsOnTime) {  // C2.1, PIPL Art. 19
  ASSERT_OK_AND_ASSIGN(AccessRow row, protector_->Access(Facts()));
  const std::string request_id = row.request_id;
  const std::int64_t day = row.day;
  Batch b;
  b.access.push_back(row);
  ASSERT_OK(Write(std::move(b)));
  Retention retention(*db_, *gate_, *inventory_, now_);

  ASSERT_OK_AND_ASSIGN(auto first, retention.Run());
  EXPECT_EQ(first.keys_destroyed, 0);
  EXPECT_EQ(first.salts_destroyed, 0);

  clock_ += 2 * 86400;  // the day after the day has ended: the salt goes
  ASSERT_OK_AND_ASSIGN(auto second, retention.Run());
  EXPECT_EQ(second.salts_destroyed, 1);
  EXPECT_EQ(second.keys_destroyed, 0);
  ASSERT_OK_AND_ASSIGN(auto still, gate_->Open(LogKeySubject(day), "log.ip_full", *row.ip_sealed,
                                               {"request_log", "ip_sealed", request_id},
                                               privacy::Purpose::kSecurity, "auditor"));
  EXPECT_EQ(still, kFullIp);

  clock_ += 6 * 86400;  // past log.ip_full's 7 days: the day's key goes
  ASSERT_OK_AND_ASSIGN(auto third, retention.Run());
  EXPECT_EQ(third.keys_destroyed, 1);
  EXPECT_FALSE(gate_
                   ->Open(LogKeySubject(day), "log.ip_full", *row.ip_sealed,
                          {"request_log", "ip_sealed", request_id}, privacy::Purpose::kSecurity,
                          "auditor")
                   .ok());
  EXPECT_TRUE(Query("SELECT ip_sealed FROM request_log")[0].IsNull(0));
  auto days = Query("SELECT salt_destroyed_at, key_destroyed_at FROM log_days");
  ASSERT_EQ(days.size(), 1u);
  EXPECT_FALSE(days[0].IsNull(0));
  EXPECT_FALSE(days[0].IsNull(1));

  clock_ += 30 * 86400;  // past the rows' own retention
  ASSERT_OK_AND_ASSIGN(auto fourth, retention.Run());
  EXPECT_EQ(fourth.access_rows_deleted, 1);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM request_log")[0].Int(0), 0);
}

// request_log and events ids are day * 2^32 + n (records.h): rows of two days
// written out of order take their day's next id, also from a second writer of
// the same store (import-log beside serve), and retention clears and deletes
// them day by day.
TEST_P(CollectionTest, RowsAreNumberedAndRetiredByDay) {  // C2.1
  const std::int64_t start = clock_.load();
  const std::int64_t today = DayOf(start);
  Pipeline other(*db_);
  auto write = [&](Pipeline& pipeline, std::int64_t ago) -> Status {
    RequestFacts f = Facts();
    f.at -= ago;
    ASSIGN_OR_RETURN(AccessRow row, protector_->Access(f, "import"));
    Batch b;
    b.access.push_back(std::move(row));
    const EventInput view{"pageview",      "https://cloud.example/a",
                          "cloud.example", std::nullopt,
                          std::nullopt,    std::nullopt};
    RETURN_IF_ERROR(protector_->Events(f, std::span(&view, 1), "tracker", b));
    return WriteOn(pipeline, std::move(b));
  };
  ASSERT_OK(write(*pipeline_, 0));
  ASSERT_OK(write(other, 86400));
  ASSERT_OK(write(other, 0));
  ASSERT_OK(write(*pipeline_, 86400));
  ASSERT_OK(write(*pipeline_, 0));
  const std::int64_t yesterday_ids[] = {DayRowIdBase(today - 1) + 1, DayRowIdBase(today - 1) + 2};
  const std::int64_t today_ids[] = {DayRowIdBase(today) + 1, DayRowIdBase(today) + 2,
                                    DayRowIdBase(today) + 3};
  for (const char* table : {"request_log", "events"}) {
    auto rows = Query(std::string("SELECT id, day FROM ") + table + " ORDER BY id");
    ASSERT_EQ(rows.size(), 5u) << table;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].Int(0), i < 2 ? yesterday_ids[i] : today_ids[i - 2]) << table;
      EXPECT_EQ(rows[i].Int(1), i < 2 ? today - 1 : today) << table;
    }
  }

  Retention retention(*db_, *gate_, *inventory_, now_);
  clock_ = start + 7 * 86400;  // yesterday's log key is past log.ip_full's 7 days
  ASSERT_OK_AND_ASSIGN(auto keys, retention.Run());
  EXPECT_EQ(keys.keys_destroyed, 1);
  auto rows = Query("SELECT id, ip_sealed FROM request_log ORDER BY id");
  ASSERT_EQ(rows.size(), 5u);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].IsNull(1), i < 2) << i;

  clock_ = start + 30 * 86400 - 60;  // yesterday's rows are past their 30 days
  ASSERT_OK_AND_ASSIGN(auto deleted, retention.Run());
  EXPECT_EQ(deleted.access_rows_deleted, 2);
  EXPECT_EQ(deleted.events_deleted, 2);
  for (const char* table : {"request_log", "events"}) {
    rows = Query(std::string("SELECT id FROM ") + table + " ORDER BY id");
    ASSERT_EQ(rows.size(), 3u) << table;
    for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].Int(0), today_ids[i]) << table;
  }
}

// Two writers of one store at once (serve beside import-log, or two nodes): each
// transaction numbers its rows after the other's, so every row of the day gets
// its own id and none is lost.
TEST_P(CollectionTest, TwoWritersAtOnceNumberEveryRowOnce) {  // C2.1
  constexpr std::size_t kBatches = 20, kRows = 5;
  const EventInput view{"pageview",      "https://cloud.example/a",
                        "cloud.example", std::nullopt,
                        std::nullopt,    std::nullopt};
  std::vector<Batch> batches(2 * kBatches);
  for (Batch& b : batches) {
    for (std::size_t i = 0; i < kRows; ++i) {
      const RequestFacts f = Facts();
      ASSERT_OK_AND_ASSIGN(AccessRow row, protector_->Access(f));
      b.access.push_back(std::move(row));
      ASSERT_OK(protector_->Events(f, std::span(&view, 1), "tracker", b));
    }
  }
  Pipeline other(*db_);
  auto write_half = [&](Pipeline& pipeline, std::size_t first) {
    for (std::size_t i = first; i < batches.size(); i += 2) {
      if (Status s = WriteOn(pipeline, std::move(batches[i])); !s.ok()) return s;
    }
    return Status::Ok();
  };
  auto mine = std::async(std::launch::async, write_half, std::ref(*pipeline_), 0);
  auto theirs = std::async(std::launch::async, write_half, std::ref(other), 1);
  ASSERT_OK(mine.get());
  ASSERT_OK(theirs.get());
  const std::int64_t base = DayRowIdBase(DayOf(clock_.load()));
  for (const char* table : {"request_log", "events"}) {
    auto rows = Query(std::string("SELECT id FROM ") + table + " ORDER BY id");
    ASSERT_EQ(rows.size(), 2 * kBatches * kRows) << table;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i].Int(0), base + 1 + static_cast<std::int64_t>(i)) << table;
    }
  }
}

TEST_P(CollectionTest, OldImportedLinesKeepNoFullIp) {  // C2.1
  RequestFacts old = Facts();
  old.at = clock_.load() - 10 * 86400;
  ASSERT_OK_AND_ASSIGN(AccessRow row, protector_->Access(old, "import"));
  EXPECT_FALSE(row.ip_sealed.has_value());
  EXPECT_EQ(row.ip_prefix, "203.0.113.0/24");
}

// import-log protects a chunk of lines with one Keys (each day's salt and log
// key looked up once): every row is the row its request would get alone, and a
// refused line appends nothing.
TEST_P(CollectionTest, RowsOfARunAreTheRowsEachRequestGetsAlone) {  // C2.1
  Protector::Keys keys;
  std::vector<AccessRow> run;
  std::vector<RequestFacts> requests;
  for (std::int64_t ago : {86400, 0, 86400, 0}) {  // yesterday and today, interleaved
    RequestFacts f = Facts(ago == 0 ? kFullIp : "198.51.100.9");
    f.at -= ago;
    f.account = "acct_42";
    requests.push_back(f);
    ASSERT_OK(protector_->Access(f, "import", keys, run));
  }
  RequestFacts future = Facts();
  future.at += 2 * 86400;
  EXPECT_EQ(protector_->Access(future, "import", keys, run).code(), Code::kInvalidArgument);
  ASSERT_EQ(run.size(), requests.size());
  for (std::size_t i = 0; i < run.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(AccessRow alone, protector_->Access(requests[i], "import"));
    EXPECT_EQ(run[i].day, alone.day);
    ASSERT_TRUE(run[i].visitor.has_value());
    EXPECT_EQ(run[i].visitor, alone.visitor) << i;
    const crypto::Binding where{"request_log", "ip_sealed", run[i].request_id};
    ASSERT_TRUE(run[i].ip_sealed.has_value());
    ASSERT_OK_AND_ASSIGN(std::string ip,
                         gate_->Open(LogKeySubject(run[i].day), "log.ip_full", *run[i].ip_sealed,
                                     where, privacy::Purpose::kSecurity, "auditor"));
    EXPECT_EQ(ip, requests[i].ip);
    ASSERT_TRUE(run[i].account_sealed.has_value());
    ASSERT_OK_AND_ASSIGN(
        std::string account,
        gate_->Open(LogKeySubject(run[i].day), "log.account_link", *run[i].account_sealed,
                    {"request_log", "account_sealed", run[i].request_id},
                    privacy::Purpose::kSecurity, "auditor"));
    EXPECT_EQ(account, "acct_42");
  }
  EXPECT_EQ(run[0].visitor, run[2].visitor);  // same visitor, same day
  EXPECT_NE(run[0].day, run[1].day);
}

INSTANTIATE_TEST_SUITE_P(Backends, CollectionTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::collect
