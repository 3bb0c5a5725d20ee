// Devices over HTTP (C2.2): the app's lifecycle events, update check, location
// and location consent. The rules live in collect::DeviceService; handlers parse,
// call it on the worker pool, and map the result.
//
//   POST /api/v1/devices/{install_id}/events    202 {"status":"accepted"}
//   GET  /api/v1/app/update-check?platform=&channel=&version=[&install_id=]
//                                               200 {"latest","required","url"}
//   POST /api/v1/devices/{install_id}/location  202, or 403 consent_required
//   POST /api/v1/devices/{install_id}/consent   200 {"location","policy_version",
//                                                    "purposes"}
// The app authenticates nothing but its random install id, so these calls carry
// no cookie: the CSRF rule for anonymous JSON calls applies (a cross-site Origin
// is refused). Bodies are at most kMaxDeviceBody bytes (413 beyond).
//
// Thread-safety: handlers are stateless; the service is thread-safe.
#pragma once

#include <cstddef>

#include "web/router.h"
#include "web/routes.h"

namespace yz::web {

inline constexpr std::size_t kMaxDeviceBody = 4 * 1024;

// Registers the routes above; none when app.devices is null.
void AddDeviceRoutes(Router& r, App& app);

}  // namespace yz::web
