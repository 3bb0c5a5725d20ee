#include "accounts/accounts.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "accounts/client_info.h"
#include "accounts/login_change.h"
#include "accounts/login_guard.h"
#include "accounts/login_text.h"
#include "accounts/messages.h"
#include "accounts/one_time_codes.h"
#include "accounts/password_policy.h"
#include "accounts/request_queue.h"
#include "accounts/throttle.h"
#include "core/random.h"
#include "core/utf8.h"
#include "crypto/blind_index.h"
#include "crypto/digest.h"
#include "crypto/password.h"

namespace yz::accounts {

using privacy::Purpose;

std::string_view AccountStateName(AccountState s) {
  switch (s) {
    case AccountState::kPendingVerification:
      return "pending_verification";
    case AccountState::kPendingGuardian:
      return "pending_guardian";
    case AccountState::kActive:
      return "active";
    case AccountState::kSuspended:
      return "suspended";
  }
  return "unknown";
}

namespace {

constexpr std::string_view kPhoneField = "registration.login_phone";
constexpr std::string_view kEmailField = "registration.login_email";
constexpr std::string_view kPasswordField = "registration.password_hash";
constexpr std::string_view kNameField = "registration.display_name";
constexpr std::string_view kEnterpriseField = "registration.enterprise_name";
constexpr std::string_view kBirthField = "registration.birth_date";
constexpr std::string_view kGuardianField = "registration.guardian_contact";
constexpr std::string_view kRecordField = "registration.record";
constexpr std::string_view kHistoryField = "registration.profile_history";
constexpr std::string_view kMisuseField = "account.misuse_report";

constexpr std::string_view kWrongLogin = "wrong login or password";
constexpr std::size_t kMaxNameChars = 64;
constexpr std::size_t kMaxEnterpriseChars = 128;
constexpr std::size_t kMaxNoteBytes = 4000;

std::optional<AccountState> ParseState(std::string_view s) {
  for (AccountState st : {AccountState::kPendingVerification, AccountState::kPendingGuardian,
                          AccountState::kActive, AccountState::kSuspended}) {
    if (AccountStateName(st) == s) return st;
  }
  return std::nullopt;
}

std::string_view LoginField(std::string_view login) {
  return IsEmail(login) ? kEmailField : kPhoneField;
}

std::string NewId(std::string_view prefix) { return std::string(prefix) + RandomHex(16); }

store::Blob HashBlob(std::string_view token) {
  const auto digest = crypto::Sha256(token);
  return store::Blob(digest.begin(), digest.end());
}

// Codes sent to a previous login (login_change.h) are a purpose of their own.
std::string CodePurpose(std::string_view purpose, std::string_view previous) {
  return previous.empty() ? std::string(purpose) : std::string(purpose) + "_previous";
}

}  // namespace

struct AccountService::Impl {
  store::Database& db;
  privacy::Gate& gate;
  privacy::ConsentLedger& consents;
  Outbox& outbox;
  Settings settings;
  std::function<std::int64_t()> now;
  Throttle throttle;
  OneTimeCodes codes;
  LoginGuard guard;
  std::string dummy_hash;  // verified against for unknown logins, so both take as long
  LoginChanges login_changes;
  // Last: destroyed first, finishing queued requests while the rest still lives.
  RequestQueue requests;

  struct Row {
    std::string id;
    AccountState state;
    std::string login_kind;
    bool minor;
    bool under_sensitive_age;
    bool must_reset;
    std::int64_t created_at;
  };

  Impl(store::Database& db, privacy::Gate& gate, privacy::ConsentLedger& consents, Outbox& outbox,
       Settings settings, std::function<std::int64_t()> now)
      : db(db),
        gate(gate),
        consents(consents),
        outbox(outbox),
        settings(std::move(settings)),
        now(now),
        throttle(db, this->settings.throttle_key, now),
        codes(db, gate, throttle, this->settings.code_ttl_seconds, now),
        guard(throttle, now),
        login_changes(db, gate, outbox, this->settings, now,
                      {[this](std::string_view account) { return RevokeAll(account); },
                       [this](std::string_view account, std::string_view field,
                              std::string_view old_v, std::string_view new_v) {
                         return AppendHistory(account, field, old_v, new_v);
                       }}) {
    auto hash = crypto::HashPassword(RandomHex(16));
    dummy_hash = hash.ok() ? *hash : std::string();
  }

  std::string Browser(std::string_view user_agent) const {
    return settings.browser_label ? settings.browser_label(user_agent) : BrowserLabel(user_agent);
  }

