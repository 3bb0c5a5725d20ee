#include "collect/event_input.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

namespace yz::collect {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxProps = 30;
constexpr std::size_t kMaxPropName = 300;
constexpr std::size_t kMaxPropValue = 2000;
constexpr std::size_t kMaxUrl = 2000;

const json::value* Get(const json::object& o, std::string_view short_name,
                       std::string_view long_name) {
  if (auto* v = o.if_contains(short_name)) return v;
  return o.if_contains(long_name);
}

// Prop names that announce personal data; such props are never kept.
constexpr std::string_view kPersonalProps[] = {
    "ip",      "ip_address", "email",    "mail",      "phone",   "mobile", "tel",       "user",
    "user_id", "userid",     "uid",      "account",   "login",   "name",   "address",   "lat",
    "lon",     "lng",        "latitude", "longitude", "imei",    "mac",    "token",     "password",
    "code",    "q",          "query",    "search",    "id_card", "idcard", "install_id"};

bool PersonalPropName(std::string_view key) {
  std::string lower(key);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view p : kPersonalProps) {
    if (lower == p) return true;
  }
  return false;
}

Result<std::optional<std::string>> Props(const json::value* v) {
  if (!v || v->is_null()) return std::optional<std::string>{};
  json::value parsed;
  if (v->is_string()) {
    boost::system::error_code ec;
    parsed = json::parse(std::string_view(v->as_string()), ec);
    if (ec || !parsed.is_object()) return InvalidArgument("props must be a JSON object");
    v = &parsed;
  }
  if (!v->is_object()) return InvalidArgument("props must be an object");
  const json::object& in = v->as_object();
  if (in.size() > kMaxProps) return InvalidArgument("props may have at most 30 entries");
  json::object out;
  for (const auto& [key, val] : in) {
    if (key.empty() || key.size() > kMaxPropName) {
      return InvalidArgument("prop names must be 1 to 300 bytes");
    }
    std::string text;
    if (val.is_string())
      text = std::string(val.as_string());
    else if (val.is_bool())
      text = val.as_bool() ? "true" : "false";
    else if (val.is_number())
      text = json::serialize(val);
    else if (val.is_null())
      continue;
    else
      return InvalidArgument("prop '" + std::string(key) + "' must be a string, number or boolean");
    if (text.size() > kMaxPropValue) {
      return InvalidArgument("prop '" + std::string(key) + "' is longer than 2000 bytes");
    }
    if (PersonalPropName(key) || LooksPersonal(text) || text.find('\0') != std::string::npos) {
      continue;
    }
    out[key] = text;
  }
  if (out.empty()) return std::optional<std::string>{};
  return std::optional<std::string>{json::serialize(out)};
}

Result<std::string> RequiredString(const json::object& o, std::string_view s, std::string_view l,
                                   std::size_t limit) {
  const json::value* v = Get(o, s, l);
  if (!v || !v->is_string() || v->as_string().empty()) {
    return InvalidArgument(std::string(l) + " is required and must be a string");
  }
  if (v->as_string().size() > limit) {
    return InvalidArgument(std::string(l) + " is longer than " + std::to_string(limit) + " bytes");
  }
  return std::string(v->as_string());
}

Result<EventInput> FromObject(const json::value& v, bool batch) {
  if (!v.is_object()) return InvalidArgument("an event must be a JSON object");
  const json::object& o = v.as_object();
  EventInput e;
  ASSIGN_OR_RETURN(e.name, RequiredString(o, "n", "name", 120));
  ASSIGN_OR_RETURN(e.url, RequiredString(o, "u", "url", kMaxUrl));
  ASSIGN_OR_RETURN(e.site, RequiredString(o, "d", "domain", 253));
  if (const json::value* r = Get(o, "r", "referrer"); r && !r->is_null()) {
    if (!r->is_string()) return InvalidArgument("referrer must be a string or null");
    if (r->as_string().size() <= kMaxUrl) e.referrer = std::string(r->as_string());
  }
  ASSIGN_OR_RETURN(e.props, Props(Get(o, "p", "props")));
  if (batch) {
    if (const json::value* t = o.if_contains("timestamp"); t && !t->is_null()) {
      if (!t->is_int64() && !t->is_uint64()) {
        return InvalidArgument("timestamp must be an integer (Unix seconds)");
      }
      e.at = t->is_int64() ? t->as_int64() : static_cast<std::int64_t>(t->as_uint64());
    }
  }
  return e;
}

// The document lives in `arena` (one block, freed at once), which must outlive it.
Result<json::value> ParseJson(std::string_view body, json::monotonic_resource& arena) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, &arena);
  if (ec) return InvalidArgument("body is not valid JSON: " + ec.message());
  return v;
}

}  // namespace

bool LooksPersonal(std::string_view v) {
  auto at = v.find('@');
  if (at != std::string_view::npos && at > 0 && v.find('.', at) != std::string_view::npos) {
    return true;
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(std::string(v), ec);
  if (!ec) return true;  // an IP address
  // A MAC address: six pairs of hex digits split by ':' or '-'.
  if (v.size() == 17) {
    bool mac = true;
    for (std::size_t i = 0; i < 17 && mac; ++i) {
      mac = i % 3 == 2 ? (v[i] == ':' || v[i] == '-')
                       : std::isxdigit(static_cast<unsigned char>(v[i])) != 0;
    }
    if (mac) return true;
  }
  // A phone number: only digits and separators, at least 7 digits.
  std::size_t digits = 0;
  for (char c : v) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c != ' ' && c != '-' && c != '+' && c != '(' && c != ')') {
      return false;
    }
  }
  return digits >= 7;
}

Result<EventInput> ParsePlausibleEvent(std::string_view body) {
  json::monotonic_resource arena;
  ASSIGN_OR_RETURN(json::value v, ParseJson(body, arena));
  return FromObject(v, false);
}

Result<std::vector<EventInput>> ParseEventBatch(std::string_view body) {
  json::monotonic_resource arena;
  ASSIGN_OR_RETURN(json::value v, ParseJson(body, arena));
  const json::value* events = v.is_object() ? v.as_object().if_contains("events") : nullptr;
  if (!events || !events->is_array()) {
    return InvalidArgument("body must be {\"events\": [...]}");
  }
  const json::array& arr = events->as_array();
  if (arr.empty()) return InvalidArgument("events must not be empty");
  if (arr.size() > kMaxBatch) {
    return InvalidArgument("at most " + std::to_string(kMaxBatch) + " events per request, got " +
                           std::to_string(arr.size()));
  }
  std::vector<EventInput> out;
  out.reserve(arr.size());
  for (std::size_t i = 0; i < arr.size(); ++i) {
    auto e = FromObject(arr[i], true);
    if (!e.ok()) return InvalidArgument("event " + std::to_string(i) + ": " + e.status().message());
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace yz::collect
