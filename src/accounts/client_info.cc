#include "accounts/client_info.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>

namespace yz::accounts {

std::string CoarsePlace(std::string_view ip_view) {
  const std::string ip(ip_view);
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    auto* b = reinterpret_cast<unsigned char*>(&v4);
    return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + ".0/24";
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    std::memset(reinterpret_cast<unsigned char*>(&v6) + 6, 0, 10);  // keep 48 bits
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &v6, buf, sizeof buf)) return std::string(buf) + "/48";
  }
  return "unknown";
}

namespace {

// The digits after `token` (e.g. "Chrome/" -> "120"), or empty.
std::string MajorAfter(std::string_view ua, std::string_view token) {
  const auto at = ua.find(token);
  if (at == std::string_view::npos) return {};
  std::string digits;
  for (std::size_t i = at + token.size(); i < ua.size() && ua[i] >= '0' && ua[i] <= '9'; ++i) {
    digits += ua[i];
  }
  return digits;
}

}  // namespace

std::string BrowserLabel(std::string_view ua) {
  // Order matters: many browsers also claim to be Chrome and Safari.
  struct Rule {
    std::string_view token;
    std::string_view family;
  };
  static constexpr std::array<Rule, 10> kRules = {{
      {"MicroMessenger/", "WeChat"},
      {"EdgA/", "Edge"},
      {"Edg/", "Edge"},
      {"OPR/", "Opera"},
      {"YaBrowser/", "Yandex"},
      {"SamsungBrowser/", "Samsung Internet"},
      {"UCBrowser/", "UC Browser"},
      {"Firefox/", "Firefox"},
      {"Chrome/", "Chrome"},
      {"HeadlessChrome/", "Chrome"},
  }};
  for (const Rule& r : kRules) {
    std::string major = MajorAfter(ua, r.token);
    if (!major.empty()) return std::string(r.family) + " " + major;
  }
  if (ua.find("Safari/") != std::string_view::npos) {
    std::string major = MajorAfter(ua, "Version/");
    return major.empty() ? "Safari" : "Safari " + major;
  }
  return "unknown";
}

std::optional<int> AgeOn(std::string_view date, std::int64_t now) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto parse = [&](std::size_t pos, std::size_t len, auto& out) {
    auto r = std::from_chars(date.data() + pos, date.data() + pos + len, out);
    return r.ec == std::errc() && r.ptr == date.data() + pos + len;
  };
  if (!parse(0, 4, y) || !parse(5, 2, m) || !parse(8, 2, d)) return std::nullopt;
  using namespace std::chrono;
  const year_month_day birth{year{y}, month{m}, day{d}};
  if (!birth.ok()) return std::nullopt;
  const year_month_day today{floor<days>(sys_seconds{seconds{now}})};
  if (sys_days{birth} > sys_days{today}) return std::nullopt;
  int age = static_cast<int>(today.year()) - y;
  if (today.month() < birth.month() ||
      (today.month() == birth.month() && today.day() < birth.day())) {
    --age;
  }
  return age;
}

}  // namespace yz::accounts
