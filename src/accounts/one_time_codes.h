// One-time codes (verify, reset, misuse, change_login): issuing and checking them,
// with the throttles that bound an online guessing attack (issue 15 defect 1).
//
// Wrong tries are counted per login and kind across every code issued, not per
// code, so asking for a new code does not buy new tries; and per client network
// (IPv4 address, IPv6 /64) across every login. Each try is counted before the code
// is compared, so concurrent guesses cannot overshoot; a right code gives its try
// back. Issuing is limited per login and per client network, so nobody can flood a
// login with messages. The limits (kCodeTries..., kCodeIssues...) are the bounds the
// README states.
//
// An unknown login is treated as a login with no code: the same throttles, the same
// queries and the same answer, so a wrong code tells nothing about whether the
// login exists (issue 15 defect 4).
//
// The code's SHA-256 (with the context it is bound to, e.g. the new login it
// proves) is sealed through the gate, field `account.one_time_code`.
//
// Thread-safety: thread-safe; the references given to the constructor outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "accounts/throttle.h"
#include "core/status.h"
#include "privacy/gate.h"
#include "store/database.h"

namespace yz::accounts {

// Wrong codes per login and kind: 10 a day, so one kind's code is guessed with a
// chance of at most 10 / 10^6 per day (20 / 10^6 across a window boundary).
inline constexpr Limit kCodeTriesPerLogin{"code-tries-login", 10, 24 * 3600};
// Wrong codes per client network, over every login and kind: 50 an hour.
inline constexpr Limit kCodeTriesPerClient{"code-tries-client", 50, 3600};
// Codes issued per login (every kind): 5 an hour.
inline constexpr Limit kCodeIssuesPerLogin{"code-issues-login", 5, 3600};
// Codes issued per client network (registrations and code requests): 50 an hour.
inline constexpr Limit kCodeIssuesPerClient{"code-issues-client", 50, 3600};

// An empty client IP (a call made on behalf of a logged-in account, which has no
// client to blame) skips the per-client limits.
//
// The throttle subject of a client IP: the address for IPv4, its /64 for IPv6
// (one subscriber commonly holds a whole /64).
std::string ClientNetwork(std::string_view ip);

class OneTimeCodes {
 public:
  OneTimeCodes(store::Database& db, privacy::Gate& gate, Throttle& throttle,
               std::int64_t ttl_seconds, std::function<std::int64_t()> now);

  // Counts one code issued to `login` (canonical) from `client_ip`.
  // ResourceExhausted with the seconds to wait in *retry_after when over a limit.
  Status AllowIssue(std::string_view login, std::string_view client_ip, std::int64_t* retry_after);
  // A new code for (account, kind) on `conn`, inside the caller's transaction; it
  // replaces the account's earlier codes of the kind. `context` is bound into it.
  Result<std::string> Issue(store::Connection& conn, std::string_view account,
                            std::string_view kind, std::string_view context = {});

  // Checks `code` for `login` (canonical) and kind; `account` is the login's
  // account, nullopt if none. InvalidArgument (one message) for a wrong, expired or
  // absent code or an unknown login; ResourceExhausted (with *retry_after) when
  // the login's or the client's tries are used up. With `consume`, a right code is
  // used up; without, call Consume once the rest of the request is valid.
  Status Check(std::string_view login, std::string_view client_ip,
               const std::optional<std::string>& account, std::string_view kind,
               std::string_view code, std::string_view context, bool consume,
               std::int64_t* retry_after);
  // Uses up the code Check accepted. InvalidArgument if a racing twin did first.
  Status Consume(std::string_view account, std::string_view kind);

 private:
  store::Database& db_;
  privacy::Gate& gate_;
  Throttle& throttle_;
  const std::int64_t ttl_;
  std::function<std::int64_t()> now_;
  std::string dummy_subject_;  // opened for unknown logins, so both paths do the same work
};

}  // namespace yz::accounts
