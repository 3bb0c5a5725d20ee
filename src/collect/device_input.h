// Reading the app's device request bodies (C2.2): the JSON of
// POST /api/v1/devices/{install_id}/events, .../location and .../consent.
// Kept apart from the handlers (web/device_api.cc) so that unit tests and the
// fuzz target (fuzz/device_body.cc) drive exactly what the server parses.
//
// These check the shape only (which keys, which JSON types); the values are
// checked by DeviceService (lengths, versions, IMEI and MAC normalisation).
// Errors are InvalidArgument with a message naming the field, fit for a client.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "collect/devices.h"
#include "core/status.h"

namespace yz::collect {

// {"type", "os", "os_version", "app_version", "hardware_model", "imei"?, "mac"?}.
Result<DeviceEvent> ParseDeviceEventBody(std::string_view body);

struct LocationInput {
  double lat = 0;
  double lon = 0;
};
// {"lat": number, "lon": number}; the range is DeviceService's to check.
Result<LocationInput> ParseLocationBody(std::string_view body);

// {"location": true|false}: the location consent given or withdrawn.
Result<bool> ParseLocationConsentBody(std::string_view body);

}  // namespace yz::collect
