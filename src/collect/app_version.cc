#include "collect/app_version.h"

#include <algorithm>
#include <utility>

namespace yz::collect {
namespace {

constexpr std::size_t kMaxParts = 8;
constexpr std::size_t kMaxDigits = 9;  // 999,999,999 fits a uint32
constexpr std::size_t kMaxUrl = 2048;

std::string Quoted(std::string_view text) {
  return "\"" + std::string(text.substr(0, 64)) + (text.size() > 64 ? "...\"" : "\"");
}

bool WellFormedUrl(std::string_view url) {
  if (url.size() > kMaxUrl) return false;
  if (!url.starts_with("https://") && !url.starts_with("http://")) return false;
  const std::size_t host = url.find("://") + 3;
  if (host >= url.size() || url[host] == '/') return false;
  return std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

Release ReleaseOf(const store::Row& r) {
  Release out;
  out.platform = r.Text(0);
  out.channel = r.Text(1);
  out.version = r.Text(2);
  out.required = r.Int(3) != 0;
  if (!r.IsNull(4)) out.min_supported = r.Text(4);
  out.url = r.Text(5);
  out.published_at = r.Int(6);
  return out;
}

constexpr std::string_view kSelect =
    "SELECT platform, channel, version, required, min_supported, url, published_at "
    "FROM app_releases";

// Releases with their parsed versions, newest first. A stored version that no
// longer parses (never written by Add) is Internal.
Result<std::vector<std::pair<AppVersion, Release>>> Sorted(store::Rows rows) {
  std::vector<std::pair<AppVersion, Release>> out;
  for (const auto& row : rows) {
    Release r = ReleaseOf(row);
    auto v = AppVersion::Parse(r.version);
    if (!v.ok()) return Internal("app_releases holds a malformed version: " + r.version);
    out.emplace_back(std::move(*v), std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.second.platform != b.second.platform) return a.second.platform < b.second.platform;
    if (a.second.channel != b.second.channel) return a.second.channel < b.second.channel;
    return a.first > b.first;
  });
  return out;
}

}  // namespace

Result<AppVersion> AppVersion::Parse(std::string_view text) {
  AppVersion v;
  const auto bad = [&] {
    return InvalidArgument("version " + Quoted(text) +
                           " must be 1 to 8 dot-separated numbers, like 1.10.0");
  };
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = std::min(text.find('.', start), text.size());
    const std::string_view part = text.substr(start, dot - start);
    if (part.empty() || part.size() > kMaxDigits || v.parts_.size() == kMaxParts) return bad();
    std::uint32_t n = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return bad();
      n = n * 10 + static_cast<std::uint32_t>(c - '0');
    }
    v.parts_.push_back(n);
    if (dot == text.size()) break;
    start = dot + 1;
  }
  return v;
}

std::string AppVersion::MajorMinor() const {
  return std::to_string(parts_[0]) + "." + std::to_string(parts_.size() > 1 ? parts_[1] : 0);
}

std::string AppVersion::ToString() const {
  std::string out;
  for (std::uint32_t p : parts_) {
    if (!out.empty()) out += '.';
    out += std::to_string(p);
  }
  return out;
}

std::strong_ordering operator<=>(const AppVersion& a, const AppVersion& b) {
  const std::size_t n = std::max(a.parts_.size(), b.parts_.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t x = i < a.parts_.size() ? a.parts_[i] : 0;
    const std::uint32_t y = i < b.parts_.size() ? b.parts_[i] : 0;
    if (x != y) return x <=> y;
  }
  return std::strong_ordering::equal;
}

bool WellFormedReleaseName(std::string_view name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Releases::Releases(store::Database& db, std::function<std::int64_t()> now)
    : db_(db), now_(std::move(now)) {}

Status Releases::Add(const Release& release) {
  if (!WellFormedReleaseName(release.platform)) {
    return InvalidArgument("platform must be 1 to 32 characters of a-z, 0-9, _ and -");
  }
  if (!WellFormedReleaseName(release.channel)) {
    return InvalidArgument("channel must be 1 to 32 characters of a-z, 0-9, _ and -");
  }
  ASSIGN_OR_RETURN(AppVersion version, AppVersion::Parse(release.version));
  if (release.min_supported) {
    ASSIGN_OR_RETURN(AppVersion min, AppVersion::Parse(*release.min_supported));
    if (min > version) {
      return InvalidArgument("min_supported " + *release.min_supported +
                             " is newer than the release itself");
    }
  }
  if (!WellFormedUrl(release.url)) {
    return InvalidArgument("url must be an absolute http(s) URL of printable characters");
  }
  return db_.InTransaction([&](store::Connection& conn) -> Status {
    const store::Value key[] = {release.platform, release.channel};
    ASSIGN_OR_RETURN(auto rows,
                     conn.Query("SELECT version FROM app_releases WHERE platform = $1 AND "
                                "channel = $2",
                                key));
    for (const auto& row : rows) {
      auto existing = AppVersion::Parse(row.Text(0));
      if (existing.ok() && *existing == version) {
        return AlreadyExists(release.platform + "/" + release.channel + " already has version " +
                             row.Text(0));
      }
    }
    const store::Value params[] = {
        release.platform,
        release.channel,
        release.version,
        std::int64_t{release.required ? 1 : 0},
        release.min_supported ? store::Value(*release.min_supported) : store::Null(),
        release.url,
        now_()};
    return conn
        .Exec(
            "INSERT INTO app_releases (platform, channel, version, required, min_supported, "
            "url, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params)
        .status();
  });
}

Result<std::vector<Release>> Releases::List() {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  ASSIGN_OR_RETURN(auto rows, conn->Query(kSelect));
  ASSIGN_OR_RETURN(auto sorted, Sorted(std::move(rows)));
  std::vector<Release> out;
  out.reserve(sorted.size());
  for (auto& [v, r] : sorted) out.push_back(std::move(r));
  return out;
}

Result<UpdateAnswer> Releases::Check(std::string_view platform, std::string_view channel,
                                     const AppVersion& current) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value key[] = {std::string(platform), std::string(channel)};
  ASSIGN_OR_RETURN(
      auto rows, conn->Query(std::string(kSelect) + " WHERE platform = $1 AND channel = $2", key));
  ASSIGN_OR_RETURN(auto sorted, Sorted(std::move(rows)));
  UpdateAnswer answer;
  if (sorted.empty()) {
    answer.latest = current.ToString();
    return answer;
  }
  answer.latest = sorted.front().second.version;
  answer.url = sorted.front().second.url;
  for (const auto& [version, release] : sorted) {
    if (version > current && release.required) answer.required = true;
    if (release.min_supported) {
      auto min = AppVersion::Parse(*release.min_supported);
      if (min.ok() && current < *min) answer.required = true;
    }
  }
  return answer;
}

}  // namespace yz::collect
