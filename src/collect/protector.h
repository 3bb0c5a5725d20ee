// The protect half of collection (C2.1, issue 5 points 1 and 3): turns what a
// request says into rows the pipeline may store, on the thread that parsed the
// request. Every personal value is reduced the way the data inventory says:
//  - visitor: keyed BLAKE2b of site, IP and user agent (or of the anonymous id,
//    when the visitor consented to it) under the day's salt, as Plausible counts
//    visitors. Salts are kept in the keystore (subject "visitor-salt:DAY"), so a
//    restart keeps counting the same visitors; the retention job destroys each
//    salt once the day after it has ended.
//  - IP: /24 or /48 for statistics; the full IP sealed through the gate
//    (log.ip_full) under the day's log key (keystore subject "log-day:DAY"),
//    which the retention job destroys after log.ip_full's retention (7 days).
//  - account: sealed the same way (log.account_link), when signed in.
//  - path: values of the inventory's redact_parameters removed.
//  - user agent: browser, OS (family and major version) and device family from
//    uap-core's rules; bots are flagged with their name.
//  - language: primary subtag; referrer: domain only; time: to the minute.
//
// Thread-safety: thread-safe (the parser, pseudonymizer and gate are).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collect/records.h"
#include "collect/user_agent.h"
#include "core/status.h"
#include "crypto/pseudonymizer.h"
#include "privacy/gate.h"

namespace yz::collect {

// The keystore subjects of a day's visitor salt and log key.
std::string SaltSubject(std::int64_t day);
std::string LogKeySubject(std::int64_t day);

// What a request says about its sender, before protection.
struct RequestFacts {
  std::int64_t at = 0;  // Unix seconds
  std::string_view request_id;
  std::string_view ip;  // client IP (X-Forwarded-For already resolved)
  std::string_view user_agent;
  std::string_view accept_language;
  std::string_view referer;  // the Referer header
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::span<const std::pair<std::string, std::string>> route_params;
  int status = 0;
  std::string_view site;          // the Host the request was sent to
  std::string_view account;       // signed-in account id, or empty
  std::string_view anonymous_id;  // the yz_aid cookie when well formed, or empty
};

// An event as a tracker or the batch API sends it, before protection.
struct EventInput {
  std::string name;  // "pageview" or a custom name
  std::string url;   // absolute URL of the page
  std::string site;  // the site's domain as configured in the tracker
  std::optional<std::string> referrer;
  std::optional<std::string> props;  // JSON object of string values, already checked
  std::optional<std::int64_t> at;    // batch only: when it happened (Unix seconds)
};

class Protector {
 public:
  // `salts` must persist its salts (PersistentSalts below) in the server; tests
  // and the log importer may use an in-memory one. All references outlive this.
  // `now` is the clock in Unix seconds: a row older than log.ip_full's retention
  // (an imported old log) keeps no full IP at all.
  Protector(privacy::Gate& gate, const privacy::Inventory& inventory, crypto::Pseudonymizer& salts,
            std::function<std::int64_t()> now);

  // The user-agent parser to use; until one is set (it loads in the background)
  // agents are "Other" and only empty or obviously scripted agents count as bots.
  // Null: the rules could not be loaded, and never will be (agents stay "Other").
  void SetParser(const UserAgentParser* parser);
  // False until SetParser was called: /readyz waits for it, so that no row is
  // written with "Other" only because the rules were still compiling.
  bool parser_settled() const { return settled_.load(std::memory_order_acquire); }

  // The keys a run of rows needs (each day's salt, and its log key for sealing
  // log.ip_full and log.account_link), looked up once per day of the run instead
  // of once per row: no lock and no keystore lookup per row. Keep one only for
  // that run (a chunk of log lines, one request), as it holds the keys alive
  // past their destruction by the retention job. The run also reads the clock
  // once (a chunk is a few milliseconds of work).
  class Keys {
   private:
    friend class Protector;
    struct Day {
      std::int64_t day = 0;
      bool salt_known = false;
      std::optional<crypto::Pseudonymizer::Day> salt;  // none: destroyed or not due
      std::optional<privacy::Gate::FieldSealer> ip, account;
    };
    Day& For(std::int64_t day);
    std::vector<Day> days_;  // a run rarely spans more than two days
    std::optional<std::int64_t> now_;
  };

  // The access-log row of a request. InvalidArgument for a request dated in the
  // future; other errors only if sealing fails (keystore down).
  Result<AccessRow> Access(const RequestFacts& request, std::string_view source = "web");
  // The same row appended to `out`, with the keys of a run: the hot path of
  // import-log, where building the row in place spares moving it twice. Nothing
  // is appended on error.
  Status Access(const RequestFacts& request, std::string_view source, Keys& keys,
                std::vector<AccessRow>& out);

  // The rows of tracker or batch events sent in one request: people's events
  // become EventRows; a bot's become BotHits in `out` instead; the tracker's
  // "engagement" pings (time on page) are checked and dropped.
  // InvalidArgument (naming the event's index) for an event whose url is not an
  // absolute http(s) URL or whose name or site is empty.
  Status Events(const RequestFacts& request, std::span<const EventInput> events,
                std::string_view source, Batch& out);
  // The same with the keys of a run, so that a request's events and its access
  // row share one lookup of the day's salt.
  Status Events(const RequestFacts& request, std::span<const EventInput> events,
                std::string_view source, Keys& keys, Batch& out);

  AgentFacts Agent(std::string_view user_agent) const;

 private:
  Status Fill(const RequestFacts& request, std::string_view source, Keys& keys, AccessRow& row);
  static AgentFacts ParseAgent(const UserAgentParser* parser, std::string_view user_agent);
  Result<std::optional<std::string>> Visitor(Keys::Day& keys, std::string_view site,
                                             const RequestFacts& request);
  Result<Bytes> SealForDay(std::optional<privacy::Gate::FieldSealer>& sealer, std::int64_t day,
                           std::string_view field, std::string_view value,
                           const crypto::Binding& where);

  privacy::Gate& gate_;
  std::vector<std::string> redact_;
  std::int64_t ip_full_seconds_ = 0;  // log.ip_full's retention
  crypto::Pseudonymizer& salts_;
  std::function<std::int64_t()> now_;
  std::atomic<const UserAgentParser*> parser_{nullptr};
  std::atomic<bool> settled_{false};
};

// A Pseudonymizer whose salts live in the keystore (subject SaltSubject(day)),
// so every process on the same keystore computes the same pseudonyms.
std::unique_ptr<crypto::Pseudonymizer> PersistentSalts(crypto::Keystore& keys);

}  // namespace yz::collect
