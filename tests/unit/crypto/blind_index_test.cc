#include "crypto/blind_index.h"

#include <gtest/gtest.h>

#include "../test_util.h"

namespace yz::crypto {
namespace {

class BlindIndexTest : public ::testing::Test {
 protected:
  std::string HexOf(BlindKind kind, std::string_view in) {
    auto r = indexer_.Hex(kind, in);
    EXPECT_TRUE(r.ok()) << in << ": " << r.status().ToString();
    return r.ok() ? *r : std::string();
  }
  SecretKey root_ = SecretKey::Random();
  BlindIndexer indexer_{root_};
};

TEST_F(BlindIndexTest, PhoneSpellingsOfOneCnMobileMeet) {  // C2.4
  const std::string want = HexOf(BlindKind::kPhone, "13800138000");
  EXPECT_EQ(want.size(), 64u);
  EXPECT_EQ(HexOf(BlindKind::kPhone, "+86 138-0013-8000"), want);
  EXPECT_EQ(HexOf(BlindKind::kPhone, "0086 13800138000"), want);
  EXPECT_EQ(HexOf(BlindKind::kPhone, "86 (138) 0013 8000"), want);
  EXPECT_NE(HexOf(BlindKind::kPhone, "13800138001"), want);
}

TEST_F(BlindIndexTest, PhoneNormalisationKeepsOtherNumbersWhole) {
  EXPECT_EQ(*Normalize(BlindKind::kPhone, "+1 (415) 555-0100"), "14155550100");
  // 86 followed by something that is not an 11-digit mobile is left alone.
  EXPECT_EQ(*Normalize(BlindKind::kPhone, "86 10 6552 9988"), "861065529988");
  EXPECT_EQ(Normalize(BlindKind::kPhone, "138abc").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Normalize(BlindKind::kPhone, " - ").status().code(), Code::kInvalidArgument);
}

TEST_F(BlindIndexTest, EmailIsTrimmedAndLowerCased) {  // C2.4
  EXPECT_EQ(HexOf(BlindKind::kEmail, "A@B.cn "), HexOf(BlindKind::kEmail, "a@b.cn"));
  EXPECT_EQ(*Normalize(BlindKind::kEmail, "\t Li.Lei@Example.COM\n"), "li.lei@example.com");
  EXPECT_EQ(Normalize(BlindKind::kEmail, "no-at-sign").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Normalize(BlindKind::kEmail, "a@b@c").status().code(), Code::kInvalidArgument);
}

TEST_F(BlindIndexTest, ImeiNeedsFourteenOrFifteenDigits) {  // C2.2
  // 49015420323751 has check digit 8.
  EXPECT_EQ(HexOf(BlindKind::kImei, "49-015420-323751-8"),
            HexOf(BlindKind::kImei, "49015420323751"));
  EXPECT_EQ(Normalize(BlindKind::kImei, "490154203237519").status().code(),
            Code::kInvalidArgument);  // bad check digit
  EXPECT_EQ(Normalize(BlindKind::kImei, "1234567890123").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Normalize(BlindKind::kImei, "4901542032375188").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Normalize(BlindKind::kImei, "49015420323751x").status().code(), Code::kInvalidArgument);
}

TEST_F(BlindIndexTest, MacSpellingsMeetAndBadOnesAreRefused) {  // C2.2
  const std::string want = HexOf(BlindKind::kMac, "a4:5e:60:c2:1f:0b");
  EXPECT_EQ(HexOf(BlindKind::kMac, "A4-5E-60-C2-1F-0B"), want);
  EXPECT_EQ(HexOf(BlindKind::kMac, "a45e.60c2.1f0b"), want);
  EXPECT_EQ(Normalize(BlindKind::kMac, "a4:5e:60:c2:1f").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Normalize(BlindKind::kMac, "g4:5e:60:c2:1f:0b").status().code(),
            Code::kInvalidArgument);
}

TEST_F(BlindIndexTest, EqualStringsOfDifferentKindsDoNotCollide) {
  // "13800138000" is not a valid IMEI; use a value valid for two kinds.
  const std::string digits = "12345678901234";
  EXPECT_NE(HexOf(BlindKind::kPhone, digits), HexOf(BlindKind::kImei, digits));
  EXPECT_NE(HexOf(BlindKind::kMac, "123456789012"), HexOf(BlindKind::kPhone, "123456789012"));
}

TEST_F(BlindIndexTest, AnotherRootKeyGivesUnrelatedIndexes) {
  BlindIndexer other{SecretKey::Random()};
  EXPECT_NE(*other.Hex(BlindKind::kEmail, "a@b.cn"), HexOf(BlindKind::kEmail, "a@b.cn"));
  BlindIndexer same{root_};
  EXPECT_EQ(*same.Hex(BlindKind::kEmail, "a@b.cn"), HexOf(BlindKind::kEmail, "a@b.cn"));
}

TEST_F(BlindIndexTest, RawAndHexAgree) {
  ASSERT_OK_AND_ASSIGN(auto raw, indexer_.Raw(BlindKind::kEmail, "a@b.cn"));
  std::string hex;
  for (auto b : raw) {
    static const char* d = "0123456789abcdef";
    hex.push_back(d[b >> 4]);
    hex.push_back(d[b & 15]);
  }
  EXPECT_EQ(hex, HexOf(BlindKind::kEmail, "a@b.cn"));
}

}  // namespace
}  // namespace yz::crypto