  Result<std::optional<Row>> Load(std::string_view id) {
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    const store::Value p[] = {std::string(id)};
    ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT id, state, login_kind, minor, "
                                            "under_sensitive_age, must_reset, created_at "
                                            "FROM accounts WHERE id = $1",
                                            p));
    if (rows.empty()) return std::optional<Row>{};
    const auto& r = rows[0];
    auto state = ParseState(r.Text(1));
    if (!state) return Internal("accounts: unknown state " + r.Text(1));
    return std::optional<Row>{
        Row{r.Text(0), *state, r.Text(2), r.Int(3) != 0, r.Int(4) != 0, r.Int(5) != 0, r.Int(6)}};
  }

  Result<Row> MustLoad(std::string_view id) {
    ASSIGN_OR_RETURN(auto row, Load(id));
    if (!row) return NotFound("no such account");
    return *row;
  }

  // The account `login` names for recovery: its current login, or a previous login
  // still inside its revert window (login_change.h), set in `previous`. Both are
  // looked up always, so a known and an unknown login cost the same.
  struct Owner {
    std::string account;
    std::string previous;  // the previous login the codes go to; empty for the current one
  };
  Result<std::optional<Owner>> FindOwner(std::string_view canonical) {
    ASSIGN_OR_RETURN(auto current, gate.FindSubject(LoginField(canonical), canonical));
    ASSIGN_OR_RETURN(auto before, login_changes.FindByPrevious(canonical));
    if (current) return std::optional<Owner>(Owner{*current, ""});
    if (before) return std::optional<Owner>(Owner{*before, std::string(canonical)});
    return std::optional<Owner>();
  }

  // The password once more, before a change a stolen session must not make alone
  // (issue 15 defect 6). It is a login attempt for the throttles (login_guard.h).
  Status Reauthenticate(const Row& row, std::string_view password, const Client& client,
                        std::int64_t* retry_after) {
    ASSIGN_OR_RETURN(std::string login, LoginOf(row));
    ASSIGN_OR_RETURN(LoginGuard::Attempt attempt,
                     guard.Begin(login, client.ip, client.device_cookie, retry_after));
    ASSIGN_OR_RETURN(std::string hash, Read(row.id, kPasswordField, Purpose::kSecurity));
    if (!crypto::VerifyPassword(hash, password)) {
      (void)RecordLogin(row.id, client, false);
      return Unauthenticated("password: wrong password");
    }
    return guard.Succeeded(attempt);
  }

  Status SetState(std::string_view id, AccountState state) {
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    const store::Value p[] = {std::string(AccountStateName(state)), now(), std::string(id)};
    return conn->Exec("UPDATE accounts SET state = $1, updated_at = $2 WHERE id = $3", p).status();
  }

  Result<std::string> Read(std::string_view id, std::string_view field, Purpose purpose) {
    return gate.Read(id, field, purpose, id);
  }
  // An optional field: empty when none is stored.
  Result<std::string> ReadOptional(std::string_view id, std::string_view field) {
    auto v = gate.Read(id, field, Purpose::kService, id);
    if (!v.ok() && v.status().code() == Code::kNotFound) return std::string();
    return v;
  }

  Result<std::string> LoginOf(const Row& row) {
    return Read(row.id, row.login_kind == "email" ? kEmailField : kPhoneField, Purpose::kService);
  }

  // Queues a message that is a change of its own (a notice after the fact).
  Status Send(std::string_view account, std::string_view to, std::string subject, std::string body,
              std::string code) {
    return outbox.Send(
        MakeMessage(account, to, std::move(subject), std::move(body), std::move(code)));
  }

  // A new code of `purpose` and its message, queued together in one transaction.
  // `previous`: the code goes to that previous login (FindOwner), bound to it, and
  // kept apart from codes sent to the current login, which cannot replace it.
  Status SendCode(const Row& row, std::string_view purpose, const Client& client,
                  std::string_view previous = {}) {
    std::string login(previous);
    if (previous.empty()) {
      ASSIGN_OR_RETURN(login, LoginOf(row));
    }
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    store::Transaction tx(*conn);
    RETURN_IF_ERROR(tx.begin_status());
    ASSIGN_OR_RETURN(std::string code,
                     codes.Issue(*conn, row.id, CodePurpose(purpose, previous), previous));
    RETURN_IF_ERROR(outbox.Enqueue(*conn, CodeMessage(row.id, login, purpose, code, client.lang)));
    RETURN_IF_ERROR(tx.Commit());
    outbox.Wake();
    return Status::Ok();
  }

  Status SendLoginChangeCode(const Row& row, const std::string& new_login, const Client& client) {
    RETURN_IF_ERROR(codes.AllowIssue(new_login, client.ip, nullptr));
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    store::Transaction tx(*conn);
    RETURN_IF_ERROR(tx.begin_status());
    ASSIGN_OR_RETURN(std::string code, codes.Issue(*conn, row.id, "change_login", new_login));
    RETURN_IF_ERROR(
        outbox.Enqueue(*conn, LoginChangeCodeMessage(row.id, new_login, code, client.lang)));
    RETURN_IF_ERROR(tx.Commit());
    outbox.Wake();
    return Status::Ok();
  }

  // A code proven by a logged-in account (a new login): counted per account and kind.
  Status CheckCode(std::string_view account, std::string_view purpose, std::string_view code,
                   std::string_view context = {}) {
    return codes.Check(account, "", std::string(account), purpose, code, context,
                       /*consume=*/true, nullptr);
  }

  // The request-path half of a code request (reset, misuse, resend): the login's
  // form and the throttles, the same for every login; the rest is posted to the
  // worker, which sends a code of `purpose` only if `wanted` accepts the account.
  Status RequestCode(std::string_view login, const Client& client, std::string_view purpose,
                     std::function<bool(const Row&)> wanted, std::int64_t* retry_after) {
    ASSIGN_OR_RETURN(std::string canonical, CanonicalLogin(login));
    RETURN_IF_ERROR(codes.AllowIssue(canonical, client.ip, retry_after));
    return requests.Post(
        [this, canonical, client, purpose = std::string(purpose), wanted = std::move(wanted)] {
          Status s = [&]() -> Status {
            ASSIGN_OR_RETURN(auto owner, FindOwner(canonical));
            if (!owner) return Status::Ok();
            ASSIGN_OR_RETURN(auto row, Load(owner->account));
            if (!row || !wanted(*row)) return Status::Ok();
            return SendCode(*row, purpose, client, owner->previous);
          }();
          // The status names no login: safe to log.
          if (!s.ok())
            spdlog::error("accounts: a {} code request failed: {}", purpose, s.message());
        });
  }

  Status RevokeAll(std::string_view account, std::string_view except_token_hash_hex = {}) {
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    if (except_token_hash_hex.empty()) {
      const store::Value p[] = {now(), std::string(account)};
      return conn
          ->Exec("UPDATE sessions SET revoked_at = $1 WHERE account = $2 AND revoked_at IS NULL", p)
          .status();
    }
    const store::Value p[] = {now(), std::string(account), HashBlob(except_token_hash_hex)};
    return conn
        ->Exec(
            "UPDATE sessions SET revoked_at = $1 WHERE account = $2 AND revoked_at IS NULL "
            "AND token_hash <> $3",
            p)
        .status();
  }

  Status RecordLogin(std::string_view account, const Client& client, bool succeeded) {
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    const store::Value p[] = {std::string(account), now(), CoarsePlace(client.ip),
                              Browser(client.user_agent), std::int64_t{succeeded ? 1 : 0}};
    return conn
        ->Exec(
            "INSERT INTO login_events (account, at, place, browser, succeeded) "
            "VALUES ($1, $2, $3, $4, $5)",
            p)
        .status();
  }

  std::int64_t ExpiresAt(std::int64_t created_at, std::int64_t last_seen) const {
    return std::min(created_at + settings.session_max_seconds,
                    last_seen + settings.session_idle_seconds);
  }

  Session ToSession(const store::Row& r) const {
    Session s;
    s.id = r.Text(0);
    s.account_id = r.Text(1);
    s.created_at = r.Int(2);
    s.last_seen = r.Int(3);
    s.expires_at = ExpiresAt(s.created_at, s.last_seen);
    s.place = r.Text(4);
    s.browser = r.Text(5);
    return s;
  }

  Result<NewSession> CreateSession(std::string_view account, const Client& client) {
    NewSession out;
    out.token = RandomHex(32);
    out.session.id = NewId("sess_");
    out.session.account_id = std::string(account);
    out.session.created_at = out.session.last_seen = now();
    out.session.expires_at = ExpiresAt(out.session.created_at, out.session.last_seen);
    out.session.place = CoarsePlace(client.ip);
    out.session.browser = Browser(client.user_agent);
    out.session.current = true;
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    const store::Value p[] = {out.session.id,         out.session.account_id, HashBlob(out.token),
                              out.session.created_at, out.session.place,      out.session.browser};
    RETURN_IF_ERROR(conn->Exec("INSERT INTO sessions (id, account, token_hash, created_at, "
                               "last_seen, place, browser) VALUES ($1, $2, $3, $4, $4, $5, $6)",
                               p)
                        .status());
    return out;
  }

  Status AppendHistory(std::string_view account, std::string_view field, std::string_view old_v,
                       std::string_view new_v) {
    const std::string id = NewId("chg_");
    boost::json::object change{{"field", field}, {"old", old_v}, {"new", new_v}};
    ASSIGN_OR_RETURN(auto sealed, gate.Seal(account, kHistoryField, boost::json::serialize(change),
                                            {"profile_history", "sealed", id}));
    ASSIGN_OR_RETURN(auto conn, db.Acquire());
    const store::Value p[] = {id, std::string(account), now(), store::Blob(std::move(sealed))};
    return conn
        ->Exec("INSERT INTO profile_history (id, account, at, sealed) VALUES ($1, $2, $3, $4)", p)
        .status();
  }

  Result<std::string> Misuse(const Row& row, std::string_view via, std::string_view note) {
    if (note.size() > kMaxNoteBytes) {
      return InvalidArgument("note: at most " + std::to_string(kMaxNoteBytes) + " bytes");
    }
    if (!CountCodePoints(note)) return InvalidArgument("note: must be valid UTF-8 text");
    RETURN_IF_ERROR(RevokeAll(row.id));
    const std::string id = NewId("misuse_");
    ASSIGN_OR_RETURN(auto sealed,
                     gate.Seal(row.id, kMisuseField, note, {"misuse_reports", "note", id}));
    ASSIGN_OR_RETURN(std::string login, LoginOf(row));
    {
      ASSIGN_OR_RETURN(auto conn, db.Acquire());
      store::Transaction tx(*conn);
      RETURN_IF_ERROR(tx.begin_status());
      const store::Value rep[] = {id, row.id, now(), std::string(via),
                                  store::Blob(std::move(sealed))};
      RETURN_IF_ERROR(conn->Exec("INSERT INTO misuse_reports (id, account, at, via, note) "
                                 "VALUES ($1, $2, $3, $4, $5)",
                                 rep)
                          .status());
      const store::Value acc[] = {now(), row.id};
      RETURN_IF_ERROR(
          conn->Exec("UPDATE accounts SET must_reset = 1, updated_at = $1 WHERE id = $2", acc)
              .status());
      RETURN_IF_ERROR(outbox.Enqueue(*conn, MisuseNotice(row.id, login)));
      RETURN_IF_ERROR(tx.Commit());
    }
    outbox.Wake();
    // Sessions created between the first revocation and the flag are revoked too.
    RETURN_IF_ERROR(RevokeAll(row.id));
    return id;
  }
};

