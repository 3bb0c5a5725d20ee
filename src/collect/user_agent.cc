#include "collect/user_agent.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace yz::collect {
namespace {

// uap-core needs at most $9; group 0 is the whole match.
constexpr int kMaxGroups = 10;

// Atoms shorter than this are not used to filter (FilteredRE2's min_atom_len); 2 left
// the fewest candidate rules per agent in the benchmark (device list: ~26 of 625).
constexpr int kMinAtomLength = 2;

// One rule: the compiled regex and up to five replacement templates (family, then the
// four version fields, or family/brand/model for devices).
struct Rule {
  const RE2* re = nullptr;  // owned by its Section's `regexes`
  std::array<std::optional<std::string>, 5> replacement;
};

// One rule list with its prefilter. A single RE2::Set over all the rules of a list would
// find the first match in one pass, but its lazy DFA never settles on real agents (the
// device rules' `; *([^;/]+)` shapes multiply states): measured ~250 us a list. Instead
// RE2's FilteredRE2 derives from each rule the literal strings ("atoms") any match must
// contain; one RE2::Set of those literals (an Aho-Corasick-like DFA that stays small)
// finds the atoms present in the agent, and only the rules they allow are tried, in
// file order. The first of them that matches is the one uap-core's first-match-wins
// order picks, since every skipped rule cannot match.
//
// The FilteredRE2 also owns the compiled rules (GetRE2), so each pattern is compiled
// once: compiling was most of the time a server or `import-log` takes to start.
struct Section {
  std::vector<Rule> rules;  // only the rules RE2 compiled, in file order (= filter ids)
  std::unique_ptr<re2::FilteredRE2> regexes;  // the rules' RE2s, and the prefilter
  bool filtered = false;                      // false: try every rule (prefilter off)
  std::unique_ptr<RE2::Set> atoms;            // null when the filter produced no atoms
  bool ascii_atoms = true;                    // see FirstMatch
};

// The captured groups of one match, as uap-core's replacement rules see them.
struct Groups {
  std::array<re2::StringPiece, kMaxGroups> g;
  int count = 0;  // capture groups the regex declares
  // Group n, or "" when it does not exist or did not take part in the match.
  std::string_view Get(int n) const {
    if (n < 1 || n > count || n >= kMaxGroups || g[n].data() == nullptr) return {};
    return {g[n].data(), g[n].size()};
  }
};

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// uap-core's field rule: a replacement template has $1..$9 substituted (an absent group
// gives ""), and is trimmed; without a template the field is capture group `group`.
// Either way an empty result is absent.
std::optional<std::string> Field(const std::optional<std::string>& replacement,
                                 const Groups& groups, int group) {
  std::string out;
  if (replacement) {
    const std::string& r = *replacement;
    out.reserve(r.size());
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (r[i] == '$' && i + 1 < r.size() && r[i + 1] >= '1' && r[i + 1] <= '9') {
        out.append(groups.Get(r[i + 1] - '0'));
        ++i;
      } else {
        out.push_back(r[i]);
      }
    }
    out = std::string(Trim(out));
  } else if (group > 0) {
    out = std::string(groups.Get(group));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

bool TryRule(const Rule& rule, const re2::StringPiece& text, Groups& groups) {
  groups.count = std::min(rule.re->NumberOfCapturingGroups(), kMaxGroups - 1);
  groups.g.fill(re2::StringPiece());
  return rule.re->Match(text, 0, text.size(), RE2::UNANCHORED, groups.g.data(), groups.count + 1);
}

// Finds the first rule of `section` matching `ua` and fills `groups`; null if none.
const Rule* FirstMatch(const Section& section, std::string_view ua, Groups& groups) {
  const re2::StringPiece text(ua.data(), ua.size());
  if (!section.filtered) {
    for (const Rule& rule : section.rules) {
      if (TryRule(rule, text, groups)) return &rule;
    }
    return nullptr;
  }
  std::vector<int> atoms;
  if (section.atoms) {
    // FilteredRE2's atoms are lowercase and are to be found in lowercased text. ASCII
    // folding is exact while every atom is ASCII (all of uap-core 0.16's are); if a
    // future rules file has a non-ASCII atom, agents with non-ASCII bytes skip the filter
    // rather than risk missing a rule. A lowercased copy measured faster than matching
    // the atoms with (?i) on the agent as it is (105 vs 144 us a cold miss).
    bool ascii = true;
    std::string lower(ua);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    }
    RE2::Set::ErrorInfo error;
    if ((!ascii && !section.ascii_atoms) ||
        (!section.atoms->Match(lower, &atoms, &error) && error.kind != RE2::Set::kNoError)) {
      // Filter unusable, or its DFA ran out of memory (never seen): be right, not fast.
      for (const Rule& rule : section.rules) {
        if (TryRule(rule, text, groups)) return &rule;
      }
      return nullptr;
    }
  }
  std::vector<int> candidates;
  section.regexes->AllPotentials(atoms, &candidates);
  std::sort(candidates.begin(), candidates.end());
  for (int i : candidates) {
    const Rule& rule = section.rules[static_cast<std::size_t>(i)];
    if (TryRule(rule, text, groups)) return &rule;
  }
  return nullptr;
}

// The rule-file keys of each section, in Rule::replacement order.
constexpr std::array<const char*, 5> kBrowserKeys = {
    "family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"};
constexpr std::array<const char*, 5> kOsKeys = {"os_replacement", "os_v1_replacement",
                                                "os_v2_replacement", "os_v3_replacement",
                                                "os_v4_replacement"};
constexpr std::array<const char*, 5> kDeviceKeys = {"device_replacement", "brand_replacement",
                                                    "model_replacement", "", ""};

// One rule as the file gives it, before compiling.
struct RuleText {
  std::size_t index = 0;  // 1-based, in its list
  std::string pattern;
  bool ignore_case = false;
  std::array<std::optional<std::string>, 5> replacement;
};

// Reads one rule list. yaml-cpp's nodes are not safe to read from several
// threads, so the lists are read one after another and compiled in parallel.
Result<std::vector<RuleText>> ReadSection(const YAML::Node& root, const char* name,
                                          const std::array<const char*, 5>& keys) {
  const YAML::Node list = root[name];
  if (!list || !list.IsSequence()) return InvalidArgument(std::string("no list ") + name);
  std::vector<RuleText> texts;
  texts.reserve(list.size());
  for (const YAML::Node& entry : list) {
    RuleText& t = texts.emplace_back();
    t.index = texts.size();
    if (!entry.IsMap() || !entry["regex"]) {
      return InvalidArgument(std::string(name) + " #" + std::to_string(t.index) + ": no regex");
    }
    t.pattern = entry["regex"].as<std::string>();
    t.ignore_case = entry["regex_flag"] && entry["regex_flag"].as<std::string>() == "i";
    for (std::size_t k = 0; k < keys.size(); ++k) {
      if (keys[k][0] == '\0') continue;
      const YAML::Node v = entry[keys[k]];
      if (v && !v.IsNull()) t.replacement[k] = v.as<std::string>();
    }
  }
  return texts;
}

// Compiles one rule list. Rules RE2 refuses are counted in `stats`.
Status CompileSection(const char* name, std::vector<RuleText> texts, bool use_prefilter,
                      Section& section, RuleStats& stats) {
  auto filter = std::make_unique<re2::FilteredRE2>(kMinAtomLength);
  for (RuleText& t : texts) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!t.ignore_case);
    int filter_id = -1;
    if (filter->Add(t.pattern, options, &filter_id) != RE2::NoError ||
        filter_id != static_cast<int>(section.rules.size())) {
      // RE2 has no lookaround or backreferences; uap-core 0.16 uses neither, so a
      // refusal here means a newer rules file: skip the rule and say so.
      if (stats.rejected++ == 0) {
        stats.first_rejection = std::string(name) + " #" + std::to_string(t.index) + ": " +
                                RE2(t.pattern, options).error();
      }
      continue;
    }
    Rule rule;
    rule.re = &filter->GetRE2(filter_id);
    rule.replacement = std::move(t.replacement);
    section.rules.push_back(std::move(rule));
  }
  section.regexes = std::move(filter);
  if (!use_prefilter || section.rules.empty()) return Status::Ok();
  std::vector<std::string> atoms;
  section.regexes->Compile(&atoms);
  section.filtered = true;
  if (atoms.empty()) return Status::Ok();
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(int64_t{32} << 20);
  auto set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (const std::string& atom : atoms) {
    for (char c : atom) {
      section.ascii_atoms = section.ascii_atoms && static_cast<unsigned char>(c) < 0x80;
    }
    if (set->Add(RE2::QuoteMeta(atom), nullptr) < 0) {
      return Internal(std::string(name) + ": cannot add prefilter atom '" + atom + "'");
    }
  }
  if (!set->Compile()) return Internal(std::string(name) + ": cannot compile prefilter");
  section.atoms = std::move(set);
  return Status::Ok();
}

