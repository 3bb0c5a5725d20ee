// Accounts: registration, verification, login, sessions, passwords, minors and
// their guardians, misuse reports, erasure (POLICY C1.1-C1.4, C5.1).
//
// Every personal value goes through the gate and is declared in the inventory:
// the login (phone or e-mail, blind-indexed for lookup), display name, enterprise,
// birth date, guardian contact, the password hash, the immutable registration
// record (what the user typed, sealed once) and the history of later profile
// changes. Tables of this service hold ids, states, times, hashes, and values the
// inventory marks coarse (the /24 or /48 network and browser family of a session).
//
// States: a new account is kPendingVerification until its login is proven with a
// one-time code; then kActive, or kPendingGuardian for a minor (under
// `adult_age`) until a guardian consents through a one-time link. A guardian's
// withdrawal suspends the account (kSuspended). Only kActive accounts can log in.
//
// Login answers the same Unauthenticated message for an unknown login and for a
// wrong password, and spends the same argon2id work on both (an unknown login is
// checked against a dummy hash). Tries are throttled (login_guard.h): per device
// cookie for a browser that logged in to the login before, else per login and per
// client network: ResourceExhausted, with the seconds to wait in `retry_after`.
//
// One-time codes (one_time_codes.h): wrong tries are limited per login and kind
// across every code, and per client network; issuing is limited per login and per
// client network. Every endpoint that takes a login answers an unknown login as an
// existing one (issue 15 defect 4): the code checks do the same work on both
// paths, and the requests that send a code (reset, misuse, resend) only check the
// login's form and the throttles before answering; a worker thread does the lookup,
// the code and the message.
//
// Messages are queued in the outbox (outbox.h) in the transaction of the change
// that causes them, and delivered afterwards by the delivery worker.
//
// Sessions: a random 256-bit token (base64url), of which only the SHA-256 is
// stored; idle expiry (`session_idle_seconds`) and absolute expiry
// (`session_max_seconds`). Cookie and bearer sessions are the same thing; the web
// layer decides how the token travels.
//
// Blocking: hashing and database work happen on the caller's thread; call from the
// worker pool, never from an I/O thread.
//
// Thread-safety: thread-safe; references given to the constructor outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accounts/notifier.h"
#include "accounts/outbox.h"
#include "core/status.h"
#include "crypto/secret_key.h"
#include "privacy/consent.h"
#include "privacy/gate.h"
#include "store/database.h"

