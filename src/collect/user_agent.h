// User-agent parsing with the rules of Debian's uap-core package
// (/usr/share/uap-core/regexes.yaml), compiled with RE2, behind a bounded cache.
//
// Semantics follow uap-core's specification (docs/specification.md) as the reference
// ports implement it: in each of the three rule lists the first rule whose regex
// matches decides; a replacement field substitutes $1..$9 with the capture groups
// (an unmatched group becomes ""), is trimmed, and an empty result counts as absent;
// a field without replacement takes its capture group (family: $1, major: $2, ...).
// Browser and OS family default to "Other", as does the device family.
//
// Thread-safety: a loaded UserAgentParser is immutable apart from its cache, which
// has its own locks: Parse may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace yz::collect {

inline constexpr std::string_view kDefaultRegexesPath = "/usr/share/uap-core/regexes.yaml";

struct Browser {
  std::string family = "Other";
  std::optional<std::string> major, minor, patch;
  // uap-core's suite checks it; the JSON shape leaves it out (ToJson).
  std::optional<std::string> patch_minor;
  bool operator==(const Browser&) const = default;
};

struct Os {
  std::string family = "Other";
  std::optional<std::string> major, minor, patch, patch_minor;
  bool operator==(const Os&) const = default;
};

struct Device {
  std::string family = "Other";
  std::optional<std::string> brand, model;
  bool operator==(const Device&) const = default;
};

struct UserAgent {
  Browser browser;
  Os os;
  Device device;
  bool operator==(const UserAgent&) const = default;
};

// True for crawlers: uap-core puts them in the device family "Spider".
bool IsBot(const UserAgent& ua);

// One JSON object shaped as uap-core's results, absent fields as null:
// {"browser": {"family", "major", "minor", "patch"}, "os": {"family", "major", "minor",
// "patch", "patch_minor"}, "device": {"family", "brand", "model"}}. Bytes that are not
// UTF-8 become U+FFFD so the output is always valid JSON.
std::string ToJson(const UserAgent& ua);

// What Load found in the rules file.
struct RuleStats {
  std::size_t browser_rules = 0, os_rules = 0, device_rules = 0;
  // Rules RE2 refused even after translation; they are skipped (never match).
  std::size_t rejected = 0;
  std::string first_rejection;  // "section #index: error", empty when none
};

struct ParserOptions {
  // Total entries kept in the cache (split over shards); 0 disables the cache.
  std::size_t cache_capacity = 10000;
  // Try only the rules whose required literals occur in the agent (RE2's FilteredRE2)
  // instead of every rule in turn. Off only to compare in the benchmark.
  bool use_prefilter = true;
};

class UserAgentParser {
 public:
  // Reads and compiles the rules. NotFound when the file is missing, InvalidArgument when
  // it is not uap-core YAML. Rules RE2 cannot compile are counted in stats(), not fatal.
  static Result<std::unique_ptr<UserAgentParser>> Load(std::string_view path = kDefaultRegexesPath,
                                                       ParserOptions options = {});

  ~UserAgentParser();
  UserAgentParser(const UserAgentParser&) = delete;
  UserAgentParser& operator=(const UserAgentParser&) = delete;

  // Never fails: an unknown agent is all "Other"/absent. Uses the cache.
  UserAgent Parse(std::string_view ua) const;
  // The same without touching the cache (tests, benchmarks).
  UserAgent ParseUncached(std::string_view ua) const;

  const RuleStats& stats() const { return stats_; }
  // Cache counters since Load; approximate under concurrency.
  std::size_t cache_hits() const;
  std::size_t cache_misses() const;
  std::size_t cache_size() const;

 private:
  struct Impl;
  explicit UserAgentParser(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  RuleStats stats_;
};

}  // namespace yz::collect