// A bounded LRU cache split into shards, each behind its own mutex, so threads parsing
// different agents rarely wait for each other.
class ShardedCache {
 public:
  explicit ShardedCache(std::size_t capacity)
      : per_shard_(capacity == 0 ? 0 : (capacity + kShards - 1) / kShards) {}

  bool enabled() const { return per_shard_ > 0; }

  std::optional<UserAgent> Get(std::string_view key) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    s.lru.splice(s.lru.begin(), s.lru, it->second);
    hits_.fetch_add(1, std::memory_order_relaxed);
    return it->second->second;
  }

  void Put(std::string_view key, const UserAgent& value) {
    Shard& s = ShardFor(key);
    std::lock_guard lock(s.mu);
    if (s.index.contains(key)) return;  // another thread parsed it meanwhile
    s.lru.emplace_front(std::string(key), value);
    s.index.emplace(s.lru.front().first, s.lru.begin());
    if (s.lru.size() > per_shard_) {
      s.index.erase(s.lru.back().first);
      s.lru.pop_back();
    }
  }

  std::size_t size() const {
    std::size_t n = 0;
    for (const Shard& s : shards_) {
      std::lock_guard lock(s.mu);
      n += s.lru.size();
    }
    return n;
  }
  std::size_t hits() const { return hits_.load(std::memory_order_relaxed); }
  std::size_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kShards = 16;
  using Entry = std::pair<std::string, UserAgent>;
  struct Shard {
    mutable std::mutex mu;  // guards lru and index
    std::list<Entry> lru;   // most recent first; owns the keys
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into lru
  };
  Shard& ShardFor(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % kShards];
  }

  const std::size_t per_shard_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> hits_{0}, misses_{0};
};

