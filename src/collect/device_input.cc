#include "collect/device_input.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <utility>

namespace yz::collect {
namespace {

namespace json = boost::json;

Result<json::object> ObjectBody(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return InvalidArgument("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return InvalidArgument("the body must be a JSON object");
  return std::move(v.get_object());
}

Result<std::string> RequiredString(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return InvalidArgument(std::string(name) + ": is required");
  if (!v->is_string()) return InvalidArgument(std::string(name) + ": must be a string");
  return std::string(v->get_string());
}

Result<std::optional<std::string>> OptionalString(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return InvalidArgument(std::string(name) + ": must be a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<double> RequiredNumber(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (!v || v->is_null()) return InvalidArgument(std::string(name) + ": is required");
  if (!v->is_number()) return InvalidArgument(std::string(name) + ": must be a number");
  boost::system::error_code ec;
  const double d = v->to_number<double>(ec);
  if (ec) return InvalidArgument(std::string(name) + ": must be a number");
  return d;
}

}  // namespace

Result<DeviceEvent> ParseDeviceEventBody(std::string_view body) {
  ASSIGN_OR_RETURN(json::object o, ObjectBody(body));
  DeviceEvent e;
  ASSIGN_OR_RETURN(std::string type, RequiredString(o, "type"));
  auto parsed = ParseDeviceEventType(type);
  if (!parsed) {
    return InvalidArgument("type: must be install, activate, update or uninstall");
  }
  e.type = *parsed;
  ASSIGN_OR_RETURN(e.os, RequiredString(o, "os"));
  ASSIGN_OR_RETURN(e.os_version, RequiredString(o, "os_version"));
  ASSIGN_OR_RETURN(e.app_version, RequiredString(o, "app_version"));
  ASSIGN_OR_RETURN(e.hardware_model, RequiredString(o, "hardware_model"));
  ASSIGN_OR_RETURN(e.imei, OptionalString(o, "imei"));
  ASSIGN_OR_RETURN(e.mac, OptionalString(o, "mac"));
  return e;
}

Result<LocationInput> ParseLocationBody(std::string_view body) {
  ASSIGN_OR_RETURN(json::object o, ObjectBody(body));
  LocationInput in;
  ASSIGN_OR_RETURN(in.lat, RequiredNumber(o, "lat"));
  ASSIGN_OR_RETURN(in.lon, RequiredNumber(o, "lon"));
  return in;
}

Result<bool> ParseLocationConsentBody(std::string_view body) {
  ASSIGN_OR_RETURN(json::object o, ObjectBody(body));
  const json::value* v = o.if_contains("location");
  if (!v || !v->is_bool()) return InvalidArgument("location: must be true or false");
  return v->get_bool();
}

}  // namespace yz::collect
