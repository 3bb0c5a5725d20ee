// A visitor's cookie choices (C2.3): the signals that refuse purposes, when the
// anonymous id may exist, and what a choice writes to the consent ledger.
#include "privacy/visitor_consent.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "../store_fixture.h"

namespace yz::privacy {
namespace {

constexpr VisitorChoices kAll{true, true, true};

// C2.3: Sec-GPC: 1 refuses personalization and promotion/partners, and says so.
TEST(VisitorChoicesTest, GpcRefusesPersonalizationAndPromotion) {
  EffectiveChoices e = ApplySignals(kAll, PrivacySignals{.gpc = true});
  EXPECT_TRUE(e.choices.statistics);
  EXPECT_FALSE(e.choices.personalization);
  EXPECT_FALSE(e.choices.promotion);
  EXPECT_EQ(e.refused, (std::vector<std::string>{"personalization", "promotion"}));
}

// C2.3: DNT: 1 counts as the same refusal.
TEST(VisitorChoicesTest, DntRefusesPersonalizationAndPromotion) {
  EffectiveChoices e =
      ApplySignals(VisitorChoices{false, true, false}, PrivacySignals{.dnt = true});
  EXPECT_EQ(e.choices, VisitorChoices{});
  EXPECT_EQ(e.refused, std::vector<std::string>{"personalization"});
}

// C2.3: the body of POST /api/v1/consent: absent and null mean "not chosen", and
// the source defaults to the settings page.
TEST(ChoiceBodyTest, ReadsChoicesAndSource) {
  auto all = ParseChoiceBody(
      R"({"statistics":true,"personalization":true,"promotion":true,"source":"banner"})");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->choices, kAll);
  EXPECT_EQ(all->source, ConsentSource::kBanner);
  auto none = ParseChoiceBody(R"({"statistics":null})");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->choices, VisitorChoices{});
  EXPECT_EQ(none->source, ConsentSource::kSettings);
}

// Bad input is refused with a message naming the field (a 400 for the client).
TEST(ChoiceBodyTest, RefusesWhatIsNotAChoice) {
  for (const char* body : {"", "[]", "{", R"({"statistics":"yes"})", R"({"promotion":1})",
                           R"({"source":"guardian"})", R"({"source":true})"}) {
    auto parsed = ParseChoiceBody(body);
    EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument) << body;
  }
  EXPECT_NE(ParseChoiceBody(R"({"source":"x"})").status().message().find("source"),
            std::string::npos);
}

// C2.3: without a signal the visitor's choice stands as made.
TEST(VisitorChoicesTest, NoSignalKeepsTheChoice) {
  EffectiveChoices e = ApplySignals(kAll, PrivacySignals{});
  EXPECT_EQ(e.choices, kAll);
  EXPECT_TRUE(e.refused.empty());
  EXPECT_EQ(CapBySignals(kAll, PrivacySignals{.gpc = true}), (VisitorChoices{true, false, false}));
}

// C2.3: only the value "1" is a signal.
TEST(VisitorChoicesTest, OnlyOneIsASignal) {
  EXPECT_TRUE(SignalOn("1"));
  EXPECT_TRUE(SignalOn(" 1 "));
  EXPECT_FALSE(SignalOn(""));
  EXPECT_FALSE(SignalOn("0"));
  EXPECT_FALSE(SignalOn("yes"));
}

// C2.3: the anonymous id exists only with statistics or personalization.
TEST(VisitorChoicesTest, AnonymousIdOnlyWithStatisticsOrPersonalization) {
  EXPECT_TRUE(AllowsAnonymousId(VisitorChoices{true, false, false}));
  EXPECT_TRUE(AllowsAnonymousId(VisitorChoices{false, true, false}));
  EXPECT_FALSE(AllowsAnonymousId(VisitorChoices{false, false, true}));
  EXPECT_FALSE(AllowsAnonymousId(VisitorChoices{}));
}

// C2.3: promotion means promotion and partners.
TEST(VisitorChoicesTest, PromotionCoversPartners) {
  auto p = PurposesOf(VisitorChoices{false, false, true});
  EXPECT_EQ(p, (std::vector<Purpose>{Purpose::kPromotion, Purpose::kPartner}));
  EXPECT_TRUE(PurposesOf(VisitorChoices{}).empty());
}

// C2.3: the anonymous id is 128 random bits; the ledger sees only its digest.
TEST(VisitorChoicesTest, AnonymousIdIsRandom128BitsAndItsSubjectHidesIt) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = NewAnonymousId();
    EXPECT_TRUE(WellFormedAnonymousId(id)) << id;
    seen.insert(id);
    std::string subject = AnonymousSubject(id);
    EXPECT_EQ(subject.rfind("anon_", 0), 0u);
    EXPECT_EQ(subject.find(id), std::string::npos);
    EXPECT_EQ(subject, AnonymousSubject(id));
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_FALSE(WellFormedAnonymousId("ABCDEF0123456789abcdef0123456789"));
  EXPECT_FALSE(WellFormedAnonymousId("abc"));
  EXPECT_FALSE(WellFormedAnonymousId("abcdef0123456789abcdef012345678g"));
}

