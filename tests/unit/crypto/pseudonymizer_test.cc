#include "crypto/pseudonymizer.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <vector>

#include "../test_util.h"

namespace yz::crypto {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::system_clock;

// 2024-03-01T00:00:00Z is day 19783.
constexpr DayNumber kDay = 19783;

class PseudonymizerTest : public ::testing::Test {
 protected:
  system_clock::time_point now_ = system_clock::time_point(days(kDay)) + hours(9);
  Pseudonymizer p_{[this] { return now_; }};
};

TEST(UtcDayTest, CountsWholeDaysSinceTheEpoch) {
  EXPECT_EQ(UtcDay(system_clock::time_point(days(kDay)) + hours(23)), kDay);
  EXPECT_EQ(UtcDay(system_clock::time_point{}), 0);
}

TEST_F(PseudonymizerTest, SameInputOnTheSameDayGivesTheSameId) {  // C2.1
  ASSERT_OK_AND_ASSIGN(std::string a, p_.Id("203.0.113.7|Mozilla/5.0|example.cn"));
  now_ += hours(14);  // still the same UTC day
  ASSERT_OK_AND_ASSIGN(std::string b, p_.Id("203.0.113.7|Mozilla/5.0|example.cn"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 32u);
  ASSERT_OK_AND_ASSIGN(std::string other, p_.Id("203.0.113.8|Mozilla/5.0|example.cn"));
  EXPECT_NE(a, other);
}

// The id is keyed BLAKE2b-128 of the input under the day's salt, byte for byte
// (ids stored before the keyed state was precomputed stay comparable).
TEST(PseudonymizerKeyTest, IdIsKeyedBlake2bUnderTheDaysSalt) {  // C2.1
  std::vector<std::uint8_t> salt_bytes(SecretKey::kSize);
  for (std::size_t i = 0; i < salt_bytes.size(); ++i) salt_bytes[i] = static_cast<std::uint8_t>(i);
  Pseudonymizer p{[] { return system_clock::time_point(days(kDay)); }, 2,
                  [&](DayNumber) { return SecretKey::FromBytes(salt_bytes); }};
  for (std::string input : {std::string(), std::string("visitor"), std::string(300, 'x')}) {
    unsigned char expected[Pseudonymizer::kIdBytes];
    crypto_generichash(expected, sizeof expected,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                       salt_bytes.data(), salt_bytes.size());
    char hex[2 * sizeof expected + 1];
    sodium_bin2hex(hex, sizeof hex, expected, sizeof expected);
    ASSERT_OK_AND_ASSIGN(std::string id, p.Id(kDay, input));
    EXPECT_EQ(id, hex) << input.size();
    ASSERT_OK_AND_ASSIGN(std::string again, p.Id(kDay, input));  // the state is not consumed
    EXPECT_EQ(again, hex);
  }
}

TEST_F(PseudonymizerTest, SameInputOnTheNextDayGivesAnotherId) {  // C2.1
  ASSERT_OK_AND_ASSIGN(std::string today, p_.Id("visitor"));
  now_ += days(1);
  ASSERT_OK_AND_ASSIGN(std::string tomorrow, p_.Id("visitor"));
  EXPECT_NE(today, tomorrow);
}

TEST_F(PseudonymizerTest, AnotherInstanceGivesUnrelatedIds) {
  Pseudonymizer other{[this] { return now_; }};
  EXPECT_NE(*p_.Id("visitor"), *other.Id("visitor"));
}

TEST_F(PseudonymizerTest, RecentDaysStayComputableUntilRotatedAway) {  // C2.1
  ASSERT_OK_AND_ASSIGN(std::string day0, p_.Id(kDay, "visitor"));
  p_.Rotate(kDay + 2);  // day0 is now 2 days old: kept
  ASSERT_OK_AND_ASSIGN(std::string again, p_.Id(kDay, "visitor"));
  EXPECT_EQ(day0, again);
}

TEST_F(PseudonymizerTest, DayOlderThanTwoDaysIsRefusedAfterRotate) {  // C2.1, PIPL Art. 47
  ASSERT_OK(p_.Id(kDay, "visitor").status());
  ASSERT_OK(p_.Id(kDay + 1, "visitor").status());
  p_.Rotate(kDay + 3);
  auto r = p_.Id(kDay, "visitor");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(p_.SaltDays(), (std::vector<DayNumber>{kDay + 1}));
  // Even a day that never had a salt cannot get one once it is out of the window.
  EXPECT_EQ(p_.Id(kDay - 10, "visitor").status().code(), Code::kFailedPrecondition);
}

// A Day handle (held for one run of ids) gives the ids Id(day, ...) gives, and
// is refused for the days Id refuses.
TEST_F(PseudonymizerTest, DayHandleGivesTheDaysIds) {  // C2.1
  ASSERT_OK_AND_ASSIGN(Pseudonymizer::Day today, p_.ForDay(kDay));
  ASSERT_OK_AND_ASSIGN(std::string id, p_.Id(kDay, "visitor"));
  EXPECT_EQ(today.Id("visitor"), id);
  EXPECT_NE(today.Id("another visitor"), id);
  ASSERT_OK_AND_ASSIGN(Pseudonymizer::Day tomorrow, p_.ForDay(kDay + 1));
  EXPECT_NE(tomorrow.Id("visitor"), id);
  EXPECT_EQ(p_.ForDay(kDay + 2).status().code(), Code::kFailedPrecondition);  // the future
  p_.Rotate(kDay + 3);
  EXPECT_EQ(p_.ForDay(kDay).status().code(), Code::kFailedPrecondition);  // destroyed
}

TEST_F(PseudonymizerTest, ClockDrivenIdsDestroyOldSaltsWithoutAnExplicitRotate) {
  ASSERT_OK(p_.Id("visitor").status());
  now_ += days(3);
  ASSERT_OK(p_.Id("visitor").status());
  EXPECT_EQ(p_.SaltDays(), (std::vector<DayNumber>{kDay + 3}));
  EXPECT_EQ(p_.Id(kDay, "visitor").status().code(), Code::kFailedPrecondition);
}

TEST_F(PseudonymizerTest, RotateNeverMovesBackwards) {
  p_.Rotate(kDay + 5);
  p_.Rotate(kDay);
  EXPECT_EQ(p_.Id(kDay, "visitor").status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace yz::crypto
