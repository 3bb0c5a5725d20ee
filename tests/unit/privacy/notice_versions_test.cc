// Published notice versions and the diff between two, on both backends: SQLite temp
// files and the PostgreSQL named by YZCLOUD_TEST_PG (scripts/with-postgres).
#include "privacy/notice_versions.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <thread>

#include "../store_fixture.h"
#include "privacy/inventory.h"
#include "privacy/inventory_diff.h"

namespace yz::privacy {
namespace {

using store::Backend;

std::string ShippedInventory() { return yz::testing::ShippedInventoryText(); }

// `text` with the first occurrence of `from` replaced by `to` (which must be there).
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

constexpr const char* kStatement = "<h1>{{t.notice_heading}}</h1>\n";

class NoticeVersionsTest : public yz::testing::StoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreTest::SetUp());
    versions_ = std::make_unique<NoticeVersions>(*db_, now_);
  }
  void TearDown() override {
    versions_.reset();
    StoreTest::TearDown();
  }

  Result<std::int64_t> Exec(const std::string& sql) {
    auto conn = db_->Acquire();
    if (!conn.ok()) return conn.status();
    return (*conn)->Exec(sql);
  }

  std::unique_ptr<NoticeVersions> versions_;
  std::string inventory_ = ShippedInventory();
};

// C6.1: each revision is published as the next number, dated and hashed.
TEST_P(NoticeVersionsTest, NumbersDatesAndHashesEachRevision) {
  auto none = versions_->Latest();
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());

  auto v1 = versions_->Publish(inventory_, "inventory.toml", kStatement);
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->number, 1);
  EXPECT_EQ(v1->published_at, clock_);
  EXPECT_EQ(v1->sha256, NoticeHash(inventory_, kStatement));
  EXPECT_EQ(v1->sha256.size(), 64u);

  clock_ += 86400;
  std::string revised = Replace(inventory_, "retention = \"7d\"", "retention = \"14d\"");
  auto v2 = versions_->Publish(revised, "revised.toml", kStatement);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->number, 2);
  EXPECT_EQ(v2->published_at, clock_);
  EXPECT_NE(v2->sha256, v1->sha256);

  // Texts come back byte for byte, so an old version renders as it was published.
  auto got = versions_->Get(1);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->inventory, inventory_);
  EXPECT_EQ(got->statement, kStatement);
  EXPECT_EQ(got->source, "inventory.toml");
  auto latest = versions_->Latest();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->number, 2);
  auto all = versions_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].number, 1);
  EXPECT_EQ((*all)[1].number, 2);
  EXPECT_EQ(versions_->Get(3).status().code(), Code::kNotFound);
}

// C6.1: a changed statement alone is a revision too; the hash covers both texts.
TEST_P(NoticeVersionsTest, HashCoversTheStatementAndWhereTheTextsSplit) {
  EXPECT_NE(NoticeHash(inventory_, "a"), NoticeHash(inventory_, "b"));
  EXPECT_NE(NoticeHash("ab", "c"), NoticeHash("a", "bc"));
  ASSERT_TRUE(versions_->Publish(inventory_, "inventory.toml", kStatement).ok());
  auto v2 = versions_->Publish(inventory_, "inventory.toml", "<p>reworded</p>");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(v2->number, 2);
}

// C6.1: publishing what is already in force is refused, with the version it matches.
TEST_P(NoticeVersionsTest, RefusesAnUnchangedNotice) {
  ASSERT_TRUE(versions_->Publish(inventory_, "inventory.toml", kStatement).ok());
  auto again = versions_->Publish(inventory_, "elsewhere.toml", kStatement);
  EXPECT_EQ(again.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("nothing changed since version 1"), std::string::npos)
      << again.status().message();
  EXPECT_EQ(versions_->List()->size(), 1u);
}

// C2.4: a notice that disagrees with the gate's rules is never published; the
// validator's file:line:key message comes back.
TEST_P(NoticeVersionsTest, RefusesAnInvalidInventoryWithTheValidatorsMessage) {
  std::string bad = Replace(inventory_, "retention = \"7d\"", "retention = \"soon\"");
  auto v = versions_->Publish(bad, "bad.toml", kStatement);
  EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
  EXPECT_NE(v.status().message().find("bad.toml:"), std::string::npos) << v.status().message();
  EXPECT_NE(v.status().message().find("retention"), std::string::npos) << v.status().message();
  EXPECT_TRUE(versions_->List()->empty());
}

// C6.1: a published version can never be altered or withdrawn, even by raw SQL.
TEST_P(NoticeVersionsTest, PublishedVersionsAreImmutableInTheDatabase) {
  ASSERT_TRUE(versions_->Publish(inventory_, "inventory.toml", kStatement).ok());
  auto update = Exec("UPDATE notice_versions SET statement = 'edited' WHERE number = 1");
  EXPECT_FALSE(update.ok());
  EXPECT_NE(update.status().message().find("append-only"), std::string::npos)
      << update.status().message();
  auto del = Exec("DELETE FROM notice_versions");
  EXPECT_FALSE(del.ok());
  if (GetParam() == Backend::kPostgres) {
    auto conn = db_->Acquire();
    EXPECT_FALSE((*conn)->ExecScript("TRUNCATE notice_versions").ok());
  }
  // A fresh reader (no cache) sees the row exactly as published.
  NoticeVersions fresh(*db_, now_);
  auto v = fresh.Get(1);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->statement, kStatement);
  EXPECT_EQ(v->sha256, NoticeHash(inventory_, kStatement));
}

