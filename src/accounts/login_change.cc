#include "accounts/login_change.h"

#include <sodium.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/random.h"
#include "crypto/digest.h"

namespace yz::accounts {
namespace {

using privacy::Purpose;

constexpr std::string_view kRevertField = "account.login_revert";
constexpr std::string_view kNoSuchLink = "no such link, or it has expired or been used";

bool IsEmail(std::string_view login) { return login.find('@') != std::string_view::npos; }
std::string_view Kind(std::string_view login) { return IsEmail(login) ? "email" : "phone"; }
std::string LoginField(std::string_view kind) { return "registration.login_" + std::string(kind); }
std::string PreviousField(std::string_view kind) {
  return "account.previous_login_" + std::string(kind);
}

}  // namespace

// An open revert window: which previous login it keeps, and the link's hash.
struct LoginChanges::Window {
  std::string kind;        // of the previous login: "phone" | "email"
  std::string token_hash;  // SHA-256 hex of the link's random part
  std::int64_t changed_at = 0;
  std::int64_t expires_at = 0;
};

LoginChanges::LoginChanges(store::Database& db, privacy::Gate& gate, Outbox& outbox,
                           const Settings& settings, std::function<std::int64_t()> now, Hooks hooks)
    : db_(db),
      gate_(gate),
      outbox_(outbox),
      settings_(settings),
      now_(std::move(now)),
      hooks_(std::move(hooks)) {}

Result<std::optional<LoginChanges::Window>> LoginChanges::OpenWindow(std::string_view account) {
  auto text = gate_.Read(account, kRevertField, Purpose::kSecurity, account);
  if (!text.ok() && text.status().code() == Code::kNotFound) return std::optional<Window>();
  if (!text.ok()) return text.status();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*text, ec);
  if (ec || !v.is_object()) return Internal("accounts: a login revert record does not parse");
  const auto& o = v.as_object();
  Window w;
  if (const auto* f = o.if_contains("kind"); f && f->is_string())
    w.kind = std::string(f->as_string());
  if (const auto* f = o.if_contains("token_sha256"); f && f->is_string()) {
    w.token_hash = std::string(f->as_string());
  }
  if (const auto* f = o.if_contains("changed_at"); f && f->is_int64()) w.changed_at = f->as_int64();
  if (const auto* f = o.if_contains("expires_at"); f && f->is_int64()) w.expires_at = f->as_int64();
  if (w.kind != "phone" && w.kind != "email") {
    return Internal("accounts: a login revert record names no login kind");
  }
  if (w.expires_at <= now_()) {
    RETURN_IF_ERROR(Close(account));  // past its retention: the previous login goes too
    return std::optional<Window>();
  }
  return std::optional<Window>(std::move(w));
}

Status LoginChanges::Close(std::string_view account) {
  RETURN_IF_ERROR(gate_.Remove(account, PreviousField("phone")));
  RETURN_IF_ERROR(gate_.Remove(account, PreviousField("email")));
  return gate_.Remove(account, kRevertField);
}

Result<std::optional<std::string>> LoginChanges::FindByPrevious(std::string_view canonical) {
  const std::string field = PreviousField(Kind(canonical));
  // A closed window whose record was not read since may still hold the login:
  // closing it lets the next lookup find a newer holder. Few such rows can exist
  // for one login, since a reserved login cannot be taken by another account.
  for (int i = 0; i < 8; ++i) {
    ASSIGN_OR_RETURN(auto account, gate_.FindSubject(field, canonical));
    if (!account) return account;
    ASSIGN_OR_RETURN(auto window, OpenWindow(*account));
    if (window) return account;
    RETURN_IF_ERROR(Close(*account));
  }
  return Internal("accounts: too many stale records of one previous login");
}

Result<bool> LoginChanges::Taken(std::string_view canonical) {
  ASSIGN_OR_RETURN(auto owner, gate_.FindSubject(LoginField(Kind(canonical)), canonical));
  if (owner) return true;
  ASSIGN_OR_RETURN(auto reserved, FindByPrevious(canonical));
  return reserved.has_value();
}

Status LoginChanges::CheckNoOpenWindow(std::string_view account) {
  ASSIGN_OR_RETURN(auto window, OpenWindow(account));
  if (window) {
    return FailedPrecondition(
        "login: it was changed less than 7 days ago; it can change again once the previous "
        "login can no longer undo that change");
  }
  return Status::Ok();
}