AccountService::AccountService(store::Database& db, privacy::Gate& gate,
                               privacy::ConsentLedger& consents, Outbox& outbox, Settings settings,
                               std::function<std::int64_t()> now)
    : impl_(std::make_unique<Impl>(db, gate, consents, outbox, std::move(settings),
                                   std::move(now))) {}

AccountService::~AccountService() = default;

Result<Registered> AccountService::Register(const Registration& r, const Client& client) {
  Impl& m = *impl_;
  // Everything is checked before anything is stored.
  if (r.login.empty()) return InvalidArgument("login: is required");
  ASSIGN_OR_RETURN(std::string login, CanonicalLogin(r.login));
  const std::string name = Trim(r.display_name);
  RETURN_IF_ERROR(CheckText("display_name", name, kMaxNameChars, /*required=*/true));
  const std::string enterprise = Trim(r.enterprise);
  RETURN_IF_ERROR(CheckText("enterprise", enterprise, kMaxEnterpriseChars, /*required=*/false));
  auto age = AgeOn(r.birth_date, m.now());
  if (!age || *age > 150) {
    return InvalidArgument("birth_date: must be a past date written YYYY-MM-DD");
  }
  const bool minor = *age < m.settings.adult_age;
  std::string guardian;
  if (minor) {
    if (Trim(r.guardian).empty()) {
      return InvalidArgument("guardian: users under " + std::to_string(m.settings.adult_age) +
                             " need a parent or guardian's phone number or e-mail address");
    }
    ASSIGN_OR_RETURN(guardian, CanonicalLogin(Trim(r.guardian), "guardian"));
    if (guardian == login) {
      return InvalidArgument("guardian: must be the parent or guardian's own phone or e-mail");
    }
  }
  const std::vector<std::string> personal = {login, name};
  RETURN_IF_ERROR(CheckNewPassword(r.password, personal));
  // A login changed away within 7 days stays its old account's (login_change.h).
  ASSIGN_OR_RETURN(bool taken, m.login_changes.Taken(login));
  if (taken) return AlreadyExists("login: this phone number or e-mail is already registered");
  // Registering sends a code: it counts against the login's and the client's codes.
  RETURN_IF_ERROR(m.codes.AllowIssue(login, client.ip, nullptr));
  ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(r.password));

  const std::string id = NewId("acct_");
  const std::int64_t now = m.now();
  // The login first: its unique index settles a race between two registrations.
  if (Status s = m.gate.Write(id, LoginField(login), login); !s.ok()) {
    (void)m.gate.Erase(id);
    if (s.code() == Code::kAlreadyExists) {
      return AlreadyExists("login: this phone number or e-mail is already registered");
    }
    return s;
  }
  auto store_all = [&]() -> Status {
    RETURN_IF_ERROR(m.gate.Write(id, kPasswordField, hash));
    RETURN_IF_ERROR(m.gate.Write(id, kNameField, name));
    if (!enterprise.empty()) RETURN_IF_ERROR(m.gate.Write(id, kEnterpriseField, enterprise));
    RETURN_IF_ERROR(m.gate.Write(id, kBirthField, r.birth_date));
    if (minor) RETURN_IF_ERROR(m.gate.Write(id, kGuardianField, guardian));
    // C1.1: the registration record, exactly as typed, sealed once.
    boost::json::object record{{"login", r.login},           {"display_name", r.display_name},
                               {"enterprise", r.enterprise}, {"birth_date", r.birth_date},
                               {"guardian", r.guardian},     {"registered_at", now}};
    RETURN_IF_ERROR(m.gate.WriteOnce(id, kRecordField, boost::json::serialize(record)));
    // The account, its code and the message carrying it commit together: a client
    // told 201 has a code on the way, and one told otherwise has no account.
    ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
    store::Transaction tx(*conn);
    RETURN_IF_ERROR(tx.begin_status());
    const store::Value p[] = {id,
                              std::string(AccountStateName(AccountState::kPendingVerification)),
                              std::string(IsEmail(login) ? "email" : "phone"),
                              std::int64_t{minor ? 1 : 0},
                              std::int64_t{*age < m.settings.sensitive_age ? 1 : 0},
                              now};
    RETURN_IF_ERROR(
        conn->Exec("INSERT INTO accounts (id, state, login_kind, minor, under_sensitive_age, "
                   "must_reset, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $6)",
                   p)
            .status());
    ASSIGN_OR_RETURN(std::string code, m.codes.Issue(*conn, id, "verify"));
    RETURN_IF_ERROR(m.outbox.Enqueue(*conn, CodeMessage(id, login, "verify", code, client.lang)));
    return tx.Commit();
  };
  if (Status s = store_all(); !s.ok()) {
    (void)m.gate.Erase(id);  // nothing half-registered stays readable
    return s;
  }
  m.outbox.Wake();
  return Registered{id, AccountState::kPendingVerification};
}

