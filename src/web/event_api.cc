#include "web/event_api.h"

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>

#include "collect/event_input.h"
#include "collect/pipeline.h"
#include "collect/protector.h"
#include "web/consent_api.h"

namespace yz::web {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxEventBody = 64 * 1024;    // one tracker event
constexpr std::size_t kMaxBatchBody = 1024 * 1024;  // up to 1000 events
constexpr const char* kRetryAfterSeconds = "1";
constexpr std::int64_t kMinGroup = 5;  // smallest count a custom event name is shown with

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The Host header without its port: the site a page request was made to.
std::string_view HostOf(const Request& req) {
  std::string_view host = req.HeaderValue("host");
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

// What the collector needs from a request. The views point into `req` and
// `aid`, which outlive the facts.
collect::RequestFacts FactsOf(const Request& req, int status, std::string_view aid) {
  collect::RequestFacts f;
  f.at = Now();
  f.request_id = req.request_id;
  f.ip = req.client_ip;
  f.user_agent = req.HeaderValue("user-agent");
  f.accept_language = req.HeaderValue("accept-language");
  f.referer = req.HeaderValue("referer");
  f.method = req.method;
  f.path = req.path;
  f.query = req.query;
  f.route_params = req.params;
  f.status = status;
  f.site = HostOf(req);
  f.account = req.account_id;
  f.anonymous_id = aid;
  return f;
}

Response WithCors(Response res) {
  res.With("Access-Control-Allow-Origin", "*");
  return res;
}

Response Busy() {
  return WithCors(Response::Error(503, "busy", "the event queue is full; retry shortly")
                      .With("Retry-After", kRetryAfterSeconds));
}

// Protects `events` and the request's access row, queues them together, and
// replies `accepted` once they are committed.
void Ingest(App& app, Request& req, std::span<const collect::EventInput> events,
            std::string_view source, Response accepted, Reply reply) {
  const std::string aid = CountingId(req);
  collect::RequestFacts facts = FactsOf(req, accepted.status, aid);
  collect::Batch batch;
  collect::Protector::Keys keys;  // the day's salt, looked up once for the whole request
  if (Status s = app.protector->Events(facts, events, source, keys, batch); !s.ok()) {
    return reply(WithCors(Response::FromStatus(s)));
  }
  if (Status s = app.protector->Access(facts, "web", keys, batch.access); !s.ok()) {
    return reply(WithCors(Response::FromStatus(s)));
  }
  accepted.access_logged = true;
  auto done = [reply, accepted = std::move(accepted)](const Status& s) mutable {
    if (s.ok()) return reply(std::move(accepted));
    Response failed = Response::Error(503, "unavailable", "events could not be stored; retry")
                          .With("Retry-After", kRetryAfterSeconds);
    failed.access_logged = true;  // its access row was in the failed transaction
    reply(WithCors(std::move(failed)));
  };
  if (!app.pipeline->Submit(std::move(batch), std::move(done))) reply(Busy());
}

void PlausibleEvent(App& app, Request& req, Reply reply) {
  if (req.body.size() > kMaxEventBody) {
    return reply(WithCors(Response::Error(413, "body_too_large", "an event is at most 64 KiB")));
  }
  auto event = collect::ParsePlausibleEvent(req.body);
  if (!event.ok()) return reply(WithCors(Response::FromStatus(event.status())));
  // Plausible's own answer: 202 with the body "ok".
  Ingest(app, req, std::span(&*event, 1), "tracker", WithCors(Response::Text(202, "ok")),
         std::move(reply));
}

void EventBatch(App& app, Request& req, Reply reply) {
  if (req.body.size() > kMaxBatchBody) {
    return reply(WithCors(Response::Error(413, "body_too_large", "a batch is at most 1 MiB")));
  }
  auto events = collect::ParseEventBatch(req.body);
  if (!events.ok()) return reply(WithCors(Response::FromStatus(events.status())));
  Response accepted =
      WithCors(Response::Json(202, R"({"accepted":)" + std::to_string(events->size()) + "}"));
  Ingest(app, req, *events, "batch", std::move(accepted), std::move(reply));
}

Response Preflight(Request&) {
  return Response::Text(204, "")
      .With("Access-Control-Allow-Origin", "*")
      .With("Access-Control-Allow-Methods", "POST, OPTIONS")
      .With("Access-Control-Allow-Headers", "Content-Type")
      .With("Access-Control-Max-Age", "86400");
}

// "YYYY-MM-DD" as a UTC day number.
std::optional<std::int64_t> ParseDay(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (text.size() != 10 ||
      std::sscanf(std::string(text).c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

std::string DayText(std::int64_t day) {
  std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

// C3.4: counts only; bots are never among the visitors.
Response Stats(App& app, Request& req) {
  const std::string site = req.Param("site");
  std::int64_t day = collect::DayOf(Now());
  if (auto text = req.QueryValue("day")) {
    auto parsed = ParseDay(*text);
    if (!parsed) return Response::Error(400, "invalid_argument", "day must be YYYY-MM-DD");
    day = *parsed;
  }
  auto conn = app.db.Acquire();
  if (!conn.ok()) return Response::FromStatus(conn.status());
  // The day's events are one id range (collect/records.h).
  const store::Value range[] = {site, collect::DayRowIdBase(day), collect::DayRowIdBase(day + 1)};
  auto totals = (*conn)->Query(
      "SELECT COUNT(DISTINCT visitor), "
      "COALESCE(SUM(CASE WHEN name = 'pageview' THEN 1 ELSE 0 END), 0) "
      "FROM events WHERE id >= $2 AND id < $3 AND site = $1",
      range);
  if (!totals.ok()) return Response::FromStatus(totals.status());
  // C3.4: a custom event name shows only once it counts kMinGroup; rarer names
  // (which could single someone out) are summed under "(other)".
  auto by_name = (*conn)->Query(
      "SELECT name, COUNT(*) FROM events WHERE id >= $2 AND id < $3 AND site = $1 "
      "AND name <> 'pageview' GROUP BY name ORDER BY name",
      range);
  if (!by_name.ok()) return Response::FromStatus(by_name.status());
  const store::Value p[] = {site, day};
  auto bots =
      (*conn)->Query("SELECT COALESCE(SUM(hits), 0) FROM bot_hits WHERE site = $1 AND day = $2", p);
  if (!bots.ok()) return Response::FromStatus(bots.status());
  json::object events;
  std::int64_t other = 0;
  for (const auto& row : *by_name) {
    if (row.Int(1) >= kMinGroup)
      events[row.Text(0)] = row.Int(1);
    else
      other += row.Int(1);
  }
  if (other > 0) events["(other)"] = other;
  json::object out{{"site", site},
                   {"day", DayText(day)},
                   {"visitors", (*totals)[0].Int(0)},
                   {"pageviews", (*totals)[0].Int(1)},
                   {"events", std::move(events)},
                   {"bots", (*bots)[0].Int(0)}};
  return Response::Json(200, json::serialize(out));
}

}  // namespace

void AddEventRoutes(Router& r, App& app) {
  r.AddAsync("POST", "/api/event",
             [&app](Request& req, Reply reply) { PlausibleEvent(app, req, std::move(reply)); });
  r.Add("OPTIONS", "/api/event", Preflight, Exec::kInline);
  r.AddAsync("POST", "/api/v1/events",
             [&app](Request& req, Reply reply) { EventBatch(app, req, std::move(reply)); });
  r.Add("OPTIONS", "/api/v1/events", Preflight, Exec::kInline);
  r.Add("GET", "/api/v1/stats/{site}", [&app](Request& req) { return Stats(app, req); });

  collect::Pipeline* pipeline = app.pipeline;
  app.metrics.AddGauge("yzcloud_collect_queued_rows", "Rows waiting for the collection writer",
                       [pipeline] { return static_cast<double>(pipeline->stats().queued_rows); });
  app.metrics.AddGauge(
      "yzcloud_collect_committed_rows_total", "Rows the collection writer committed",
      [pipeline] { return static_cast<double>(pipeline->stats().committed_rows); });
  app.metrics.AddGauge("yzcloud_collect_transactions_total", "Commits of the collection writer",
                       [pipeline] { return static_cast<double>(pipeline->stats().transactions); });
  app.metrics.AddGauge("yzcloud_collect_rejected_total",
                       "Submissions refused because the queue was full (503)",
                       [pipeline] { return static_cast<double>(pipeline->stats().rejected); });
}

Server::AccessHook AccessLogHook(App& app) {
  auto dropped = std::make_shared<std::atomic<std::uint64_t>>(0);
  app.metrics.AddGauge("yzcloud_access_log_dropped_total",
                       "Access-log rows not written because the writer was behind",
                       [dropped] { return static_cast<double>(dropped->load()); });
  return [&app, dropped](const Request& req, const Response& res) {
    const std::string aid = CountingId(req);
    collect::RequestFacts facts = FactsOf(req, res.status, aid);
    std::string coarse;  // a path nobody serves, cut to its first segment
    HideUnroutedPath(facts, coarse);
    collect::Protector::Keys keys;
    collect::Batch batch;
    const Status row = app.protector->Access(facts, "web", keys, batch.access);
    if (!row.ok() || !app.pipeline->Submit(std::move(batch), nullptr)) dropped->fetch_add(1);
  };
}

}  // namespace yz::web
