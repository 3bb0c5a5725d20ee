// Changing the login on both backends (issue 15 defect 6): the password is asked
// again, the previous login can undo the change for 7 days with a link or recover
// the account with a reset or misuse code, and stays reserved meanwhile. A fake
// clock, and a notifier that keeps what it is given so tests read the codes and
// links a user would receive. C1.2, C1.4, C4.1.
#include <gtest/gtest.h>

#include <mutex>

#include "../store_fixture.h"
#include "../test_util.h"
#include "accounts/accounts.h"
#include "accounts/outbox.h"

namespace yz::accounts {
namespace {

// What the outbox queued, read as a user would receive it, once the queued code
// requests ran.
class KeptMessages {
 public:
  void Bind(Outbox* outbox, AccountService* service) {
    outbox_ = outbox;
    service_ = service;
  }
  std::optional<Message> LastTo(const std::string& to) {
    auto all = All();
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (it->to == to) return *it;
    }
    return std::nullopt;
  }
  std::size_t CountTo(const std::string& to) {
    auto all = All();
    return std::count_if(all.begin(), all.end(), [&](const Message& m) { return m.to == to; });
  }

 private:
  std::vector<Message> All() {
    service_->WaitIdle();
    auto listed = outbox_->List("test");
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? *listed : std::vector<Message>();
  }
  Outbox* outbox_ = nullptr;
  AccountService* service_ = nullptr;
};

constexpr const char* kPassword = "Yongzhou-Cloud-2026!";
constexpr const char* kOwner = "owner@example.cn";
constexpr const char* kThief = "thief@example.net";
constexpr std::int64_t kWeek = 7 * 24 * 3600;

class LoginChangeTest : public yz::testing::GateTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(GateTest::SetUp());
    Settings settings;
    settings.policy_version = "3";
    settings.public_url = "https://cloud.example.cn";
    queue_ = std::make_unique<Outbox>(*db_, *gate_, now_);
    service_ = std::make_unique<AccountService>(*db_, *gate_, *consents_, *queue_, settings, now_);
    outbox_.Bind(queue_.get(), service_.get());
    auto r = service_->Register({kOwner, kPassword, "张伟", "1990-05-01", "", ""}, owner_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    id_ = r->account_id;
    ASSERT_OK(service_->Verify(kOwner, Code(kOwner), owner_).status());
  }
  void TearDown() override {
    service_.reset();
    queue_.reset();
    GateTest::TearDown();
  }

  std::string Code(const std::string& to) {
    auto m = outbox_.LastTo(to);
    EXPECT_TRUE(m.has_value()) << "no message to " << to;
    return m ? m->code : "";
  }
  // What an attacker with the password and a session does: moves the login to
  // kThief. Returns the attacker's session token.
  std::string Hijack() {
    auto session = service_->Login(kOwner, kPassword, thief_);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    EXPECT_TRUE(service_->RequestLoginChange(id_, kThief, kPassword, thief_).ok());
    EXPECT_TRUE(service_->ConfirmLoginChange(id_, kThief, Code(kThief)).ok());
    return session.ok() ? session->token : "";
  }
  std::string Login() {
    auto p = service_->GetProfile(id_);
    return p.ok() ? p->login : p.status().ToString();
  }

  Client owner_{"203.0.113.77", "Mozilla/5.0 Chrome/120.0.0.0", "zh-CN"};
  Client thief_{"198.51.100.9", "Mozilla/5.0 Firefox/121.0", "en"};
  std::unique_ptr<Outbox> queue_;
  KeptMessages outbox_;
  std::unique_ptr<AccountService> service_;
  std::string id_;
};

