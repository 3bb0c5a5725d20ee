#include "accounts/login_guard.h"

#include <sodium.h>

#include <charconv>
#include <utility>

#include "accounts/one_time_codes.h"
#include "core/random.h"

namespace yz::accounts {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

LoginGuard::LoginGuard(Throttle& throttle, std::function<std::int64_t()> now)
    : throttle_(throttle), now_(std::move(now)) {}

std::string LoginGuard::Sign(std::string_view login, std::string_view issued,
                             std::string_view nonce) const {
  return Hex(throttle_.Mac("device-cookie", std::string(login) + "\n" + std::string(issued) + "\n" +
                                                std::string(nonce)));
}

std::string LoginGuard::IssueCookie(std::string_view login) const {
  const std::string issued = std::to_string(now_());
  const std::string nonce = RandomHex(16);
  return issued + "." + nonce + "." + Sign(login, issued, nonce);
}

std::string LoginGuard::DeviceOf(std::string_view cookie, std::string_view login) const {
  const std::size_t a = cookie.find('.');
  const std::size_t b = a == std::string_view::npos ? a : cookie.find('.', a + 1);
  if (b == std::string_view::npos || cookie.size() > 200) return "";
  const std::string_view issued = cookie.substr(0, a);
  const std::string_view nonce = cookie.substr(a + 1, b - a - 1);
  const std::string_view mac = cookie.substr(b + 1);
  std::int64_t at = 0;
  auto [end, ec] = std::from_chars(issued.data(), issued.data() + issued.size(), at);
  if (ec != std::errc() || end != issued.data() + issued.size()) return "";
  const std::int64_t now = now_();
  if (at > now + 60 || now - at >= kDeviceCookieSeconds || nonce.size() != 32) return "";
  const std::string expected = Sign(login, issued, nonce);
  if (mac.size() != expected.size() ||
      sodium_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    return "";
  }
  return std::string(nonce);
}

Result<LoginGuard::Attempt> LoginGuard::Begin(std::string_view login, std::string_view client_ip,
                                              std::string_view device_cookie,
                                              std::int64_t* retry_after) {
  Attempt attempt{std::string(login), ClientNetwork(client_ip), DeviceOf(device_cookie, login)};
  std::int64_t wait = 0;
  if (attempt.trusted()) {
    ASSIGN_OR_RETURN(wait, throttle_.RetryAfter(kLoginTriesPerDevice, attempt.device));
    if (wait == 0) {
      ASSIGN_OR_RETURN(wait, throttle_.Take(kLoginTriesPerDevice, attempt.device));
    }
  } else {
    ASSIGN_OR_RETURN(wait, throttle_.RetryAfter(kLoginTriesPerClient, attempt.network));
    if (wait == 0) {
      ASSIGN_OR_RETURN(wait, throttle_.RetryAfter(kLoginTriesPerLogin, login));
    }
    if (wait == 0) {
      ASSIGN_OR_RETURN(wait, throttle_.Take(kLoginTriesPerClient, attempt.network));
    }
    if (wait == 0) {
      ASSIGN_OR_RETURN(wait, throttle_.Take(kLoginTriesPerLogin, login));
    }
  }
  if (wait > 0) {
    if (retry_after) *retry_after = wait;
    return ResourceExhausted("too many failed logins; try again in " + std::to_string(wait) +
                             " seconds");
  }
  return attempt;
}

Status LoginGuard::Succeeded(const Attempt& attempt) {
  if (attempt.trusted()) return throttle_.Clear(kLoginTriesPerDevice, attempt.device);
  RETURN_IF_ERROR(throttle_.Clear(kLoginTriesPerLogin, attempt.login));
  return throttle_.Refund(kLoginTriesPerClient, attempt.network);
}

}  // namespace yz::accounts
