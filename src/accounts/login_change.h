// Changing the login (C1.2) without handing the account to whoever holds a session
// (issue 15 defect 6). AccountService (accounts.h) asks for the password and the
// code that proves the new login; this class does the rest:
//
// - Apply: the change itself. The previous login is kept for the revert window
//   (Settings::login_revert_seconds, 7 days), blind-indexed through the gate
//   (fields account.previous_login_phone / _email), and stays reserved: nobody can
//   register it or move to it meanwhile. The previous login receives a link,
//   /login-change/revert/{token}, whose token is "<account id>.<64 hex>"; only the
//   SHA-256 of the random part is kept (sealed in account.login_revert, one per
//   account). While a window is open the account cannot change its login again,
//   so the login to go back to is never replaced.
// - Revert (with the link, or after a code sent to the previous login proves its
//   holder: AccountService's password reset and misuse report): the previous login
//   becomes the login again, every session is revoked, a password reset is
//   required (whoever made the change knew the password), the change joins the
//   history, and the link stops working. The login it replaced no longer signs in.
// - FindByPrevious: the account a previous login still names, so a reset or
//   misuse code requested for it reaches it.
//
// Records whose window closed are removed when next read (and the previous login
// with them).
//
// Blocking: database work on the caller's thread (call from the worker pool).
// Thread-safety: thread-safe; references given to the constructor outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "accounts/accounts.h"
#include "accounts/outbox.h"
#include "core/status.h"
#include "privacy/gate.h"
#include "store/database.h"

namespace yz::accounts {

class LoginChanges {
 public:
  // What the flow borrows from AccountService.
  struct Hooks {
    std::function<Status(std::string_view account)> revoke_all_sessions;
    std::function<Status(std::string_view account, std::string_view field,
                         std::string_view old_value, std::string_view new_value)>
        append_history;
  };

  LoginChanges(store::Database& db, privacy::Gate& gate, Outbox& outbox,
               const Settings& settings, std::function<std::int64_t()> now, Hooks hooks);

  // `canonical` is an account's login, or a previous login inside its window.
  Result<bool> Taken(std::string_view canonical);
  // The account whose previous login is `canonical`, while its window is open.
  Result<std::optional<std::string>> FindByPrevious(std::string_view canonical);
  // FailedPrecondition while the account's last change can still be reverted.
  Status CheckNoOpenWindow(std::string_view account);

  // Makes `new_login` (canonical, proven) the account's login in place of
  // `old_login`, and sends the revert link to `old_login`. AlreadyExists if
  // another account took or reserved `new_login` meanwhile; nothing changes then.
  Status Apply(std::string_view account, std::string_view old_login, std::string_view new_login);

  // What a revert link is about; NotFound (one message) for a token that is
  // unknown, used or past its window.
  Result<LoginRevert> Describe(std::string_view token);
  // Reverts with the link's token; NotFound as Describe. FailedPrecondition if the
  // previous login was meanwhile taken by another account.
  Status RevertWithToken(std::string_view token);
  // Reverts the account's open change (its previous login's holder proved
  // themselves with a code); Ok if there is none.
  Status Revert(std::string_view account);

 private:
  struct Window;
  Result<std::optional<Window>> OpenWindow(std::string_view account);
  Status Close(std::string_view account);
  Status RevertWindow(std::string_view account, const Window& w);

  store::Database& db_;
  privacy::Gate& gate_;
  Outbox& outbox_;
  const Settings& settings_;
  std::function<std::int64_t()> now_;
  Hooks hooks_;
};

}  // namespace yz::accounts