// Issue 15 defect 6: a session alone cannot move the account; a wrong password
// counts as a failed login.
TEST_P(LoginChangeTest, TheLoginChangesOnlyWithThePassword) {  // C1.4, C4.1
  ASSERT_OK_AND_ASSIGN(NewSession stolen, service_->Login(kOwner, kPassword, thief_));
  EXPECT_EQ(service_->RequestLoginChange(id_, kThief, "", thief_).code(), Code::kUnauthenticated);
  EXPECT_EQ(service_->RequestLoginChange(id_, kThief, "Guess-password-1", thief_).code(),
            Code::kUnauthenticated);
  EXPECT_FALSE(outbox_.LastTo(kThief).has_value()) << "no code without the password";
  for (int i = 0; i < 3; ++i) {
    (void)service_->RequestLoginChange(id_, kThief, "Guess-password-2", thief_);
  }
  std::int64_t retry = 0;
  EXPECT_EQ(service_->RequestLoginChange(id_, kThief, kPassword, thief_, &retry).code(),
            Code::kResourceExhausted);
  EXPECT_GT(retry, 0);
  // The same count as logins: the login is throttled too.
  EXPECT_EQ(service_->Login(kOwner, kPassword, thief_).status().code(), Code::kResourceExhausted);
  ASSERT_OK_AND_ASSIGN(auto logins, service_->RecentLogins(id_));
  EXPECT_EQ(std::count_if(logins.begin(), logins.end(), [](auto& e) { return !e.succeeded; }), 5);
  clock_ += retry;
  ASSERT_OK(service_->RequestLoginChange(id_, kThief, kPassword, thief_));
  EXPECT_EQ(Code(kThief).size(), 6u);
  ASSERT_OK(service_->Authenticate(stolen.token).status());
}

// Issue 15 defect 6: the link sent to the previous login undoes the change once:
// old login back, every session gone, the new login dead, a new password needed.
TEST_P(LoginChangeTest, ThePreviousLoginUndoesTheChangeWithItsLink) {  // C1.4
  ASSERT_OK_AND_ASSIGN(NewSession mine, service_->Login(kOwner, kPassword, owner_));
  const std::string theirs = Hijack();
  EXPECT_EQ(Login(), kThief);
  auto notice = outbox_.LastTo(kOwner);
  ASSERT_TRUE(notice.has_value());
  const std::string token = notice->code;
  ASSERT_FALSE(token.empty());
  EXPECT_NE(notice->body.find("https://cloud.example.cn/login-change/revert/" + token),
            std::string::npos);
  ASSERT_OK_AND_ASSIGN(LoginRevert what, service_->GetLoginRevert(token));
  EXPECT_EQ(what.changed_at, clock_.load());
  EXPECT_EQ(what.expires_at, clock_.load() + kWeek);
  EXPECT_EQ(service_->GetLoginRevert(token + "0").status().code(), Code::kNotFound);
  std::string forged = token;
  forged.back() = forged.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(service_->RevertLoginChange(forged).code(), Code::kNotFound);

  clock_ += kWeek - 60;  // still inside the window
  ASSERT_OK(service_->RevertLoginChange(token));
  EXPECT_EQ(Login(), kOwner);
  EXPECT_FALSE(service_->Authenticate(theirs).ok());
  EXPECT_FALSE(service_->Authenticate(mine.token).ok());
  EXPECT_EQ(service_->Login(kThief, kPassword, thief_).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(service_->Login(kOwner, kPassword, thief_).status().code(), Code::kFailedPrecondition)
      << "the password the change was made with must be replaced";
  EXPECT_EQ(service_->RevertLoginChange(token).code(), Code::kNotFound) << "single use";
  ASSERT_OK_AND_ASSIGN(auto history, service_->ProfileHistory(id_));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1].old_value, kThief);
  EXPECT_EQ(history[1].new_value, kOwner);

  ASSERT_OK(service_->RequestPasswordReset(kOwner, owner_));
  ASSERT_OK(service_->ResetPassword(kOwner, Code(kOwner), "Fresh-owner-pass-9", owner_));
  ASSERT_OK(service_->Login(kOwner, "Fresh-owner-pass-9", owner_).status());
}

