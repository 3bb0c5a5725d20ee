#include "web/device_api.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <optional>
#include <string>
#include <utility>

#include "collect/device_input.h"
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

// The size and CSRF checks every POST passes before its body is parsed
// (collect/device_input.h).
Status CheckPost(const Request& req) {
  if (req.body.size() > kMaxDeviceBody) {
    return ResourceExhausted("a device body is at most " + std::to_string(kMaxDeviceBody) +
                             " bytes");
  }
  return csrf::CheckApi(req, /*cookie_authenticated=*/false);
}

Response Failure(const Status& s) {
  if (s.code() == Code::kResourceExhausted)
    return Response::Error(413, "body_too_large", s.message());
  return StatusResponse(s);
}

Response PostEvent(DeviceService& devices, Request& req) {
  if (Status s = CheckPost(req); !s.ok()) return Failure(s);
  auto event = collect::ParseDeviceEventBody(req.body);
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
  if (Status s = CheckPost(req); !s.ok()) return Failure(s);
  auto point = collect::ParseLocationBody(req.body);
  if (!point.ok()) return Failure(point.status());
  Status s = devices.RecordLocation(req.Param("install_id"), point->lat, point->lon);
  if (s.code() == Code::kPermissionDenied) {
    return Response::Error(403, "consent_required", s.message());
  }
  if (!s.ok()) return Failure(s);
  return JsonOf(202, json::object{{"status", "accepted"}});
}

Response PostConsent(DeviceService& devices, Request& req) {
  if (Status s = CheckPost(req); !s.ok()) return Failure(s);
  auto consent = collect::ParseLocationConsentBody(req.body);
  if (!consent.ok()) return Failure(consent.status());
  const bool given = *consent;
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