Result<Registered> AccountService::Verify(std::string_view login, std::string_view code,
                                          const Client& client, std::int64_t* retry_after) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(std::string canonical, CanonicalLogin(login));
  ASSIGN_OR_RETURN(auto id, m.gate.FindSubject(LoginField(canonical), canonical));
  // The same lookups whether the login exists or not; a verified account has no
  // verify code, so it answers as an unknown login does (issue 15 defect 4).
  ASSIGN_OR_RETURN(auto loaded, m.Load(id.value_or("")));
  const bool pending = loaded && loaded->state == AccountState::kPendingVerification;
  RETURN_IF_ERROR(m.codes.Check(canonical, client.ip, pending ? id : std::nullopt, "verify", code,
                                "", /*consume=*/true, retry_after));
  const Impl::Row& row = *loaded;
  if (!row.minor) {
    RETURN_IF_ERROR(m.SetState(row.id, AccountState::kActive));
    return Registered{row.id, AccountState::kActive};
  }
  // C5.1: a minor waits for a parent or guardian, who gets a one-time link.
  ASSIGN_OR_RETURN(std::string guardian, m.Read(row.id, kGuardianField, Purpose::kService));
  ASSIGN_OR_RETURN(std::string name, m.Read(row.id, kNameField, Purpose::kService));
  const std::string token = RandomHex(32);
  const std::string link = m.settings.public_url + "/guardian/" + token;
  {
    // The link, the state and the message to the guardian commit together.
    ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
    store::Transaction tx(*conn);
    RETURN_IF_ERROR(tx.begin_status());
    const store::Value p[] = {HashBlob(token), row.id, m.now(),
                              m.now() + m.settings.guardian_link_ttl_seconds};
    RETURN_IF_ERROR(conn->Exec("INSERT INTO guardian_links (token_hash, account, created_at, "
                               "expires_at) VALUES ($1, $2, $3, $4)",
                               p)
                        .status());
    const store::Value st[] = {std::string(AccountStateName(AccountState::kPendingGuardian)),
                               m.now(), row.id};
    RETURN_IF_ERROR(
        conn->Exec("UPDATE accounts SET state = $1, updated_at = $2 WHERE id = $3", st).status());
    RETURN_IF_ERROR(m.outbox.Enqueue(*conn, GuardianMessage(row.id, guardian, name, link, token)));
    RETURN_IF_ERROR(tx.Commit());
  }
  m.outbox.Wake();
  return Registered{row.id, AccountState::kPendingGuardian};
}

