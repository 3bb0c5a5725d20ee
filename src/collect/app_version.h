// App versions and the release catalogue behind the update check (C2.2).
//
// A version is 1 to 8 dot-separated decimal components of 1 to 9 digits each
// ("1.10.0"); nothing else (no "v" prefix, no "-beta" suffix) is a version.
// Versions compare numerically component by component, a missing component
// counting as 0: "1.10.0" > "1.9.3" and "1.2" == "1.2.0".
//
// Releases (table app_releases, migration 7) are what operators publish with
// `yzcloud releases add`; the update check answers from them. They hold no
// personal data.
//
// Thread-safety: AppVersion is a value; Releases is thread-safe (all state is in
// the database).
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/database.h"

namespace yz::collect {

class AppVersion {
 public:
  // InvalidArgument (quoting at most the first 64 bytes) for anything malformed.
  static Result<AppVersion> Parse(std::string_view text);

  // The version with only its first two components ("1.10.3" -> "1.10", "2" ->
  // "2.0"): the coarsened app version kept with device events and update checks.
  std::string MajorMinor() const;
  // The components joined by dots, leading zeros dropped ("01.2" -> "1.2").
  std::string ToString() const;

  friend std::strong_ordering operator<=>(const AppVersion& a, const AppVersion& b);
  friend bool operator==(const AppVersion& a, const AppVersion& b) {
    return (a <=> b) == std::strong_ordering::equal;
  }

 private:
  std::vector<std::uint32_t> parts_;
};

// True for 1..32 characters of [a-z0-9_-]: the shape of a platform ("android",
// "ios", "harmonyos") and of a channel ("stable", "beta").
bool WellFormedReleaseName(std::string_view name);

struct Release {
  std::string platform;
  std::string channel;
  std::string version;
  bool required = false;                     // every older version must update
  std::optional<std::string> min_supported;  // versions below it must update
  std::string url;
  std::int64_t published_at = 0;  // Unix seconds
};

// The answer to an update check.
struct UpdateAnswer {
  std::string latest;              // newest release, or the caller's version if none
  bool required = false;           // the caller must update before going on
  std::optional<std::string> url;  // where the newest release is; nullopt if none
};

class Releases {
 public:
  // `db` (migrated to version 7) outlives this; `now` returns Unix seconds.
  Releases(store::Database& db, std::function<std::int64_t()> now);

  // Publishes a release at now(). InvalidArgument for a malformed platform, channel,
  // version or min_supported, or a url that is not an absolute http(s) URL of at
  // most 2,048 printable characters; AlreadyExists if the platform and channel hold
  // an equal version ("1.2" and "1.2.0" are equal).
  Status Add(const Release& release);

  // Every release, by platform and channel, newest version first.
  Result<std::vector<Release>> List();

  // What a caller at `current` on `platform`/`channel` should do: the newest
  // release and whether updating is required (some newer release is marked
  // required, or `current` is below a release's min_supported). Without any
  // release for the platform and channel: latest is `current`, not required, no
  // url (the caller is up to date as far as the server knows).
  Result<UpdateAnswer> Check(std::string_view platform, std::string_view channel,
                             const AppVersion& current);

 private:
  store::Database& db_;
  std::function<std::int64_t()> now_;
};

}  // namespace yz::collect