// C2.3: the remembered choice round-trips; anything else is no choice.
TEST(VisitorChoicesTest, RememberedChoiceRoundTrips) {
  for (int bits = 0; bits < 8; ++bits) {
    VisitorChoices c{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0};
    EXPECT_EQ(DecodeChoices(EncodeChoices(c)), c);
  }
  EXPECT_EQ(EncodeChoices(VisitorChoices{true, false, true}), "s1.p0.m1");
  EXPECT_FALSE(DecodeChoices("s1.p0.m2"));
  EXPECT_FALSE(DecodeChoices(""));
  EXPECT_FALSE(DecodeChoices("s1.p0.m1x"));
}

using VisitorConsentTest = testing::StoreTest;

// C2.3, C0.1: a choice gives and withdraws purposes in the ledger, under the
// published policy version and with its source.
TEST_P(VisitorConsentTest, RecordsGivenAndWithdrawnPurposesWithVersionAndSource) {
  ConsentLedger ledger(*db_, now_);
  VisitorConsent consent(ledger, "3");
  const std::string subject = AnonymousSubject(NewAnonymousId());
  ASSERT_TRUE(consent.Record(subject, kAll, ConsentSource::kBanner).ok());
  auto cur = consent.Current(subject);
  ASSERT_TRUE(cur.ok()) << cur.status().message();
  EXPECT_EQ(*cur, kAll);

  auto history = ledger.History(subject);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);  // statistics, personalization, promotion, partner
  for (const auto& rec : *history) {
    EXPECT_EQ(rec.policy_version, "3");
    EXPECT_EQ(rec.source, "banner");
    EXPECT_FALSE(rec.withdrawn_at);
  }

  clock_ += 60;
  ASSERT_TRUE(
      consent.Record(subject, VisitorChoices{true, false, false}, ConsentSource::kSettings).ok());
  cur = consent.Current(subject);
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(*cur, (VisitorChoices{true, false, false}));
  history = ledger.History(subject);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);  // nothing new given; three withdrawn
  int withdrawn = 0;
  for (const auto& rec : *history) withdrawn += rec.withdrawn_at ? 1 : 0;
  EXPECT_EQ(withdrawn, 3);

  // Necessary only: everything withdrawn; doing it twice is not an error.
  ASSERT_TRUE(consent.Record(subject, VisitorChoices{}, ConsentSource::kSettings).ok());
  ASSERT_TRUE(consent.Record(subject, VisitorChoices{}, ConsentSource::kSettings).ok());
  cur = consent.Current(subject);
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(*cur, VisitorChoices{});
}

// C0.1, C6.1: choosing again after a revision records the acceptance of the new
// version; the record it supersedes ends then, and the history keeps both.
TEST_P(VisitorConsentTest, ChoosingAgainUnderANewVersionRecordsIt) {
  ConsentLedger ledger(*db_, now_);
  const std::string subject = AnonymousSubject(NewAnonymousId());
  const VisitorChoices chosen{true, false, false};
  ASSERT_TRUE(VisitorConsent(ledger, "1").Record(subject, chosen, ConsentSource::kBanner).ok());
  const std::int64_t revised_at = clock_ += 60;
  VisitorConsent v2(ledger, "2");
  ASSERT_TRUE(v2.Record(subject, chosen, ConsentSource::kBanner).ok());
  // The same choice under the same version again changes nothing.
  clock_ += 60;
  ASSERT_TRUE(v2.Record(subject, chosen, ConsentSource::kSettings).ok());

  auto history = ledger.History(subject);
  ASSERT_TRUE(history.ok()) << history.status().message();
  ASSERT_EQ(history->size(), 2u);
  const ConsentRecord& old = (*history)[0];
  const ConsentRecord& now = (*history)[1];
  EXPECT_EQ(old.purpose, Purpose::kStatistics);
  EXPECT_EQ(old.policy_version, "1");
  EXPECT_EQ(old.withdrawn_at, revised_at);
  EXPECT_EQ(now.purpose, Purpose::kStatistics);
  EXPECT_EQ(now.policy_version, "2");
  EXPECT_EQ(now.source, "banner");
  EXPECT_EQ(now.given_at, revised_at);
  EXPECT_FALSE(now.withdrawn_at);
  auto has = ledger.Has(subject, Purpose::kStatistics);
  ASSERT_TRUE(has.ok());
  EXPECT_TRUE(*has);
  auto cur = v2.Current(subject);
  ASSERT_TRUE(cur.ok());
  EXPECT_EQ(*cur, chosen);

  // Withdrawing ends the version 2 record; giving it again starts a third.
  ASSERT_TRUE(v2.Record(subject, VisitorChoices{}, ConsentSource::kSettings).ok());
  has = ledger.Has(subject, Purpose::kStatistics);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  ASSERT_TRUE(v2.Record(subject, chosen, ConsentSource::kSettings).ok());
  history = ledger.History(subject);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[2].policy_version, "2");
  EXPECT_FALSE((*history)[2].withdrawn_at);
}

INSTANTIATE_TEST_SUITE_P(Backends, VisitorConsentTest, testing::kBothBackends,
                         testing::BackendName);

}  // namespace
}  // namespace yz::privacy