Status AccountService::ResendVerification(std::string_view login, const Client& client,
                                          std::int64_t* retry_after) {
  return impl_->RequestCode(
      login, client, "verify",
      [](const Impl::Row& row) { return row.state == AccountState::kPendingVerification; },
      retry_after);
}

Result<NewSession> AccountService::Login(std::string_view login, std::string_view password,
                                         const Client& client, std::int64_t* retry_after) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(std::string canonical, CanonicalLogin(login));
  ASSIGN_OR_RETURN(LoginGuard::Attempt attempt,
                   m.guard.Begin(canonical, client.ip, client.device_cookie, retry_after));
  auto fail = [&]() -> Status { return Unauthenticated(std::string(kWrongLogin)); };
  ASSIGN_OR_RETURN(auto id, m.gate.FindSubject(LoginField(canonical), canonical));
  if (!id) {
    (void)crypto::VerifyPassword(m.dummy_hash, password);  // the same work as a real check
    return fail();
  }
  ASSIGN_OR_RETURN(std::string hash, m.Read(*id, kPasswordField, Purpose::kSecurity));
  if (!crypto::VerifyPassword(hash, password)) {
    (void)m.RecordLogin(*id, client, false);
    return fail();
  }
  RETURN_IF_ERROR(m.guard.Succeeded(attempt));
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(*id));
  switch (row.state) {
    case AccountState::kPendingVerification:
      return FailedPrecondition("verify your phone number or e-mail first");
    case AccountState::kPendingGuardian:
      return FailedPrecondition("waiting for your parent or guardian to consent");
    case AccountState::kSuspended:
      return FailedPrecondition("this account is suspended: your guardian withdrew consent");
    case AccountState::kActive:
      break;
  }
  if (row.must_reset) {
    return FailedPrecondition("a password reset is required after the misuse report");
  }
  if (crypto::PasswordNeedsRehash(hash)) {
    if (auto fresh = crypto::HashPassword(password); fresh.ok()) {
      (void)m.gate.Write(row.id, kPasswordField, *fresh);
    }
  }
  RETURN_IF_ERROR(m.RecordLogin(row.id, client, true));
  ASSIGN_OR_RETURN(NewSession session, m.CreateSession(row.id, client));
  // OWASP device cookie: this browser keeps its own allowance for this login.
  session.device_cookie = m.guard.IssueCookie(canonical);
  return session;
}

Result<Session> AccountService::Authenticate(std::string_view token) {
  Impl& m = *impl_;
  if (token.empty() || token.size() > 128) return Unauthenticated("not logged in");
  ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
  const store::Value p[] = {HashBlob(token)};
  ASSIGN_OR_RETURN(auto rows,
                   conn->Query("SELECT s.id, s.account, s.created_at, s.last_seen, s.place, "
                               "s.browser FROM sessions s JOIN accounts a ON a.id = s.account "
                               "WHERE s.token_hash = $1 AND s.revoked_at IS NULL "
                               "AND a.state = 'active' AND a.must_reset = 0",
                               p));
  if (rows.empty()) return Unauthenticated("not logged in, or the session has ended");
  Session s = m.ToSession(rows[0]);
  const std::int64_t now = m.now();
  if (now >= s.expires_at) return Unauthenticated("the session has expired; log in again");
  if (now - s.last_seen >= 60) {  // touch at most once a minute
    const store::Value u[] = {now, s.id};
    RETURN_IF_ERROR(conn->Exec("UPDATE sessions SET last_seen = $1 WHERE id = $2", u).status());
    s.last_seen = now;
    s.expires_at = m.ExpiresAt(s.created_at, now);
  }
  s.current = true;
  return s;
}

std::int64_t AccountService::session_max_seconds() const {
  return impl_->settings.session_max_seconds;
}

Status AccountService::Logout(std::string_view token) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
  const store::Value p[] = {m.now(), HashBlob(token)};
  return conn
      ->Exec("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL", p)
      .status();
}