// C6.1: first start publishes version 1; later starts never publish by themselves.
TEST_P(NoticeVersionsTest, EnsurePublishedPublishesOnlyOnFirstRun) {
  auto first = versions_->EnsurePublished(inventory_, kStatement);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->number, 1);
  std::string revised = Replace(inventory_, "retention = \"7d\"", "retention = \"14d\"");
  auto second = versions_->EnsurePublished(revised, kStatement);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->number, 1);
  EXPECT_EQ(second->sha256, first->sha256);
  EXPECT_EQ(versions_->List()->size(), 1u);
}

// C6.1: concurrent publishers (two operators, two nodes) never share a number.
TEST_P(NoticeVersionsTest, ConcurrentPublishersGetDistinctNumbers) {
  ASSERT_TRUE(versions_->Publish(inventory_, "inventory.toml", kStatement).ok());
  constexpr int kWriters = 4;
  std::vector<std::thread> threads;
  std::vector<Result<NoticeVersion>> results(kWriters, Internal("not run"));
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      results[i] = versions_->Publish(inventory_, "inventory.toml",
                                      "<p>statement " + std::to_string(i) + "</p>");
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::int64_t> numbers;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    numbers.insert(r->number);
  }
  EXPECT_EQ(numbers, (std::set<std::int64_t>{2, 3, 4, 5}));
}

// C6.1: the diff names each changed field and attribute, old -> new.
// A pure function of two inventories, so it needs no database.
TEST(InventoryDiffTest, NamesChangedFieldsAndAttributes) {
  const std::string inventory = ShippedInventory();
  auto before = Inventory::Parse(inventory, "before.toml");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  std::string text = Replace(inventory, "retention = \"7d\"", "retention = \"14d\"");
  text = Replace(text, "purposes = [\"security\", \"legal\"]", "purposes = [\"security\"]");
  // Remove registration.login_email; add a new log field.
  auto start = text.find("[[field]]\nid = \"registration.login_email\"");
  ASSERT_NE(start, std::string::npos);
  text.erase(start, text.find("[[field]]", start + 1) - start);
  text +=
      "\n[[field]]\nid = \"log.scroll_depth\"\nrequirement = \"C2.1\"\n"
      "category = \"log\"\ndescription_zh = \"页面滚动深度\"\n"
      "description_en = \"How far down a page was scrolled\"\npurposes = [\"statistics\"]\n"
      "protection = \"truncate\"\nretention = \"30d\"\nsensitive = false\n"
      "consent_purposes = []\nrecipients = []\n";
  auto after = Inventory::Parse(text, "after.toml");
  ASSERT_TRUE(after.ok()) << after.status().ToString();

  InventoryDiff d = DiffNotices(*before, kStatement, *after, kStatement);
  EXPECT_EQ(d.fields_added, std::vector<std::string>{"log.scroll_depth"});
  EXPECT_EQ(d.fields_removed, std::vector<std::string>{"registration.login_email"});
  ASSERT_EQ(d.fields_changed.size(), 1u);
  const EntryChange& c = d.fields_changed[0];
  EXPECT_EQ(c.id, "log.ip_full");
  ASSERT_EQ(c.changes.size(), 2u);
  EXPECT_EQ(c.changes[0].attribute, "purposes");
  EXPECT_EQ(c.changes[0].before, "security, legal");
  EXPECT_EQ(c.changes[0].after, "security");
  EXPECT_EQ(c.changes[1].attribute, "retention");
  EXPECT_EQ(c.changes[1].before, "7d");
  EXPECT_EQ(c.changes[1].after, "14d");
  EXPECT_TRUE(d.recipients_added.empty());
  EXPECT_TRUE(d.recipients_changed.empty());
  EXPECT_FALSE(d.statement_changed);
  EXPECT_FALSE(d.empty());

  EXPECT_TRUE(DiffNotices(*before, kStatement, *before, kStatement).empty());
  InventoryDiff reworded = DiffNotices(*before, kStatement, *before, "<p>new</p>");
  EXPECT_TRUE(reworded.statement_changed);
  EXPECT_FALSE(reworded.empty());
}

// The diff speaks the inventory's retention syntax, which ParseRetention reads back.
TEST(RetentionNameTest, RoundTripsThroughParseRetention) {
  for (const char* text : {"7d", "36h", "90m", "30s", "account+30d", "account"}) {
    auto r = ParseRetention(text);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(RetentionName(*r), text);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, NoticeVersionsTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::privacy
