// Login throttling that an attacker cannot turn against the owner (issue 15
// defect 1), after OWASP's "Slow Down Online Guessing Attacks with Device Cookies".
//
// A successful login gives the browser a device cookie for that login: an issue
// time, a random nonce and a keyed MAC over the login, time and nonce (no login in
// the clear). A login attempt that presents a valid device cookie for the login it
// names is a trusted client: it is counted against that cookie alone (5 failures
// in 15 minutes lock the cookie out, not the account). Every other attempt is an
// untrusted client: counted per login (5 in 15 minutes) and per client network
// (20 in 15 minutes). So an attacker who locks a login out locks out only untrusted
// clients; the owner's browsers that logged in before keep their own allowance.
//
// An unknown login is counted exactly as an existing one, so the throttle answers
// the same for both.
//
// Thread-safety: thread-safe; the throttle outlives the guard.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "accounts/throttle.h"
#include "core/status.h"

namespace yz::accounts {

inline constexpr Limit kLoginTriesPerLogin{"login-untrusted", 5, 15 * 60};
inline constexpr Limit kLoginTriesPerClient{"login-client", 20, 15 * 60};
inline constexpr Limit kLoginTriesPerDevice{"login-device", 5, 15 * 60};
inline constexpr std::int64_t kDeviceCookieSeconds = 180 * 24 * 3600;

class LoginGuard {
 public:
  LoginGuard(Throttle& throttle, std::function<std::int64_t()> now);

  struct Attempt {
    std::string login;    // canonical
    std::string network;  // the client network (ClientNetwork)
    std::string device;   // the device cookie's nonce when it is valid for the login
    bool trusted() const { return !device.empty(); }
  };
  // Counts one password try for `login` (canonical) before the password is
  // checked. ResourceExhausted with the seconds to wait in *retry_after when the
  // device cookie, or (untrusted) the login or the client network, is locked out.
  Result<Attempt> Begin(std::string_view login, std::string_view client_ip,
                        std::string_view device_cookie, std::int64_t* retry_after);
  // The password was right: the counts the try went to start again (the client
  // network only gets its try back, since it may be trying other logins).
  Status Succeeded(const Attempt& attempt);

  // A fresh device cookie value for `login` (canonical).
  std::string IssueCookie(std::string_view login) const;
  // The cookie's nonce if it is a valid, unexpired device cookie for `login`; "" if not.
  std::string DeviceOf(std::string_view cookie, std::string_view login) const;

 private:
  std::string Sign(std::string_view login, std::string_view issued, std::string_view nonce) const;

  Throttle& throttle_;
  std::function<std::int64_t()> now_;
};

}  // namespace yz::accounts