Result<std::vector<Session>> AccountService::Sessions(std::string_view account_id,
                                                      std::string_view current_token) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
  const store::Value p[] = {std::string(account_id)};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT id, account, created_at, last_seen, place, "
                                          "browser, token_hash FROM sessions WHERE account = $1 "
                                          "AND revoked_at IS NULL ORDER BY created_at DESC, id",
                                          p));
  const store::Blob current = current_token.empty() ? store::Blob{} : HashBlob(current_token);
  std::vector<Session> out;
  const std::int64_t now = m.now();
  for (const auto& r : rows) {
    Session s = m.ToSession(r);
    if (now >= s.expires_at) continue;
    s.current = !current.empty() && r.Bytes(6) == current;
    out.push_back(std::move(s));
  }
  return out;
}

Status AccountService::RevokeSession(std::string_view account_id, std::string_view session_id) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
  const store::Value p[] = {m.now(), std::string(session_id), std::string(account_id)};
  ASSIGN_OR_RETURN(std::int64_t n, conn->Exec("UPDATE sessions SET revoked_at = $1 WHERE id = $2 "
                                              "AND account = $3 AND revoked_at IS NULL",
                                              p));
  if (n == 0) return NotFound("no such session");
  return Status::Ok();
}

Status AccountService::RevokeAllSessions(std::string_view account_id) {
  return impl_->RevokeAll(account_id);
}

Result<Profile> AccountService::GetProfile(std::string_view account_id) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(account_id));
  Profile p;
  p.account_id = row.id;
  p.state = row.state;
  ASSIGN_OR_RETURN(p.login, m.LoginOf(row));
  ASSIGN_OR_RETURN(p.display_name, m.Read(row.id, kNameField, Purpose::kService));
  ASSIGN_OR_RETURN(p.enterprise, m.ReadOptional(row.id, kEnterpriseField));
  ASSIGN_OR_RETURN(p.birth_date, m.Read(row.id, kBirthField, Purpose::kService));
  p.minor = row.minor;
  p.must_reset_password = row.must_reset;
  p.created_at = row.created_at;
  return p;
}

Result<RegistrationRecord> AccountService::GetRegistrationRecord(std::string_view account_id) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(std::string text, m.Read(account_id, kRecordField, Purpose::kService));
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return Internal("accounts: the registration record does not parse");
  const auto& o = v.as_object();
  auto str = [&](const char* k) {
    const auto* f = o.if_contains(k);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  RegistrationRecord r;
  r.login = str("login");
  r.display_name = str("display_name");
  r.enterprise = str("enterprise");
  r.birth_date = str("birth_date");
  r.guardian = str("guardian");
  const auto* at = o.if_contains("registered_at");
  r.registered_at = at && at->is_int64() ? at->as_int64() : 0;
  return r;
}

Status AccountService::UpdateProfile(std::string_view account_id, const ProfileUpdate& update) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(account_id));
  std::optional<std::string> name, enterprise;
  if (update.display_name) {
    name = Trim(*update.display_name);
    RETURN_IF_ERROR(CheckText("display_name", *name, kMaxNameChars, /*required=*/true));
  }
  if (update.enterprise) {
    enterprise = Trim(*update.enterprise);
    RETURN_IF_ERROR(CheckText("enterprise", *enterprise, kMaxEnterpriseChars, false));
  }
  if (name) {
    ASSIGN_OR_RETURN(std::string old, m.Read(row.id, kNameField, Purpose::kService));
    if (old != *name) {
      RETURN_IF_ERROR(m.gate.Write(row.id, kNameField, *name));
      RETURN_IF_ERROR(m.AppendHistory(row.id, "display_name", old, *name));
    }
  }
  if (enterprise) {
    ASSIGN_OR_RETURN(std::string old, m.ReadOptional(row.id, kEnterpriseField));
    if (old != *enterprise) {
      RETURN_IF_ERROR(m.gate.Write(row.id, kEnterpriseField, *enterprise));
      RETURN_IF_ERROR(m.AppendHistory(row.id, "enterprise", old, *enterprise));
    }
  }
  return Status::Ok();
}

Result<std::vector<ProfileChange>> AccountService::ProfileHistory(std::string_view account_id) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
  const store::Value p[] = {std::string(account_id)};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT id, at, sealed FROM profile_history WHERE "
                                          "account = $1 ORDER BY n",
                                          p));
  std::vector<ProfileChange> out;
  for (const auto& r : rows) {
    const std::string id = r.Text(0);
    ASSIGN_OR_RETURN(std::string text,
                     m.gate.Open(account_id, kHistoryField, r.Bytes(2),
                                 {"profile_history", "sealed", id}, Purpose::kService, account_id));
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return Internal("accounts: a history entry does not parse");
    const auto& o = v.as_object();
    auto str = [&](const char* k) {
      const auto* f = o.if_contains(k);
      return f && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    out.push_back({str("field"), str("old"), str("new"), r.Int(1)});
  }
  return out;
}

Status AccountService::RequestLoginChange(std::string_view account_id, std::string_view new_login,
                                          std::string_view password, const Client& client,
                                          std::int64_t* retry_after) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(account_id));
  RETURN_IF_ERROR(m.Reauthenticate(row, password, client, retry_after));
  ASSIGN_OR_RETURN(std::string login, CanonicalLogin(Trim(new_login)));
  ASSIGN_OR_RETURN(std::string current, m.LoginOf(row));
  if (login == current) return InvalidArgument("login: this is already your login");
  RETURN_IF_ERROR(m.login_changes.CheckNoOpenWindow(row.id));
  ASSIGN_OR_RETURN(bool taken, m.login_changes.Taken(login));
  if (taken) return AlreadyExists("login: this phone number or e-mail is already registered");
  return m.SendLoginChangeCode(row, login, client);
}