// Agents longer than this are parsed but not cached, so the cache's memory stays
// bounded by capacity times this size.
constexpr std::size_t kMaxCachedLength = 1024;

}  // namespace

struct UserAgentParser::Impl {
  Section browser, os, device;
  ShardedCache cache;
  explicit Impl(std::size_t capacity) : cache(capacity) {}
};

bool IsBot(const UserAgent& ua) { return ua.device.family == "Spider"; }

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c < 0x20 || c == 0x7F) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else if (c >= 0x80) {
      const std::size_t n = Utf8Length(s, i);
      if (n == 0) {
        out.append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  out.push_back('"');
}

void AppendMember(std::string& out, const char* name, const std::optional<std::string>& v,
                  bool first = false) {
  if (!first) out.append(", ");
  out.push_back('"');
  out.append(name);
  out.append("\": ");
  if (v) {
    AppendJsonString(out, *v);
  } else {
    out.append("null");
  }
}

}  // namespace

std::string ToJson(const UserAgent& ua) {
  std::string out;
  out.reserve(256);
  out.append("{\"browser\": {");
  AppendMember(out, "family", ua.browser.family, true);
  AppendMember(out, "major", ua.browser.major);
  AppendMember(out, "minor", ua.browser.minor);
  AppendMember(out, "patch", ua.browser.patch);
  out.append("}, \"os\": {");
  AppendMember(out, "family", ua.os.family, true);
  AppendMember(out, "major", ua.os.major);
  AppendMember(out, "minor", ua.os.minor);
  AppendMember(out, "patch", ua.os.patch);
  AppendMember(out, "patch_minor", ua.os.patch_minor);
  out.append("}, \"device\": {");
  AppendMember(out, "family", ua.device.family, true);
  AppendMember(out, "brand", ua.device.brand);
  AppendMember(out, "model", ua.device.model);
  out.append("}}");
  return out;
}

