#include "web/device_api.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string>
#include <utility>

#include "collect/devices.h"
#include "web/account_api.h"
#include "web/csrf.h"

namespace yz::web {
namespace {

namespace json = boost::json;
using collect::DeviceService;

Response JsonOf(int status, const json::value& v) {
  return Response::Json(status, json::serialize(v));
}

// The JSON object body of a POST, after the size and CSRF checks.
Result<json::object> ObjectBody(const Request& req) {
  if (req.body.size() > kMaxDeviceBody) {
    return ResourceExhausted("a device body is at most " + std::to_string(kMaxDeviceBody) +
                             " bytes");
  }
  RETURN_IF_ERROR(csrf::CheckApi(req, /*cookie_authenticated=*/false));
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec) return InvalidArgument("the body is not valid JSON: " + ec.message());
  if (!v.is_object()) return InvalidArgument("the body must be a JSON object");
  return std::move(v.get_object());
}

Response Failure(const Status& s) {
  if (s.code() == Code::kResourceExhausted)
    return Response::Error(413, "body_too_large", s.message());
  return StatusResponse(s);
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

Result<collect::DeviceEvent> ParseEvent(const json::object& o) {
  collect::DeviceEvent e;
  ASSIGN_OR_RETURN(std::string type, RequiredString(o, "type"));
  auto parsed = collect::ParseDeviceEventType(type);
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

Response PostEvent(DeviceService& devices, Request& req) {
  auto body = ObjectBody(req);
  if (!body.ok()) return Failure(body.status());
  auto event = ParseEvent(*body);
  if (!event.ok()) return Failure(event.status());
  if (Status s = devices.RecordEvent(req.Param("install_id"), *event); !s.ok()) return Failure(s);
  return JsonOf(202, json::object{{"status", "accepted"}});
}

Response UpdateCheck(DeviceService& devices, Request& req) {
  collect::UpdateQuery q;
  for (auto [name, field] : {std::pair{"platform", &q.platform}, std::pair{"channel", &q.channel},
                             std::pair{"version", &q.version}}) {
    auto v = req.QueryValue(name);
    if (!v) return Response::Error(400, "invalid_argument", std::string(name) + ": is required");
    *field = std::move(*v);
  }
  q.install_id = req.QueryValue("install_id");
  auto answer = devices.CheckUpdate(q);
  if (!answer.ok()) return Failure(answer.status());
  json::object out{{"latest", answer->latest}, {"required", answer->required}};
  out["url"] = answer->url ? json::value(*answer->url) : json::value(nullptr);
  return JsonOf(200, out).With("Cache-Control", "no-store");
}

Response PostLocation(DeviceService& devices, Request& req) {
  auto body = ObjectBody(req);
  if (!body.ok()) return Failure(body.status());
  auto lat = RequiredNumber(*body, "lat");
  if (!lat.ok()) return Failure(lat.status());
  auto lon = RequiredNumber(*body, "lon");
  if (!lon.ok()) return Failure(lon.status());
  Status s = devices.RecordLocation(req.Param("install_id"), *lat, *lon);
  if (s.code() == Code::kPermissionDenied) {
    return Response::Error(403, "consent_required", s.message());
  }
  if (!s.ok()) return Failure(s);
  return JsonOf(202, json::object{{"status", "accepted"}});
}

Response PostConsent(DeviceService& devices, Request& req) {
  auto body = ObjectBody(req);
  if (!body.ok()) return Failure(body.status());
  const json::value* v = body->if_contains("location");
  if (!v || !v->is_bool()) {
    return Response::Error(400, "invalid_argument", "location: must be true or false");
  }
  const bool given = v->get_bool();
  if (Status s = devices.SetLocationConsent(req.Param("install_id"), given); !s.ok()) {
    return Failure(s);
  }
  json::array purposes;
  for (privacy::Purpose p : devices.location_purposes()) {
    purposes.push_back(json::value(privacy::PurposeName(p)));
  }
  return JsonOf(200, json::object{{"location", given},
                                  {"policy_version", devices.policy_version()},
                                  {"purposes", std::move(purposes)}})
      .With("Cache-Control", "no-store");
}

}  // namespace

void AddDeviceRoutes(Router& r, App& app) {
  if (app.devices == nullptr) return;
  DeviceService& d = *app.devices;
  r.Add("POST", "/api/v1/devices/{install_id}/events",
        [&d](Request& req) { return PostEvent(d, req); });
  r.Add("POST", "/api/v1/devices/{install_id}/location",
        [&d](Request& req) { return PostLocation(d, req); });
  r.Add("POST", "/api/v1/devices/{install_id}/consent",
        [&d](Request& req) { return PostConsent(d, req); });
  r.Add("GET", "/api/v1/app/update-check", [&d](Request& req) { return UpdateCheck(d, req); });
}

}  // namespace yz::web
