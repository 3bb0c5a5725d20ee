#include "crypto/password.h"

#include <gtest/gtest.h>

#include <regex>

#include "../test_util.h"

namespace yz::crypto {
namespace {

class PasswordTest : public ::testing::Test {};

TEST_F(PasswordTest, HashVerifiesTheRightPasswordOnly) {  // C4.1
  ASSERT_OK_AND_ASSIGN(std::string encoded, HashPassword("correct horse 电池 staple"));
  EXPECT_TRUE(VerifyPassword(encoded, "correct horse 电池 staple"));
  EXPECT_FALSE(VerifyPassword(encoded, "correct horse 电池 stapler"));
  EXPECT_FALSE(VerifyPassword(encoded, ""));
}

TEST_F(PasswordTest, EncodedHashIsArgon2idWithAtLeastOwaspCosts) {  // C4.1
  ASSERT_OK_AND_ASSIGN(std::string encoded, HashPassword("hunter2hunter2"));
  EXPECT_TRUE(encoded.starts_with("$argon2id$")) << encoded;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(encoded, m, std::regex(R"(\$m=(\d+),t=(\d+),p=(\d+)\$)")))
      << encoded;
  EXPECT_GE(std::stoi(m[1]), 19456);
  EXPECT_GE(std::stoi(m[2]), 2);
}

TEST_F(PasswordTest, SamePasswordHashesDifferentlyEachTime) {
  ASSERT_OK_AND_ASSIGN(std::string a, HashPassword("pw-pw-pw"));
  ASSERT_OK_AND_ASSIGN(std::string b, HashPassword("pw-pw-pw"));
  EXPECT_NE(a, b);  // fresh salt
}

TEST_F(PasswordTest, MalformedEncodedStringNeverVerifies) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("$2b$10$abcdefghijklmnopqrstuv", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=19456,t=2,p=1$garbage", "x"));
}

TEST_F(PasswordTest, EmptyAndOverlongPasswordsAreRefused) {
  EXPECT_EQ(HashPassword("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(HashPassword(std::string(kPasswordMaxBytes + 1, 'a')).status().code(),
            Code::kInvalidArgument);
}

TEST_F(PasswordTest, NeedsRehashOnlyForOtherParameters) {  // C4.1
  ASSERT_OK_AND_ASSIGN(std::string encoded, HashPassword("pw-pw-pw"));
  EXPECT_FALSE(PasswordNeedsRehash(encoded));
  // The same password hashed with weaker parameters (t=1, m=8 MiB) by an older build.
  std::string weak = encoded;
  weak.replace(weak.find("m=19456,t=2"), 11, "m=8192,t=1");
  EXPECT_TRUE(PasswordNeedsRehash(weak));
  EXPECT_TRUE(PasswordNeedsRehash("not a hash"));
}

}  // namespace
}  // namespace yz::crypto