UserAgentParser::UserAgentParser(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UserAgentParser::~UserAgentParser() = default;

Result<std::unique_ptr<UserAgentParser>> UserAgentParser::Load(std::string_view path,
                                                               ParserOptions options) {
  const std::string file(path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return NotFound("user-agent rules not found: " + file + " (install Debian's uap-core)");
  }
  auto impl = std::make_unique<Impl>(options.cache_capacity);
  RuleStats stats;
  std::vector<RuleText> browser, os, device;
  try {
    const YAML::Node root = YAML::LoadFile(file);
    ASSIGN_OR_RETURN(browser, ReadSection(root, "user_agent_parsers", kBrowserKeys));
    ASSIGN_OR_RETURN(os, ReadSection(root, "os_parsers", kOsKeys));
    ASSIGN_OR_RETURN(device, ReadSection(root, "device_parsers", kDeviceKeys));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(file + ": " + e.what());
  }
  // Compiling is most of the start-up: the device list (the longest, ~60% of
  // the patterns) compiles on a second thread while this one does the others.
  RuleStats device_stats;
  auto device_done = std::async(std::launch::async, [&] {
    return CompileSection("device_parsers", std::move(device), options.use_prefilter, impl->device,
                          device_stats);
  });
  Status compiled = CompileSection("user_agent_parsers", std::move(browser), options.use_prefilter,
                                   impl->browser, stats);
  if (compiled.ok()) {
    compiled = CompileSection("os_parsers", std::move(os), options.use_prefilter, impl->os, stats);
  }
  const Status device_compiled = device_done.get();
  RETURN_IF_ERROR(compiled);
  RETURN_IF_ERROR(device_compiled);
  if (stats.rejected == 0) stats.first_rejection = std::move(device_stats.first_rejection);
  stats.rejected += device_stats.rejected;
  stats.browser_rules = impl->browser.rules.size();
  stats.os_rules = impl->os.rules.size();
  stats.device_rules = impl->device.rules.size();
  std::unique_ptr<UserAgentParser> parser(new UserAgentParser(std::move(impl)));
  parser->stats_ = std::move(stats);
  return parser;
}

UserAgent UserAgentParser::ParseUncached(std::string_view ua) const {
  UserAgent out;
  Groups g;
  if (const Rule* r = FirstMatch(impl_->browser, ua, g)) {
    out.browser.family = Field(r->replacement[0], g, 1).value_or("Other");
    out.browser.major = Field(r->replacement[1], g, 2);
    out.browser.minor = Field(r->replacement[2], g, 3);
    out.browser.patch = Field(r->replacement[3], g, 4);
    out.browser.patch_minor = Field(r->replacement[4], g, 5);
  }
  if (const Rule* r = FirstMatch(impl_->os, ua, g)) {
    out.os.family = Field(r->replacement[0], g, 1).value_or("Other");
    out.os.major = Field(r->replacement[1], g, 2);
    out.os.minor = Field(r->replacement[2], g, 3);
    out.os.patch = Field(r->replacement[3], g, 4);
    out.os.patch_minor = Field(r->replacement[4], g, 5);
  }
  if (const Rule* r = FirstMatch(impl_->device, ua, g)) {
    out.device.family = Field(r->replacement[0], g, 1).value_or("Other");
    out.device.brand = Field(r->replacement[1], g, 0);  // no fallback group
    out.device.model = Field(r->replacement[2], g, 1);
  }
  return out;
}

UserAgent UserAgentParser::Parse(std::string_view ua) const {
  const bool cacheable = impl_->cache.enabled() && ua.size() <= kMaxCachedLength;
  if (cacheable) {
    if (auto hit = impl_->cache.Get(ua)) return *std::move(hit);
  }
  UserAgent out = ParseUncached(ua);
  if (cacheable) impl_->cache.Put(ua, out);
  return out;
}

std::size_t UserAgentParser::cache_hits() const { return impl_->cache.hits(); }
std::size_t UserAgentParser::cache_misses() const { return impl_->cache.misses(); }
std::size_t UserAgentParser::cache_size() const { return impl_->cache.size(); }

}  // namespace yz::collect
