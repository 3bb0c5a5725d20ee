// The password policy: length in code points, UTF-8, the embedded common list,
// personal values; and messages that never repeat the password.
#include "accounts/password_policy.h"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "crypto/password.h"

namespace yz::accounts {
namespace {

void ExpectRefused(std::string_view password, std::string_view why,
                   std::span<const std::string> personal = {}) {
  Status s = CheckNewPassword(password, personal);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << "accepted: " << password;
  EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  // The message names the field and the rule, never the password ("password" itself
  // is the field's name).
  if (!password.empty() && password != "password") {
    EXPECT_EQ(s.message().find(password), std::string::npos) << s.message();
  }
}

TEST(PasswordPolicyTest, RefusesCommonPasswordsWhateverTheCase) {  // C4.1
  for (const char* p : {"password", "12345678", "qwertyui", "PASSWORD", "Password1", "iloveyou",
                        "QwErTyUiOp", "88888888", "michael1"}) {
    ExpectRefused(p, "common");
  }
}

TEST(PasswordPolicyTest, TheListIsEmbeddedInTheBinary) {  // C4.1
  // 10,000 from zxcvbn's list plus John the Ripper's, less duplicates.
  EXPECT_GT(CommonPasswordCount(), 11000u);
  EXPECT_LT(CommonPasswordCount(), 12000u);
}

TEST(PasswordPolicyTest, AcceptsAStrongPassword) {  // C4.1
  EXPECT_TRUE(CheckNewPassword("Tz9!vK2#qLm4").ok());
  EXPECT_TRUE(CheckNewPassword("correct horse battery staple yongzhou").ok());
}

TEST(PasswordPolicyTest, CountsCharactersNotBytes) {         // C4.1: 8 Chinese characters pass
  EXPECT_TRUE(CheckNewPassword("永州工业云平台好").ok());    // 8 characters, 24 bytes
  ExpectRefused("永州工业云平台", "at least 8 characters");  // 7 characters, 21 bytes
  ExpectRefused("Ab3$efg", "at least 8 characters");
  ExpectRefused("", "at least 8 characters");
  EXPECT_TRUE(CheckNewPassword("🔑🔑🔑🔑🔑🔑🔑🔑").ok());  // 4-byte characters
}

TEST(PasswordPolicyTest, RefusesInvalidUtf8) {  // C4.1
  ExpectRefused(std::string("abcdefgh\xff"), "UTF-8");
  ExpectRefused(std::string("\xc0\xafxxxxxxxx"), "UTF-8");          // overlong '/'
  ExpectRefused(std::string("\xed\xa0\x80xxxxxxxx"), "UTF-8");      // a UTF-16 surrogate
  ExpectRefused(std::string("xxxxxxxx\xe6\xb0"), "UTF-8");          // truncated
  ExpectRefused(std::string("xxxxxxxx\xf4\x90\x80\x80"), "UTF-8");  // past U+10FFFF
  ExpectRefused(std::string("\x80xxxxxxxx"), "UTF-8");              // stray continuation
}

TEST(PasswordPolicyTest, RefusesOverLongPasswords) {  // C4.1
  EXPECT_TRUE(CheckNewPassword(std::string(crypto::kPasswordMaxBytes, 'x')).ok());
  Status s = CheckNewPassword(std::string(crypto::kPasswordMaxBytes + 1, 'y'));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("at most"), std::string::npos);
  EXPECT_TRUE(CheckNewPassword(std::string(crypto::kPasswordMaxBytes - 4, 'z') + "Q9!x").ok());
}

TEST(PasswordPolicyTest, RefusesTheLoginOrNameWhateverTheCase) {  // C1.3, C4.1
  const std::vector<std::string> personal = {"", "Wang.Xiaoming@example.cn", "王小明的账号密码"};
  ExpectRefused("wang.xiaoming@example.cn", "login or your name", personal);
  ExpectRefused("王小明的账号密码", "login or your name", personal);
  EXPECT_TRUE(CheckNewPassword("Tz9!vK2#qLm4", personal).ok());
}

}  // namespace
}  // namespace yz::accounts
