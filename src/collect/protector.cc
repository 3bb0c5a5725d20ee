#include "collect/protector.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "collect/event_input.h"
#include "collect/request_facts.h"
#include "core/string_map.h"

namespace yz::collect {
namespace {

constexpr std::int64_t kDaySeconds = 86400;
constexpr std::size_t kMaxName = 120;
constexpr std::size_t kMaxSite = 253;
constexpr std::string_view kEngagement = "engagement";
constexpr std::int64_t kFutureSlack = 3600;  // clocks disagree; a day ahead is a lie

std::int64_t Minute(std::int64_t unix_seconds) {
  std::int64_t r = unix_seconds % 60;
  return unix_seconds - (r < 0 ? r + 60 : r);
}

std::vector<std::string> RedactList(const privacy::Inventory& inventory) {
  const privacy::FieldSpec* spec = inventory.Find("log.url_path");
  return spec ? spec->redact_parameters : std::vector<std::string>{};
}

}  // namespace

std::string SaltSubject(std::int64_t day) { return "visitor-salt:" + std::to_string(day); }
std::string LogKeySubject(std::int64_t day) { return "log-day:" + std::to_string(day); }

Protector::Protector(privacy::Gate& gate, const privacy::Inventory& inventory,
                     crypto::Pseudonymizer& salts, std::function<std::int64_t()> now)
    : gate_(gate),
      redact_(RedactList(inventory)),
      ip_full_seconds_(inventory.RetentionSeconds("log.ip_full")),
      salts_(salts),
      now_(std::move(now)) {}

void Protector::SetParser(const UserAgentParser* parser) {
  parser_.store(parser, std::memory_order_release);
  settled_.store(true, std::memory_order_release);
}

AgentFacts Protector::Agent(std::string_view user_agent) const {
  // Each thread remembers the facts of the agents it saw lately: a hit costs one
  // hash lookup, no lock and no copy of uap-core's full result.
  struct Cache {
    const UserAgentParser* parser = nullptr;
    StringMap<AgentFacts> facts;
  };
  constexpr std::size_t kCacheSize = 2048;
  thread_local Cache cache;
  const UserAgentParser* parser = parser_.load(std::memory_order_acquire);
  if (cache.parser != parser || cache.facts.size() >= kCacheSize) {
    cache.facts.clear();
    cache.parser = parser;
  }
  const std::string_view key = user_agent.substr(0, 1024);
  if (auto it = cache.facts.find(key); it != cache.facts.end()) return it->second;
  AgentFacts f = ParseAgent(parser, user_agent);
  cache.facts.emplace(std::string(key), f);
  return f;
}

AgentFacts Protector::ParseAgent(const UserAgentParser* parser, std::string_view user_agent) {
  AgentFacts f;
  UserAgent ua;
  if (parser) ua = parser->Parse(user_agent);
  // uap-core's captures are bytes of the header, which need not be UTF-8.
  auto storable = [](std::optional<std::string>& v) {
    if (v) v = Storable(*v);
  };
  f.browser = Storable(ua.browser.family);
  f.browser_version = std::move(ua.browser.major);
  storable(f.browser_version);
  f.os = Storable(ua.os.family);
  f.os_version = std::move(ua.os.major);
  storable(f.os_version);
  f.device = Storable(ua.device.family);
  if (auto bot = BotName(user_agent, ua)) {
    f.bot = true;
    f.bot_name = Storable(*bot);
  }
  return f;
}

Protector::Keys::Day& Protector::Keys::For(std::int64_t day) {
  for (Day& d : days_) {
    if (d.day == day) return d;
  }
  days_.push_back(Day{.day = day});
  return days_.back();
}

Result<std::optional<std::string>> Protector::Visitor(Keys::Day& keys, std::string_view site,
                                                      const RequestFacts& r) {
  if (!keys.salt_known) {
    auto salt = salts_.ForDay(keys.day);
    // A day whose salt is destroyed (or not yet due) gets no pseudonym at all;
    // any other failure (the keystore unreachable) is an error, not a silent gap.
    if (!salt.ok() && salt.status().code() != Code::kFailedPrecondition) return salt.status();
    if (salt.ok()) keys.salt.emplace(std::move(*salt));
    keys.salt_known = true;
  }
  if (!keys.salt) return std::optional<std::string>{};
  // Plausible's input (site, IP, agent); a consented anonymous id replaces IP and
  // agent, so a visitor whose network changes is still one visitor that day.
  std::string input;
  input.reserve(site.size() + r.ip.size() + r.user_agent.size() + 8);
  input.append(site);
  input += '\n';
  if (!r.anonymous_id.empty()) {
    input += "aid:";
    input.append(r.anonymous_id);
  } else {
    input.append(r.ip);
    input += '\n';
    input.append(r.user_agent);
  }
  return std::optional<std::string>{keys.salt->Id(input)};
}

Result<Bytes> Protector::SealForDay(std::optional<privacy::Gate::FieldSealer>& sealer,
                                    std::int64_t day, std::string_view field,
                                    std::string_view value, const crypto::Binding& where) {
  if (!sealer) {
    ASSIGN_OR_RETURN(auto made, gate_.Sealer(LogKeySubject(day), field));
    sealer.emplace(std::move(made));
  }
  return sealer->Seal(value, where);
}

Result<AccessRow> Protector::Access(const RequestFacts& r, std::string_view source) {
  Keys keys;
  AccessRow row;
  RETURN_IF_ERROR(Fill(r, source, keys, row));
  return row;
}

Status Protector::Access(const RequestFacts& r, std::string_view source, Keys& keys,
                         std::vector<AccessRow>& out) {
  Status s = Fill(r, source, keys, out.emplace_back());
  if (!s.ok()) out.pop_back();
  return s;
}

Status Protector::Fill(const RequestFacts& r, std::string_view source, Keys& keys, AccessRow& row) {
  if (!keys.now_) keys.now_ = now_();
  const std::int64_t now = *keys.now_;
  if (r.at > now + kFutureSlack) {
    return InvalidArgument("the request is dated in the future");
  }
  row.request_id = std::string(r.request_id);
  row.at = Minute(r.at);
  row.day = DayOf(r.at);
  row.source = std::string(source);
  row.method = std::string(r.method.substr(0, 16));
  row.path = RedactedTarget(r.path, r.query, r.route_params, redact_);
  row.status = r.status;
  row.agent = Agent(r.user_agent);
  Keys::Day& day = keys.For(row.day);
  ASSIGN_OR_RETURN(row.visitor, Visitor(day, r.site, r));
  auto prefix = TruncateIp(r.ip);
  const bool valid_ip = prefix.has_value();
  row.ip_prefix = valid_ip ? std::move(*prefix) : std::string("unknown");
  row.language = PrimaryLanguage(r.accept_language);
  row.referrer_domain = UrlDomain(r.referer);
  // An imported line older than the full IP's retention keeps no full IP at all.
  if (valid_ip && r.at >= now - ip_full_seconds_) {
    ASSIGN_OR_RETURN(row.ip_sealed, SealForDay(day.ip, row.day, "log.ip_full", r.ip,
                                               {"request_log", "ip_sealed", row.request_id}));
  }
  if (!r.account.empty()) {
    ASSIGN_OR_RETURN(row.account_sealed,
                     SealForDay(day.account, row.day, "log.account_link", r.account,
                                {"request_log", "account_sealed", row.request_id}));
  }
  return Status::Ok();
}

Status Protector::Events(const RequestFacts& r, std::span<const EventInput> events,
                         std::string_view source, Batch& out) {
  Keys keys;
  return Events(r, events, source, keys, out);
}

Status Protector::Events(const RequestFacts& r, std::span<const EventInput> events,
                         std::string_view source, Keys& keys, Batch& out) {
  if (!keys.now_) keys.now_ = now_();
  const std::int64_t now = *keys.now_;
  const AgentFacts agent = Agent(r.user_agent);
  const auto language = PrimaryLanguage(r.accept_language);
  std::size_t first_event = out.events.size();
  out.events.reserve(first_event + events.size());
  // Every event of a request has the same sender: one pseudonym per day and site.
  struct Known {
    std::int64_t day;
    std::string_view site;
    std::optional<std::string> visitor;
  };
  std::vector<Known> visitors;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const EventInput& e = events[i];
    auto bad = [&](std::string why) {
      out.events.resize(first_event);
      return InvalidArgument(events.size() > 1 ? "event " + std::to_string(i) + ": " + why : why);
    };
    if (e.name.empty() || e.name.size() > kMaxName) return bad("name must be 1 to 120 bytes");
    if (!Printable(e.name)) return bad("name must be text without control characters");
    if (LooksPersonal(e.name)) return bad("name must not carry an e-mail address or phone number");
    if (e.site.empty() || e.site.size() > kMaxSite) return bad("domain must be 1 to 253 bytes");
    if (!std::all_of(e.site.begin(), e.site.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                 c == '[' || c == ']';
        })) {
      return bad("domain must be a host name");
    }
    auto path = RedactedUrlPath(e.url, redact_);
    if (!path) return bad("url must be an absolute http(s) URL");
    const std::int64_t at = e.at.value_or(r.at);
    if (at > now + 3600 || at < now - 7 * kDaySeconds) {
      return bad("timestamp must lie within the last 7 days");
    }
    const std::int64_t day = DayOf(at);
    // The tracker's engagement pings (time on page, scroll depth) are answered
    // and not kept: yzcloud does not measure how long anyone reads.
    if (e.name == kEngagement) continue;
    if (agent.bot) {
      auto hit = std::find_if(out.bots.begin(), out.bots.end(), [&](const BotHit& b) {
        return b.day == day && b.site == e.site && b.bot == agent.bot_name;
      });
      if (hit == out.bots.end()) {
        out.bots.push_back({day, e.site, agent.bot_name, 0});
        hit = out.bots.end() - 1;
      }
      ++hit->hits;
      continue;
    }
    EventRow row;
    row.at = Minute(at);
    row.day = day;
    row.source = std::string(source);
    row.site = e.site;
    row.name = e.name;
    row.path = std::move(*path);
    if (e.referrer) row.referrer_domain = UrlDomain(*e.referrer);
    auto known = std::find_if(visitors.begin(), visitors.end(),
                              [&](const Known& k) { return k.day == day && k.site == e.site; });
    if (known == visitors.end()) {
      auto visitor = Visitor(keys.For(day), e.site, r);
      if (!visitor.ok()) return visitor.status();
      visitors.push_back({day, e.site, std::move(*visitor)});
      known = visitors.end() - 1;
    }
    row.visitor = known->visitor;
    row.agent = agent;
    row.language = language;
    row.props = e.props;
    out.events.push_back(std::move(row));
  }
  return Status::Ok();
}

std::unique_ptr<crypto::Pseudonymizer> PersistentSalts(crypto::Keystore& keys) {
  // Today's and yesterday's salts (events arriving just after midnight); older
  // ones are forgotten here and destroyed in the keystore by the retention job.
  return std::make_unique<crypto::Pseudonymizer>(
      &std::chrono::system_clock::now, 1,
      [&keys](crypto::DayNumber day) { return keys.DataKey(SaltSubject(day)); });
}

}  // namespace yz::collect
