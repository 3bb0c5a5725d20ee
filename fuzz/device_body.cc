// Fuzzes the app's device bodies (collect/device_input.h): lifecycle events,
// location reports and the location consent, each input given to all three, and
// what DeviceService checks next on a parsed event without a database: the app
// version, the install id's shape, IMEI and MAC normalisation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/app_version.h"
#include "collect/device_input.h"
#include "collect/devices.h"
#include "crypto/blind_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto e = yz::collect::ParseDeviceEventBody(body); e.ok()) {
    (void)yz::collect::AppVersion::Parse(e->app_version);
    if (e->imei) (void)yz::crypto::Normalize(yz::crypto::BlindKind::kImei, *e->imei);
    if (e->mac) (void)yz::crypto::Normalize(yz::crypto::BlindKind::kMac, *e->mac);
  }
  (void)yz::collect::ParseLocationBody(body);
  (void)yz::collect::ParseLocationConsentBody(body);
  // The install id comes from the path: the same bytes, as a path segment.
  (void)yz::collect::WellFormedInstallId(body);
  (void)yz::collect::AppVersion::Parse(body);
  (void)yz::collect::WellFormedReleaseName(body);
  return 0;
}