Status AccountService::ConfirmLoginChange(std::string_view account_id, std::string_view new_login,
                                          std::string_view code) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(account_id));
  ASSIGN_OR_RETURN(std::string login, CanonicalLogin(Trim(new_login)));
  RETURN_IF_ERROR(m.CheckCode(row.id, "change_login", code, login));
  ASSIGN_OR_RETURN(std::string old, m.LoginOf(row));
  return m.login_changes.Apply(row.id, old, login);
}

Result<LoginRevert> AccountService::GetLoginRevert(std::string_view token) {
  return impl_->login_changes.Describe(token);
}

Status AccountService::RevertLoginChange(std::string_view token) {
  return impl_->login_changes.RevertWithToken(token);
}

Status AccountService::ChangePassword(std::string_view account_id, std::string_view current,
                                      std::string_view next, std::string_view keep_session_token) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(account_id));
  ASSIGN_OR_RETURN(std::string hash, m.Read(row.id, kPasswordField, Purpose::kSecurity));
  if (!crypto::VerifyPassword(hash, current)) {
    return Unauthenticated("the current password is wrong");
  }
  ASSIGN_OR_RETURN(std::string login, m.LoginOf(row));
  ASSIGN_OR_RETURN(std::string name, m.Read(row.id, kNameField, Purpose::kService));
  const std::vector<std::string> personal = {login, name};
  RETURN_IF_ERROR(CheckNewPassword(next, personal));
  ASSIGN_OR_RETURN(std::string fresh, crypto::HashPassword(next));
  RETURN_IF_ERROR(m.gate.Write(row.id, kPasswordField, fresh));
  return m.RevokeAll(row.id, keep_session_token);
}

Status AccountService::RequestPasswordReset(std::string_view login, const Client& client,
                                            std::int64_t* retry_after) {
  return impl_->RequestCode(
      login, client, "reset", [](const Impl::Row&) { return true; }, retry_after);
}

Status AccountService::ResetPassword(std::string_view login, std::string_view code,
                                     std::string_view next, const Client& client,
                                     std::int64_t* retry_after) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(std::string canonical, CanonicalLogin(login));
  ASSIGN_OR_RETURN(auto owner, m.FindOwner(canonical));
  const std::string previous = owner ? owner->previous : std::string();
  const std::string kind = CodePurpose("reset", previous);
  ASSIGN_OR_RETURN(auto loaded, m.Load(owner ? owner->account : std::string()));
  // The code first: the password rules speak only to the holder of the code.
  RETURN_IF_ERROR(m.codes.Check(canonical, client.ip,
                                loaded ? std::optional<std::string>(loaded->id) : std::nullopt,
                                kind, code, previous, /*consume=*/false, retry_after));
  const Impl::Row& row = *loaded;
  ASSIGN_OR_RETURN(std::string current_login, m.LoginOf(row));
  ASSIGN_OR_RETURN(std::string name, m.Read(row.id, kNameField, Purpose::kService));
  std::vector<std::string> personal = {current_login, name};
  if (!owner->previous.empty()) personal.push_back(owner->previous);
  RETURN_IF_ERROR(CheckNewPassword(next, personal));  // before the code is spent
  RETURN_IF_ERROR(m.codes.Consume(row.id, kind));
  // Proven by the previous login: the change it did not make is undone first.
  if (!previous.empty()) RETURN_IF_ERROR(m.login_changes.Revert(row.id));
  ASSIGN_OR_RETURN(std::string fresh, crypto::HashPassword(next));
  RETURN_IF_ERROR(m.gate.Write(row.id, kPasswordField, fresh));
  {
    ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
    const store::Value p[] = {m.now(), row.id};
    RETURN_IF_ERROR(
        conn->Exec("UPDATE accounts SET must_reset = 0, updated_at = $1 WHERE id = $2", p)
            .status());
  }
  return m.RevokeAll(row.id);
}

namespace {

struct LinkRow {
  std::string account;
  std::int64_t expires_at;
  bool confirmed;
  bool withdrawn;
};

Result<LinkRow> FindLink(store::Database& db, std::string_view token) {
  if (token.size() != 64) return NotFound("no such guardian link");
  ASSIGN_OR_RETURN(auto conn, db.Acquire());
  const store::Value p[] = {HashBlob(token)};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT account, expires_at, confirmed_at, "
                                          "withdrawn_at FROM guardian_links WHERE "
                                          "token_hash = $1",
                                          p));
  if (rows.empty()) return NotFound("no such guardian link");
  const auto& r = rows[0];
  return LinkRow{r.Text(0), r.Int(1), !r.IsNull(2), !r.IsNull(3)};
}

}  // namespace

Result<GuardianRequest> AccountService::GetGuardianRequest(std::string_view token) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(LinkRow link, FindLink(m.db, token));
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(link.account));
  GuardianRequest g;
  g.account_id = row.id;
  // The guardian acts for the child: reading the name is the service the link is for.
  ASSIGN_OR_RETURN(g.child_display_name,
                   m.gate.Read(row.id, kNameField, Purpose::kService, "guardian:" + row.id));
  g.under_sensitive_age = row.under_sensitive_age;
  g.confirmed = link.confirmed && !link.withdrawn;
  g.withdrawn = link.withdrawn;
  return g;
}