Status LoginChanges::Apply(std::string_view account, std::string_view old_login,
                           std::string_view new_login) {
  RETURN_IF_ERROR(CheckNoOpenWindow(account));
  ASSIGN_OR_RETURN(auto reserved, FindByPrevious(new_login));
  if (reserved) return AlreadyExists("login: this phone number or e-mail is already registered");

  // The way back is recorded before anything changes.
  const std::string secret = RandomHex(32);
  const std::string token = std::string(account) + "." + secret;
  const std::int64_t now = now_();
  const std::string_view old_kind = Kind(old_login);
  boost::json::object record{{"kind", old_kind},
                             {"token_sha256", crypto::Sha256Hex(secret)},
                             {"changed_at", now},
                             {"expires_at", now + settings_.login_revert_seconds}};
  RETURN_IF_ERROR(gate_.Write(account, PreviousField(old_kind), old_login));
  RETURN_IF_ERROR(gate_.Write(account, kRevertField, boost::json::serialize(record)));

  // The unique index refuses a login another account took meanwhile.
  const std::string_view new_kind = Kind(new_login);
  if (Status s = gate_.Write(account, LoginField(new_kind), new_login); !s.ok()) {
    (void)Close(account);
    return s.code() == Code::kAlreadyExists
               ? AlreadyExists("login: this phone number or e-mail is already registered")
               : s;
  }
  if (new_kind != old_kind) RETURN_IF_ERROR(gate_.Remove(account, LoginField(old_kind)));
  {
    ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    const store::Value p[] = {std::string(new_kind), now, std::string(account)};
    RETURN_IF_ERROR(
        conn->Exec("UPDATE accounts SET login_kind = $1, updated_at = $2 WHERE id = $3", p)
            .status());
  }
  RETURN_IF_ERROR(hooks_.append_history(account, "login", old_login, new_login));

  // The previous login hears of it, with the way back, in case it was not its holder.
  const std::string link = settings_.public_url + "/login-change/revert/" + token;
  Message m;
  m.account = std::string(account);
  m.to = std::string(old_login);
  m.subject = "永州工业云账号安全通知 / Account security notice";
  m.body =
      "您的登录手机号或邮箱已更改。如非本人操作，请在 7 天内打开以下链接撤销更改："
      "账号将改回本手机号或邮箱，所有登录将被退出，您需要重置密码。\n" +
      link +
      "\n\nYour login phone number or e-mail was changed. If this was not you, open this "
      "link within 7 days to undo the change: the account goes back to this login, every "
      "session ends, and you set a new password.\n" +
      link;
  m.code = token;
  return outbox_.Send(m);
}

Result<LoginRevert> LoginChanges::Describe(std::string_view token) {
  const std::size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.size() - dot - 1 != 64 || dot == 0 || dot > 64) {
    return NotFound(std::string(kNoSuchLink));
  }
  const std::string_view account = token.substr(0, dot);
  auto window = OpenWindow(account);
  if (!window.ok() && window.status().code() != Code::kInternal) {
    return NotFound(std::string(kNoSuchLink));  // an unknown or erased account
  }
  if (!window.ok()) return window.status();
  if (!*window) return NotFound(std::string(kNoSuchLink));
  const std::string given = crypto::Sha256Hex(token.substr(dot + 1));
  const std::string& expected = (*window)->token_hash;
  if (expected.size() != given.size() ||
      sodium_memcmp(expected.data(), given.data(), given.size()) != 0) {
    return NotFound(std::string(kNoSuchLink));
  }
  return LoginRevert{(*window)->changed_at, (*window)->expires_at};
}

Status LoginChanges::RevertWithToken(std::string_view token) {
  RETURN_IF_ERROR(Describe(token).status());
  const std::string_view account = token.substr(0, token.find('.'));
  ASSIGN_OR_RETURN(auto window, OpenWindow(account));
  if (!window) return NotFound(std::string(kNoSuchLink));
  return RevertWindow(account, *window);
}

Status LoginChanges::Revert(std::string_view account) {
  ASSIGN_OR_RETURN(auto window, OpenWindow(account));
  if (!window) return Status::Ok();
  return RevertWindow(account, *window);
}

Status LoginChanges::RevertWindow(std::string_view account, const Window& w) {
  ASSIGN_OR_RETURN(std::string previous,
                   gate_.Read(account, PreviousField(w.kind), Purpose::kSecurity, account));
  std::string current_kind;
  {
    ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    const store::Value p[] = {std::string(account)};
    ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT login_kind FROM accounts WHERE id = $1", p));
    if (rows.empty()) return NotFound(std::string(kNoSuchLink));
    current_kind = rows[0].Text(0);
  }
  ASSIGN_OR_RETURN(std::string current,
                   gate_.Read(account, LoginField(current_kind), Purpose::kSecurity, account));
  if (current != previous) {
    if (Status s = gate_.Write(account, LoginField(w.kind), previous); !s.ok()) {
      return s.code() == Code::kAlreadyExists
                 ? FailedPrecondition("the previous login now belongs to another account")
                 : s;
    }
    if (current_kind != w.kind) RETURN_IF_ERROR(gate_.Remove(account, LoginField(current_kind)));
    RETURN_IF_ERROR(hooks_.append_history(account, "login", current, previous));
  }
  {
    // Whoever made the change knew the password: it must be replaced.
    ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    const store::Value p[] = {w.kind, now_(), std::string(account)};
    RETURN_IF_ERROR(conn->Exec("UPDATE accounts SET login_kind = $1, must_reset = 1, "
                               "updated_at = $2 WHERE id = $3",
                               p)
                        .status());
  }
  RETURN_IF_ERROR(hooks_.revoke_all_sessions(account));
  RETURN_IF_ERROR(Close(account));  // single use: the link stops working
  Message m;
  m.account = std::string(account);
  m.to = previous;
  m.subject = "永州工业云账号安全通知 / Account security notice";
  m.body =
      "登录手机号或邮箱的更改已撤销：账号已改回本手机号或邮箱，所有登录均已退出。"
      "请重置密码后再登录。\n"
      "The login change was undone: the account is back on this login and every session "
      "ended. Reset your password to log in again.";
  return outbox_.Send(m);
}

}  // namespace yz::accounts
