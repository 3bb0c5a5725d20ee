#include "accounts/one_time_codes.h"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "core/random.h"
#include "crypto/digest.h"

namespace yz::accounts {
namespace {

constexpr std::string_view kCodeField = "account.one_time_code";
constexpr std::string_view kWrongCode = "wrong or expired code";
constexpr std::string_view kDummySubject = "accounts:no-such-login";

std::string CodeHash(std::string_view code, std::string_view context) {
  std::string text(code);
  if (!context.empty()) text.append("\n").append(context);
  return crypto::Sha256Hex(text);
}

// A six-digit code, uniformly drawn.
std::string NewCode() {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", randombytes_uniform(1000000));
  return buf;
}

Status Throttled(std::int64_t wait, std::int64_t* retry_after, std::string_view what) {
  if (retry_after) *retry_after = wait;
  return ResourceExhausted(std::string(what) + "; try again in " + std::to_string(wait) +
                           " seconds");
}

}  // namespace

std::string ClientNetwork(std::string_view ip) {
  in6_addr v6{};
  const std::string text(ip);
  if (text.find(':') == std::string::npos || ::inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
    return text;
  }
  std::fill(v6.s6_addr + 8, v6.s6_addr + 16, 0);
  char out[INET6_ADDRSTRLEN];
  if (::inet_ntop(AF_INET6, &v6, out, sizeof out) == nullptr) return text;
  return std::string(out) + "/64";
}

OneTimeCodes::OneTimeCodes(store::Database& db, privacy::Gate& gate, Throttle& throttle,
                           std::int64_t ttl_seconds, std::function<std::int64_t()> now)
    : db_(db), gate_(gate), throttle_(throttle), ttl_(ttl_seconds), now_(std::move(now)) {}

Status OneTimeCodes::AllowIssue(std::string_view login, std::string_view client_ip,
                                std::int64_t* retry_after) {
  const std::string network = ClientNetwork(client_ip);
  const bool client = !network.empty();
  std::int64_t wait = 0;
  if (client) {
    ASSIGN_OR_RETURN(wait, throttle_.RetryAfter(kCodeIssuesPerClient, network));
  }
  if (wait == 0) {
    ASSIGN_OR_RETURN(wait, throttle_.RetryAfter(kCodeIssuesPerLogin, login));
  }
  if (wait == 0 && client) {
    ASSIGN_OR_RETURN(wait, throttle_.Take(kCodeIssuesPerClient, network));
  }
  if (wait == 0) {
    ASSIGN_OR_RETURN(wait, throttle_.Take(kCodeIssuesPerLogin, login));
  }
  if (wait > 0) return Throttled(wait, retry_after, "too many codes asked for");
  return Status::Ok();
}

Result<std::string> OneTimeCodes::Issue(store::Connection& conn, std::string_view account,
                                        std::string_view kind, std::string_view context) {
  const std::string code = NewCode();
  const std::string id = "code_" + RandomHex(16);
  ASSIGN_OR_RETURN(auto sealed, gate_.Seal(account, kCodeField, CodeHash(code, context),
                                           {"one_time_codes", "code_hash", id}));
  const store::Value del[] = {std::string(account), std::string(kind)};
  RETURN_IF_ERROR(
      conn.Exec("DELETE FROM one_time_codes WHERE account = $1 AND purpose = $2", del).status());
  const store::Value ins[] = {id, std::string(account), std::string(kind),
                              store::Blob(std::move(sealed)), now_() + ttl_};
  RETURN_IF_ERROR(conn.Exec("INSERT INTO one_time_codes (id, account, purpose, code_hash, "
                            "expires_at, attempts) VALUES ($1, $2, $3, $4, $5, 0)",
                            ins)
                      .status());
  return code;
}

Status OneTimeCodes::Check(std::string_view login, std::string_view client_ip,
                           const std::optional<std::string>& account, std::string_view kind,
                           std::string_view code, std::string_view context, bool consume,
                           std::int64_t* retry_after) {
  const std::string network = ClientNetwork(client_ip);
  const std::string login_kind = std::string(kind) + "\n" + std::string(login);
  const bool client = !network.empty();
  // A blocked client is refused before any try is counted or any code read.
  std::int64_t wait = 0;
  if (client) {
    ASSIGN_OR_RETURN(wait, throttle_.RetryAfter(kCodeTriesPerClient, network));
  }
  if (wait == 0) {
    ASSIGN_OR_RETURN(wait, throttle_.RetryAfter(kCodeTriesPerLogin, login_kind));
  }
  if (wait == 0 && client) {
    ASSIGN_OR_RETURN(wait, throttle_.Take(kCodeTriesPerClient, network));
  }
  if (wait == 0) {
    ASSIGN_OR_RETURN(wait, throttle_.Take(kCodeTriesPerLogin, login_kind));
  }
  if (wait > 0) return Throttled(wait, retry_after, "too many wrong codes");

  // The same queries and one gate open on every path: an unknown login, a login
  // without a live code, and a login with one.
  const std::int64_t now = now_();
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value sel[] = {account.value_or(""), std::string(kind)};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT id, code_hash, expires_at FROM "
                                          "one_time_codes WHERE account = $1 AND purpose = $2 "
                                          "AND used_at IS NULL",
                                          sel));
  const bool live = account && !rows.empty() && rows[0].Int(2) >= now;
  std::string expected;
  if (live) {
    const std::string id = rows[0].Text(0);
    ASSIGN_OR_RETURN(expected, gate_.Open(*account, kCodeField, rows[0].Bytes(1),
                                          {"one_time_codes", "code_hash", id},
                                          privacy::Purpose::kSecurity, *account));
  } else {
    // Sealed once per call (the key is cached after the first): the cost of a real open.
    auto sealed = gate_.Seal(kDummySubject, kCodeField, CodeHash(code, "dummy"),
                             {"one_time_codes", "code_hash", "dummy"});
    if (sealed.ok()) {
      (void)gate_.Open(kDummySubject, kCodeField, *sealed, {"one_time_codes", "code_hash", "dummy"},
                       privacy::Purpose::kSecurity, kDummySubject);
    }
  }
  const std::string given = CodeHash(code, context);
  const bool right = live && expected.size() == given.size() &&
                     sodium_memcmp(expected.data(), given.data(), given.size()) == 0;
  if (!right) return InvalidArgument(std::string(kWrongCode));
  // The holder proved the login: its count starts again; the client's try is given back.
  RETURN_IF_ERROR(throttle_.Clear(kCodeTriesPerLogin, login_kind));
  if (client) RETURN_IF_ERROR(throttle_.Refund(kCodeTriesPerClient, network));
  if (!consume) return Status::Ok();
  return Consume(*account, kind);
}

Status OneTimeCodes::Consume(std::string_view account, std::string_view kind) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value upd[] = {std::string(account), std::string(kind), now_()};
  ASSIGN_OR_RETURN(std::int64_t used, conn->Exec("UPDATE one_time_codes SET used_at = $3 "
                                                 "WHERE account = $1 AND purpose = $2 "
                                                 "AND used_at IS NULL",
                                                 upd));
  if (used != 1) return InvalidArgument(std::string(kWrongCode));  // a racing twin won
  return Status::Ok();
}

}  // namespace yz::accounts
