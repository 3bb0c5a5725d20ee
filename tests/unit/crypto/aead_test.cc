#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <string>

#include "../test_util.h"

namespace yz::crypto {
namespace {

class AeadTest : public ::testing::Test {
 protected:
  SecretKey key_ = SecretKey::Random();
  const Binding here_{"accounts", "phone", "acct-42"};
};

TEST_F(AeadTest, SealedValueOpensWhereItWasSealed) {  // C2.4
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "13800138000", here_));
  EXPECT_EQ(sealed.size(), kAeadOverhead + 11);
  EXPECT_EQ(sealed[0], kAeadVersion);
  ASSERT_OK_AND_ASSIGN(std::string plain, OpenString(key_, sealed, here_));
  EXPECT_EQ(plain, "13800138000");
}

TEST_F(AeadTest, SealingTwiceGivesDifferentCiphertexts) {
  ASSERT_OK_AND_ASSIGN(auto a, Seal(key_, "same", here_));
  ASSERT_OK_AND_ASSIGN(auto b, Seal(key_, "same", here_));
  EXPECT_NE(a, b);  // fresh random nonce each time
}

TEST_F(AeadTest, EmptyPlaintextRoundTrips) {
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "", here_));
  ASSERT_OK_AND_ASSIGN(std::string plain, OpenString(key_, sealed, here_));
  EXPECT_EQ(plain, "");
}

TEST_F(AeadTest, CiphertextMovedToAnotherRowFailsToOpen) {  // C2.4
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "13800138000", here_));
  auto r = Open(key_, sealed, Binding{"accounts", "phone", "acct-43"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

TEST_F(AeadTest, CiphertextMovedToAnotherColumnFailsToOpen) {  // C2.4
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "13800138000", here_));
  auto r = Open(key_, sealed, Binding{"accounts", "email", "acct-42"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

TEST_F(AeadTest, CiphertextMovedToAnotherTableFailsToOpen) {  // C2.4
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "13800138000", here_));
  auto r = Open(key_, sealed, Binding{"devices", "phone", "acct-42"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

TEST_F(AeadTest, BindingFieldsCannotBeShiftedAcrossBoundaries) {
  // "ab"+"c" and "a"+"bc" must not serialise alike.
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "x", Binding{"ab", "c", "1"}));
  EXPECT_FALSE(Open(key_, sealed, Binding{"a", "bc", "1"}).ok());
  EXPECT_FALSE(Open(key_, sealed, Binding{"ab", "", "c1"}).ok());
}

TEST_F(AeadTest, AnyTamperedByteFailsToOpen) {  // C2.4
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "13800138000", here_));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto bad = sealed;
    bad[i] ^= 0x01;
    auto r = Open(key_, bad, here_);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.status().code(), Code::kPermissionDenied) << "byte " << i;
  }
}

TEST_F(AeadTest, TruncatedValueFailsToOpen) {
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "13800138000", here_));
  sealed.resize(kAeadOverhead - 1);
  auto r = Open(key_, sealed, here_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

TEST_F(AeadTest, AnotherKeyCannotOpen) {  // PIPL Art. 47: a shredded key is like a wrong one
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key_, "13800138000", here_));
  auto r = Open(SecretKey::Random(), sealed, here_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

TEST(SecretKeyTest, CloneIsEqualAndRandomKeysDiffer) {
  SecretKey a = SecretKey::Random();
  SecretKey b = a.Clone();
  EXPECT_TRUE(a.Equals(b));
  EXPECT_FALSE(a.Equals(SecretKey::Random()));
  SecretKey c = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_TRUE(c.Equals(b));
}

TEST(SecretKeyTest, FromBytesRefusesWrongSize) {
  std::uint8_t bytes[31] = {};
  auto r = SecretKey::FromBytes(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace yz::crypto