// Issue 15 defect 6: a reset requested for the previous login reaches it, and
// using it takes the account back.
TEST_P(LoginChangeTest, APasswordResetForThePreviousLoginRecoversTheAccount) {  // C1.4
  const std::string theirs = Hijack();
  const std::size_t before = outbox_.CountTo(kOwner);
  ASSERT_OK(service_->RequestPasswordReset(kOwner, owner_));
  ASSERT_EQ(outbox_.CountTo(kOwner), before + 1) << "the reset code goes to the previous login";
  const std::string code = Code(kOwner);
  ASSERT_EQ(code.size(), 6u);
  // The attacker's own reset for the current login neither replaces it nor works for it.
  ASSERT_OK(service_->RequestPasswordReset(kThief, thief_));
  EXPECT_EQ(service_->ResetPassword(kOwner, Code(kThief), "Thief-pass-word-7", thief_).code(),
            Code::kInvalidArgument);
  ASSERT_OK(service_->ResetPassword(kOwner, code, "Fresh-owner-pass-9", owner_));
  EXPECT_EQ(Login(), kOwner);
  EXPECT_FALSE(service_->Authenticate(theirs).ok());
  EXPECT_EQ(service_->Login(kThief, "Fresh-owner-pass-9", thief_).status().code(),
            Code::kUnauthenticated);
  ASSERT_OK(service_->Login(kOwner, "Fresh-owner-pass-9", owner_).status());
  EXPECT_EQ(service_->GetLoginRevert(outbox_.LastTo(kOwner)->code).status().code(),
            Code::kNotFound);
}

// Issue 15 defect 6: a misuse report proven by the previous login locks the
// account down and gives it back.
TEST_P(LoginChangeTest, AMisuseReportFromThePreviousLoginRecoversTheAccount) {  // C1.4
  const std::string theirs = Hijack();
  ASSERT_OK(service_->RequestMisuseCode(kOwner, owner_));
  ASSERT_OK_AND_ASSIGN(std::string report,
                       service_->ReportMisuseWithCode(kOwner, Code(kOwner), "不是我改的", owner_));
  EXPECT_FALSE(report.empty());
  EXPECT_EQ(Login(), kOwner);
  EXPECT_FALSE(service_->Authenticate(theirs).ok());
  ASSERT_OK_AND_ASSIGN(Profile p, service_->GetProfile(id_));
  EXPECT_TRUE(p.must_reset_password);
  EXPECT_EQ(service_->Login(kThief, kPassword, thief_).status().code(), Code::kUnauthenticated);
}

// Issue 15 defect 6: for 7 days the previous login stays the account's: nobody
// registers or moves to it, and the account does not move again.
TEST_P(LoginChangeTest, ThePreviousLoginIsReservedForSevenDays) {  // C1.4
  Hijack();
  EXPECT_EQ(
      service_->Register({kOwner, kPassword, "李四", "1990-05-01", "", ""}, thief_).status().code(),
      Code::kAlreadyExists);
  auto other =
      service_->Register({"other@example.cn", kPassword, "李四", "1991-05-01", "", ""}, owner_);
  ASSERT_OK(other.status());
  ASSERT_OK(service_->Verify("other@example.cn", Code("other@example.cn"), owner_).status());
  EXPECT_EQ(service_->RequestLoginChange(other->account_id, kOwner, kPassword, owner_).code(),
            Code::kAlreadyExists);
  EXPECT_EQ(service_->RequestLoginChange(id_, "13800138099", kPassword, thief_).code(),
            Code::kFailedPrecondition)
      << "a second change would replace the login to go back to";

  clock_ += kWeek + 1;  // the window closes
  EXPECT_EQ(service_->GetLoginRevert(outbox_.LastTo(kOwner)->code).status().code(),
            Code::kNotFound);
  const std::size_t before = outbox_.CountTo(kOwner);
  ASSERT_OK(service_->RequestPasswordReset(kOwner, owner_));
  EXPECT_EQ(outbox_.CountTo(kOwner), before) << "no longer this account's";
  ASSERT_OK(service_->RequestLoginChange(id_, "13800138099", kPassword, thief_));
  ASSERT_OK(service_->Register({kOwner, kPassword, "李四", "1990-05-01", "", ""}, owner_).status());
}

// C2.4, C4.1: the link's token is kept hashed, the previous login sealed.
TEST_P(LoginChangeTest, NeitherTheLinkNorThePreviousLoginIsStoredInTheClear) {
  Hijack();
  const std::string token = outbox_.LastTo(kOwner)->code;
  const std::string secret = token.substr(token.find('.') + 1);
  ASSERT_EQ(secret.size(), 64u);
  ExpectNoPlaintext({secret, kOwner, kThief});
}

INSTANTIATE_TEST_SUITE_P(Backends, LoginChangeTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::accounts