namespace yz::accounts {

enum class AccountState { kPendingVerification, kPendingGuardian, kActive, kSuspended };
std::string_view AccountStateName(AccountState s);  // "pending_verification", ...

struct Settings {
  int adult_age = 18;      // under this, a guardian must consent (C5.1)
  int sensitive_age = 14;  // under this, the child's data is sensitive (PIPL Art. 28)
  std::int64_t code_ttl_seconds = 10 * 60;
  std::int64_t guardian_link_ttl_seconds = 7 * 24 * 3600;
  // After a login change, how long the previous login can undo it (login_change.h).
  std::int64_t login_revert_seconds = 7 * 24 * 3600;
  std::int64_t session_idle_seconds = 7 * 24 * 3600;
  std::int64_t session_max_seconds = 30 * 24 * 3600;
  std::string public_url = "http://127.0.0.1:8080";  // for links in messages
  std::string policy_version;  // the published notice version consents are given under
  // Browser family and major version from a User-Agent, kept with sessions and logins
  // (serve passes the uap-core parser); empty: the small built-in table (client_info.h).
  std::function<std::string(std::string_view user_agent)> browser_label;
  // Keys the throttle counters and signs device cookies; the same on every node
  // (serve derives it from the blind-index root). Null: a random key (one node).
  std::shared_ptr<const crypto::SecretKey> throttle_key;
};

// Where a request came from, for sessions, throttling and the login history.
struct Client {
  std::string ip;              // the client IP (already resolved through trusted proxies)
  std::string user_agent;      // raw User-Agent; only its browser family is kept
  std::string lang = "zh-CN";  // language for messages sent to the user
  std::string device_cookie;   // the yz_device cookie, if the browser sent one
};

struct Registration {
  std::string login;  // phone number or e-mail address
  std::string password;
  std::string display_name;
  std::string birth_date;  // YYYY-MM-DD
  std::string enterprise;  // optional
  std::string guardian;    // phone or e-mail of a parent/guardian; required for minors
};

struct Registered {
  std::string account_id;
  AccountState state;
};

// What the account holder sees about themselves.
struct Profile {
  std::string account_id;
  AccountState state;
  std::string login;
  std::string display_name;
  std::string enterprise;
  std::string birth_date;
  bool minor = false;
  bool must_reset_password = false;  // after a misuse report
  std::int64_t created_at = 0;
};

// The registration record: what was typed at sign-up, never changed (C1.1).
struct RegistrationRecord {
  std::string login;
  std::string display_name;
  std::string enterprise;
  std::string birth_date;
  std::string guardian;
  std::int64_t registered_at = 0;
};

struct ProfileChange {
  std::string field;  // "display_name", "enterprise"
  std::string old_value;
  std::string new_value;
  std::int64_t at = 0;
};

struct ProfileUpdate {
  std::optional<std::string> display_name;
  std::optional<std::string> enterprise;
};

struct Session {
  std::string id;  // public id (for listing and revoking), not the token
  std::string account_id;
  std::int64_t created_at = 0;
  std::int64_t last_seen = 0;
  std::int64_t expires_at = 0;  // the earlier of idle and absolute expiry
  std::string place;            // coarse network: "203.0.113.0/24"
  std::string browser;          // family and major version: "Chrome 120"
  bool current = false;         // the session making the request (set by Sessions())
};

struct NewSession {
  std::string token;  // give to the client once; only its hash is kept
  Session session;
  std::string device_cookie;  // a fresh device cookie for this login (login_guard.h)
};

struct LoginEvent {
  std::int64_t at = 0;
  std::string place;
  std::string browser;
  bool succeeded = false;
};

// What the previous login's link to undo a login change is about (login_change.h).
struct LoginRevert {
  std::int64_t changed_at = 0;
  std::int64_t expires_at = 0;  // the link works until then, once
};

// What a guardian sees when opening the consent link.
struct GuardianRequest {
  std::string account_id;
  std::string child_display_name;
  bool under_sensitive_age = false;
  bool confirmed = false;
  bool withdrawn = false;
};

class AccountService {
 public:
  AccountService(store::Database& db, privacy::Gate& gate, privacy::ConsentLedger& consents,
                 Outbox& outbox, Settings settings, std::function<std::int64_t()> now);
  ~AccountService();

  // C1.1. Validates everything first (InvalidArgument naming the field), refuses a
  // login already registered (AlreadyExists: the same answer whether it is verified
  // or not), hashes the password, stores the account through the gate, and sends a
  // verification code to the login.
  Result<Registered> Register(const Registration& r, const Client& client);
  // Proves the login with the code. Activates an adult; sends the guardian link for
  // a minor (state kPendingGuardian). InvalidArgument (one message) for a wrong or
  // expired code, an unknown login, or one already verified; ResourceExhausted with
  // *retry_after when the login's or the client's tries are used up.
  Result<Registered> Verify(std::string_view login, std::string_view code, const Client& client,
                            std::int64_t* retry_after = nullptr);
  // Sends a fresh verification code (the previous one stops working) if the login
  // waits for one; Ok either way, once queued. ResourceExhausted when too many
  // codes were asked for the login or from the client; Unavailable if the queue is
  // full.
  Status ResendVerification(std::string_view login, const Client& client,
                            std::int64_t* retry_after = nullptr);

  // Login by phone or e-mail and password. Unauthenticated (one message) for an
  // unknown login or wrong password; FailedPrecondition for an account that is not
  // active (pending or suspended) once the password is right. ResourceExhausted
  // when throttled, with the seconds to wait in `*retry_after` (the web layer sends
  // them as Retry-After).
  Result<NewSession> Login(std::string_view login, std::string_view password, const Client& client,
                           std::int64_t* retry_after = nullptr);
  // The live session of `token`, touching its last_seen; Unauthenticated if the
  // token is unknown, revoked or expired.
  Result<Session> Authenticate(std::string_view token);
  Status Logout(std::string_view token);
  // How long any session may live (the cookie carrying it need not outlive this).
  std::int64_t session_max_seconds() const;
  // The account's live sessions, newest first; `current_token` marks its own.
  Result<std::vector<Session>> Sessions(std::string_view account_id,
                                        std::string_view current_token = {});
  // NotFound if the session is not this account's.
  Status RevokeSession(std::string_view account_id, std::string_view session_id);
  Status RevokeAllSessions(std::string_view account_id);

