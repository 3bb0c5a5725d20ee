#include "web/pages.h"

#include <chrono>
#include <ctime>
#include <exception>
#include <kainjow/mustache.hpp>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "web/assets.h"
#include "web/consent_api.h"

namespace yz::web {
namespace {

namespace mu = kainjow::mustache;

mu::data ToData(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      mu::data d{mu::data::type::object};
      for (const auto& [k, x] : v.get_object()) d.set(std::string(k), ToData(x));
      return d;
    }
    case boost::json::kind::array: {
      mu::data d{mu::data::type::list};
      for (const auto& x : v.get_array()) d.push_back(ToData(x));
      return d;
    }
    case boost::json::kind::string:
      return mu::data{std::string(v.get_string())};
    case boost::json::kind::bool_:
      return v.get_bool() ? mu::data{mu::data::type::bool_true}
                          : mu::data{mu::data::type::bool_false};
    case boost::json::kind::int64:
      return mu::data{std::to_string(v.get_int64())};
    case boost::json::kind::uint64:
      return mu::data{std::to_string(v.get_uint64())};
    case boost::json::kind::double_:
      return mu::data{std::to_string(v.get_double())};
    case boost::json::kind::null:
      return mu::data{mu::data::type::bool_false};
  }
  return mu::data{};
}

// Parsing a template costs more than rendering it, so each thread keeps the ones it
// has compiled, keyed by their text (embedded templates and published statements
// never change). Per thread, because a kainjow template is not safe to render from
// two threads at once; bounded, because published statements are few but not fixed.
std::string RenderText(std::string_view name, std::string_view text, const mu::data& data) {
  constexpr std::size_t kMaxCached = 128;
  thread_local std::unordered_map<std::string, mu::mustache> compiled;
  auto it = compiled.find(std::string(text));
  if (it == compiled.end()) {
    mu::mustache tmpl{std::string(text)};
    if (!tmpl.is_valid()) {
      throw std::runtime_error("template " + std::string(name) + ": " + tmpl.error_message());
    }
    if (compiled.size() >= kMaxCached) compiled.clear();
    it = compiled.emplace(std::string(text), std::move(tmpl)).first;
  }
  return it->second.render(data);
}

std::string Render(std::string_view name, const mu::data& data) {
  auto text = FindAsset("templates/" + std::string(name) + ".mustache");
  if (!text) throw std::runtime_error("no template " + std::string(name));
  return RenderText(name, *text, data);
}

// The page body is either a named template or given text (`body_text`).
Response Page(const Request& req, std::string_view name, const std::string_view* body_text,
              std::string_view title_key, boost::json::object data) {
  Lang lang = PickLanguage(req);
  const auto& messages = Messages(lang);
  boost::json::object t;
  for (const auto& [k, v] : messages) t[k] = v;
  auto title = messages.find(std::string(title_key));
  data["t"] = std::move(t);
  data["lang"] = LangTag(lang);
  data["title"] = title == messages.end() ? std::string(title_key) : title->second;
  auto year = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(
                                              std::chrono::system_clock::now())}
                  .year();
  data["year"] = static_cast<int>(year);
  // C2.3: the cookie banner, until the visitor has chosen (web/consent_api.h).
  const std::string banner_cookie = AddConsentBanner(req, data);

  mu::data d = ToData(data);
  d.set("content", body_text ? RenderText(name, *body_text, d) : Render(name, d));
  Response res = Response::Html(200, Render("layout", d));
  if (!banner_cookie.empty()) res.With("Set-Cookie", banner_cookie);
  if (auto chosen = req.QueryValue("lang"); chosen && ParseLang(*chosen)) {
    res.With("Set-Cookie", CookieHeader(req, "yz_lang", LangTag(lang), 31536000,
                                        /*http_only=*/false));
  }
  res.With("Content-Language", std::string(LangTag(lang)));
  res.With("Vary", "Accept-Language, Cookie");
  return res;
}

}  // namespace

Response RenderPage(const Request& req, std::string_view name, std::string_view title_key,
                    boost::json::object data) {
  return Page(req, name, nullptr, title_key, std::move(data));
}

Response RenderPageText(const Request& req, std::string_view template_text,
                        std::string_view title_key, boost::json::object data) {
  try {
    return Page(req, "published statement", &template_text, title_key, std::move(data));
  } catch (const std::exception& e) {
    return Response::Error(500, "internal", e.what());
  }
}

std::string Msg(const std::map<std::string, std::string>& messages, const std::string& key) {
  auto it = messages.find(key);
  return it == messages.end() ? key : it->second;
}

std::string Fill(std::string text, std::string_view name, std::string_view value) {
  const std::string token = "{" + std::string(name) + "}";
  for (auto pos = text.find(token); pos != std::string::npos;
       pos = text.find(token, pos + value.size())) {
    text.replace(pos, token.size(), value);
  }
  return text;
}

namespace {

std::string FormatUtc(std::int64_t unix_seconds, const char* format) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}

}  // namespace

std::string UtcText(std::int64_t unix_seconds) {
  return FormatUtc(unix_seconds, "%Y-%m-%d %H:%M UTC");
}
std::string UtcIso(std::int64_t unix_seconds) {
  return FormatUtc(unix_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace yz::web
