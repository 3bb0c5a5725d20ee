// What the collector keeps: access-log rows, web events and bot counts, each
// already protected (pseudonymized, truncated, coarsened, sealed) by the time it
// exists. These are the only shapes the pipeline writes (collect/pipeline.h);
// migration 6 "collection" holds their tables (9 renumbers them by day).
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace yz::collect {

using Bytes = std::vector<std::uint8_t>;

// The UTC day number (days since 1970-01-01) of a Unix time, rounding down: the
// day of the salt, the log key and the `day` columns.
inline std::int64_t DayOf(std::int64_t unix_seconds) {
  constexpr std::int64_t kDay = 86400;
  return unix_seconds >= 0 ? unix_seconds / kDay : (unix_seconds - kDay + 1) / kDay;
}

// request_log and events ids are day * 2^32 + n, n = 1, 2, ... in the order the
// day's rows were written (the pipeline numbers them; migration 9): the ids of
// day D lie in [DayRowIdBase(D), DayRowIdBase(D + 1)). A day's rows are one range
// of the primary key, so the retention job clears and deletes them, and the
// statistics read them, by range, without a second index that every insert
// would pay for.
constexpr std::int64_t kRowIdsPerDay = std::int64_t{1} << 32;
inline std::int64_t DayRowIdBase(std::int64_t day) { return day * kRowIdsPerDay; }

// The user-agent facts every row carries (coarsened: family and major version).
struct AgentFacts {
  std::string browser = "Other";
  std::optional<std::string> browser_version;  // major
  std::string os = "Other";
  std::optional<std::string> os_version;  // major
  std::string device = "Other";
  bool bot = false;
  std::string bot_name;  // the crawler's name when bot
};

// One web or app request (C2.1).
struct AccessRow {
  std::string request_id;      // binds the seals below to this row
  std::int64_t at = 0;         // Unix seconds, floored to the minute
  std::int64_t day = 0;        // UTC day number of the request
  std::string source = "web";  // web | import
  std::string method;
  std::string path;  // sensitive parameter values removed
  int status = 0;
  std::optional<std::string> visitor;  // daily pseudonym
  std::string ip_prefix;               // /24 or /48
  std::optional<Bytes> ip_sealed;      // full IP under the day's log key
  AgentFacts agent;
  std::optional<std::string> language;
  std::optional<std::string> referrer_domain;
  std::optional<Bytes> account_sealed;  // account id under the day's log key
};

// One analytics event (a page view or a custom event).
struct EventRow {
  std::int64_t at = 0;
  std::int64_t day = 0;
  std::string source;  // tracker | batch
  std::string site;
  std::string name;
  std::string path;
  std::optional<std::string> referrer_domain;
  std::optional<std::string> visitor;
  AgentFacts agent;
  std::optional<std::string> language;
  std::optional<std::string> props;  // JSON object text
};

// Events from bots: counted, never stored as visits.
struct BotHit {
  std::int64_t day = 0;
  std::string site;
  std::string bot;
  std::int64_t hits = 0;
};

// What one submission writes, atomically.
struct Batch {
  std::vector<AccessRow> access;
  std::vector<EventRow> events;
  std::vector<BotHit> bots;
  std::size_t size() const { return access.size() + events.size() + bots.size(); }
};

}  // namespace yz::collect