  Result<Profile> GetProfile(std::string_view account_id);
  Result<RegistrationRecord> GetRegistrationRecord(std::string_view account_id);
  // C1.2: keeps the details current; each change is added to the history.
  Status UpdateProfile(std::string_view account_id, const ProfileUpdate& update);
  Result<std::vector<ProfileChange>> ProfileHistory(std::string_view account_id);
  // C1.2: a new phone number or e-mail replaces the login once proven. The request
  // needs the password again (issue 15 defect 6: a session alone is not enough):
  // a wrong one is Unauthenticated and counts as a failed login, throttled like
  // Login (ResourceExhausted with `*retry_after`). It sends a code to the new login
  // (AlreadyExists if another account has it or holds it as its previous login;
  // FailedPrecondition while the last change can still be undone). The
  // confirmation must name the same login, since the code is bound to it. The old
  // login then gets a link that undoes the change for 7 days (login_change.h), and
  // the change joins the history.
  Status RequestLoginChange(std::string_view account_id, std::string_view new_login,
                            std::string_view password, const Client& client,
                            std::int64_t* retry_after = nullptr);
  Status ConfirmLoginChange(std::string_view account_id, std::string_view new_login,
                            std::string_view code);
  // The previous login's link (login_change.h): what it would undo, and undoing it
  // (the old login back, every session revoked, a password reset required). NotFound
  // for a token that is unknown, used or expired.
  Result<LoginRevert> GetLoginRevert(std::string_view token);
  Status RevertLoginChange(std::string_view token);

  // Unauthenticated if `current` is wrong; InvalidArgument if `next` fails the
  // password policy. Other sessions are revoked; the calling one stays.
  Status ChangePassword(std::string_view account_id, std::string_view current,
                        std::string_view next, std::string_view keep_session_token = {});
  // Sends a reset code if the login exists; Ok either way once queued (no
  // enumeration). Within 7 days of a login change the previous login also gets one,
  // and resetting with it first undoes the change (login_change.h); the same holds
  // for misuse codes. The same errors as ResendVerification.
  Status RequestPasswordReset(std::string_view login, const Client& client,
                              std::int64_t* retry_after = nullptr);
  // Sets the new password with the reset code, revokes every session, clears
  // must_reset_password. InvalidArgument for a wrong/expired code or an unknown
  // login (the code is checked before the password, so only the holder of the code
  // learns why a password is refused); ResourceExhausted as Verify.
  Status ResetPassword(std::string_view login, std::string_view code, std::string_view next,
                       const Client& client, std::int64_t* retry_after = nullptr);

  // C5.1: the guardian link's token (from the message) -> what it is about.
  Result<GuardianRequest> GetGuardianRequest(std::string_view token);
  // Records the guardian's consent in the ledger (source guardian, policy version)
  // and activates the account.
  Status GuardianConsent(std::string_view token);
  // Withdraws it: the account is suspended and its sessions revoked.
  Status GuardianWithdraw(std::string_view token);

  // C1.3, C1.4: someone else is using my account. Revokes every session, requires a
  // password reset, records the report. From a logged-in session: ReportMisuse.
  // Without one: RequestMisuseCode sends a code to the login, ReportMisuseWithCode
  // proves it. Returns the report id.
  Result<std::string> ReportMisuse(std::string_view account_id, std::string_view note);
  Status RequestMisuseCode(std::string_view login, const Client& client,
                           std::int64_t* retry_after = nullptr);
  Result<std::string> ReportMisuseWithCode(std::string_view login, std::string_view code,
                                           std::string_view note, const Client& client,
                                           std::int64_t* retry_after = nullptr);
  // Recent logins (security purpose), newest first, at most `limit`.
  Result<std::vector<LoginEvent>> RecentLogins(std::string_view account_id, int limit = 20);

  // Erasure: `confirmation` must equal the account's login. Crypto-shreds every
  // personal value through the gate, then deletes the account's rows.
  Status DeleteAccount(std::string_view account_id, std::string_view confirmation);

  // Returns once the code requests queued so far (reset, misuse, resend) are
  // handled and their messages queued in the outbox (tests; shutdown).
  void WaitIdle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yz::accounts