Status AccountService::GuardianConsent(std::string_view token) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(LinkRow link, FindLink(m.db, token));
  if (link.expires_at < m.now() && !link.confirmed) {
    return FailedPrecondition("this link has expired; the child can register again");
  }
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(link.account));
  if (row.state == AccountState::kPendingVerification) {
    return FailedPrecondition("the account is not verified yet");
  }
  // C5.1: the ledger records who consented (the guardian) under which notice.
  RETURN_IF_ERROR(m.consents.Give(row.id, Purpose::kService, m.settings.policy_version,
                                  privacy::ConsentSource::kGuardian));
  {
    ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
    const store::Value p[] = {m.now(), HashBlob(token)};
    RETURN_IF_ERROR(conn->Exec("UPDATE guardian_links SET confirmed_at = $1, withdrawn_at = NULL "
                               "WHERE token_hash = $2",
                               p)
                        .status());
  }
  return m.SetState(row.id, AccountState::kActive);
}

Status AccountService::GuardianWithdraw(std::string_view token) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(LinkRow link, FindLink(m.db, token));
  if (!link.confirmed || link.withdrawn)
    return FailedPrecondition("there is no consent to withdraw");
  Status s = m.consents.Withdraw(link.account, Purpose::kService);
  if (!s.ok() && s.code() != Code::kNotFound) return s;
  {
    ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
    const store::Value p[] = {m.now(), HashBlob(token)};
    RETURN_IF_ERROR(
        conn->Exec("UPDATE guardian_links SET withdrawn_at = $1 WHERE token_hash = $2", p)
            .status());
  }
  RETURN_IF_ERROR(m.SetState(link.account, AccountState::kSuspended));
  return m.RevokeAll(link.account);
}

Result<std::string> AccountService::ReportMisuse(std::string_view account_id,
                                                 std::string_view note) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(account_id));
  return m.Misuse(row, "session", note);
}

Status AccountService::RequestMisuseCode(std::string_view login, const Client& client,
                                         std::int64_t* retry_after) {
  return impl_->RequestCode(
      login, client, "misuse", [](const Impl::Row&) { return true; }, retry_after);
}

Result<std::string> AccountService::ReportMisuseWithCode(std::string_view login,
                                                         std::string_view code,
                                                         std::string_view note,
                                                         const Client& client,
                                                         std::int64_t* retry_after) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(std::string canonical, CanonicalLogin(login));
  // The note is checked before the code, the same for every login, so a bad note
  // does not spend the code.
  if (note.size() > kMaxNoteBytes) {
    return InvalidArgument("note: at most " + std::to_string(kMaxNoteBytes) + " bytes");
  }
  if (!CountCodePoints(note)) return InvalidArgument("note: must be valid UTF-8 text");
  ASSIGN_OR_RETURN(auto owner, m.FindOwner(canonical));
  const std::string previous = owner ? owner->previous : std::string();
  ASSIGN_OR_RETURN(auto loaded, m.Load(owner ? owner->account : std::string()));
  RETURN_IF_ERROR(m.codes.Check(canonical, client.ip,
                                loaded ? std::optional<std::string>(loaded->id) : std::nullopt,
                                CodePurpose("misuse", previous), code, previous,
                                /*consume=*/true, retry_after));
  Impl::Row row = *loaded;
  if (!previous.empty()) {
    // Proven by the previous login: the change it did not make is undone first.
    RETURN_IF_ERROR(m.login_changes.Revert(row.id));
    ASSIGN_OR_RETURN(row, m.MustLoad(row.id));  // the login's kind may be back to the old one
  }
  return m.Misuse(row, "code", note);
}

Result<std::vector<LoginEvent>> AccountService::RecentLogins(std::string_view account_id,
                                                             int limit) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
  const store::Value p[] = {std::string(account_id), std::int64_t{std::clamp(limit, 1, 100)}};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT at, place, browser, succeeded FROM "
                                          "login_events WHERE account = $1 "
                                          "ORDER BY at DESC, id DESC LIMIT $2",
                                          p));
  std::vector<LoginEvent> out;
  for (const auto& r : rows) out.push_back({r.Int(0), r.Text(1), r.Text(2), r.Int(3) != 0});
  return out;
}

Status AccountService::DeleteAccount(std::string_view account_id, std::string_view confirmation) {
  Impl& m = *impl_;
  ASSIGN_OR_RETURN(Impl::Row row, m.MustLoad(account_id));
  ASSIGN_OR_RETURN(std::string login, m.LoginOf(row));
  auto typed = CanonicalLogin(Trim(confirmation));
  if (!typed.ok() || *typed != login) {
    return InvalidArgument("confirm: type the account's phone number or e-mail to delete it");
  }
  RETURN_IF_ERROR(m.RevokeAll(row.id));
  // Crypto-shredding first: once the key is gone nothing of the account opens,
  // in this database or any copy of it.
  RETURN_IF_ERROR(m.gate.Erase(row.id));
  ASSIGN_OR_RETURN(auto conn, m.db.Acquire());
  store::Transaction tx(*conn);
  RETURN_IF_ERROR(tx.begin_status());
  const store::Value p[] = {row.id};
  for (const char* sql :
       {"DELETE FROM sessions WHERE account = $1", "DELETE FROM one_time_codes WHERE account = $1",
        "DELETE FROM login_events WHERE account = $1",
        "DELETE FROM profile_history WHERE account = $1",
        "DELETE FROM misuse_reports WHERE account = $1",
        "DELETE FROM guardian_links WHERE account = $1", "DELETE FROM outbox WHERE account = $1",
        "DELETE FROM accounts WHERE id = $1"}) {
    RETURN_IF_ERROR(conn->Exec(sql, p).status());
  }
  return tx.Commit();
}

void AccountService::WaitIdle() { impl_->requests.WaitIdle(); }

}  // namespace yz::accounts
