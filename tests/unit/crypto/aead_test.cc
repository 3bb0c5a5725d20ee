#include "crypto/aead.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

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

// The associated data as aead.h specifies it, built here independently.
std::vector<std::uint8_t> SpecAd(const Binding& b) {
  std::vector<std::uint8_t> ad{kAeadVersion};
  for (std::string_view part : {b.table, b.column, b.row}) {
    for (int i = 0; i < 8; ++i) ad.push_back(static_cast<std::uint8_t>(part.size() >> (8 * i)));
    ad.insert(ad.end(), part.begin(), part.end());
  }
  return ad;
}

// A Sealer derives XChaCha20's subkey once per nonce prefix; every value it
// seals is byte for byte what libsodium's XChaCha20-Poly1305 gives for that
// nonce, and opens with Open. A sealer moved to another thread (another nonce
// prefix) derives again.
TEST_F(AeadTest, SealerGivesXChaCha20Poly1305Ciphertexts) {  // C2.1, C2.4
  Sealer sealer(key_);
  auto check = [&](Sealer& s, const std::string& value, const Binding& where) {
    ASSERT_OK_AND_ASSIGN(auto sealed, s.Seal(value, where));
    ASSERT_EQ(sealed.size(), kAeadOverhead + value.size());
    EXPECT_EQ(sealed[0], kAeadVersion);
    const std::uint8_t* nonce = sealed.data() + 1;
    const auto ad = SpecAd(where);
    std::vector<std::uint8_t> expected(value.size() + kAeadTagSize);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        expected.data(), nullptr, reinterpret_cast<const unsigned char*>(value.data()),
        value.size(), ad.data(), ad.size(), nullptr, nonce, key_.data());
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), sealed.begin() + 1 + kAeadNonceSize))
        << value;
    ASSERT_OK_AND_ASSIGN(std::string plain, OpenString(key_, sealed, where));
    EXPECT_EQ(plain, value);
  };
  check(sealer, "203.0.113.77", here_);
  check(sealer, "2001:db8:abcd:12::1", {"request_log", "ip_sealed", "run-2"});
  check(sealer, "", {"request_log", "ip_sealed", "run-3"});
  check(sealer, std::string(1000, 'x'), {"request_log", "ip_sealed", "run-4"});
  std::thread([&] {
    check(sealer, "198.51.100.9", {"request_log", "ip_sealed", "run-5"});
    Sealer moved(std::move(sealer));
    check(moved, "198.51.100.10", {"request_log", "ip_sealed", "run-6"});
  }).join();
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
