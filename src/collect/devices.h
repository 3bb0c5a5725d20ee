// Devices (C2.2, issue 5 point 4): app lifecycle events, update checks and,
// with the user's consent, location.
//
// What is kept, field by field (policy/inventory.toml, category "device"):
//  - device.install_id (pseudonymize): never stored. A device is known by the keyed
//    BLAKE2b-128 of its install id (32 hex digits; the key is derived from the
//    blind-index root, context "yzdevice", so it rests in the key directory, not
//    in the database). Its gate and ledger subject is "device:" + that pseudonym.
//  - device.os_type, os_version, app_version, hardware_model (coarsen): the OS as
//    one of android, ios, harmonyos, windows, macos, linux or other; the OS major
//    version; the app's major.minor; the hardware model name (shared by every
//    device of that model), blanks trimmed and folded, and refused when it looks
//    like an identifier (IMEI, MAC, phone, e-mail, IP) sent in its place. Event
//    times are floored to the minute.
//  - device.imei, device.mac (blind_index_encrypt, security only): through
//    Gate::Write, sealed under the device's data key with a blind index, so a
//    device involved in fraud can be found (Gate::FindSubject) and nothing else
//    can read them.
//  - device.location_precise (encrypt, sensitive, consent): "lat,lon" sealed with
//    Gate::Seal, bound to its row of device_locations, kept for the field's
//    retention (24 h) and read only through Gate::Open (LatestLocation).
//  - device.location_geohash (coarsen, consent): the 6-character geohash cell
//    (about 1 km), one row per device, cell and day, kept for its retention (30 d).
// Location needs the location consent: every purpose the two location fields
// name as consent_purposes, given together and withdrawn together. Withdrawing
// deletes the device's stored points and cells at once.
//
// Thread-safety: thread-safe (state is in the database; the gate and ledger are
// thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/app_version.h"
#include "core/status.h"
#include "crypto/secret_key.h"
#include "privacy/consent.h"
#include "privacy/gate.h"
#include "privacy/inventory.h"
#include "store/database.h"

namespace yz::collect {

// The key of install-id pseudonyms, derived from the blind-index root (KDF context
// "yzdevice", subkey 1): the same root gives the same pseudonyms in every process.
crypto::SecretKey DeriveInstallIdKey(const crypto::SecretKey& blind_root);

// True for 8 to 64 characters of [A-Za-z0-9_-] (a UUID, or 128+ random bits in
// base64url): what an app generates at install.
bool WellFormedInstallId(std::string_view install_id);

enum class DeviceEventType { kInstall, kActivate, kUpdate, kUninstall };
std::string_view DeviceEventTypeName(DeviceEventType t);
std::optional<DeviceEventType> ParseDeviceEventType(std::string_view name);

// A lifecycle event as the app reports it, before coarsening.
struct DeviceEvent {
  DeviceEventType type = DeviceEventType::kActivate;
  std::string os;                   // 1..32 printable characters
  std::string os_version;           // 1..32 printable characters
  std::string app_version;          // an AppVersion
  std::string hardware_model;       // 1..64 printable characters
  std::optional<std::string> imei;  // must pass crypto::Normalize(kImei)
  std::optional<std::string> mac;   // must pass crypto::Normalize(kMac)
};

struct UpdateQuery {
  std::string platform;                   // WellFormedReleaseName
  std::string channel;                    // WellFormedReleaseName
  std::string version;                    // an AppVersion
  std::optional<std::string> install_id;  // when given, the check-in names the device
};

// A precise point read back for a nearby service.
struct LocationPoint {
  double lat = 0;
  double lon = 0;
  std::int64_t at = 0;  // Unix seconds, when it was reported
};

class DeviceService {
 public:
  // Everything given outlives the service, except `install_id_key`, which it owns.
  // `policy_version` is the published notice version consents are recorded under;
  // `now` returns Unix seconds (a fake clock in tests).
  DeviceService(store::Database& db, privacy::Gate& gate, privacy::ConsentLedger& consents,
                const privacy::Inventory& inventory, crypto::SecretKey install_id_key,
                std::string policy_version, std::function<std::int64_t()> now);

  // The gate and ledger subject of an install id: "device:" + its pseudonym.
  // InvalidArgument unless WellFormedInstallId.
  Result<std::string> Subject(std::string_view install_id) const;

  // Records a lifecycle event. InvalidArgument (naming the field) for a malformed
  // install id, OS, version, model, IMEI or MAC, before anything is written. An
  // uninstall also deletes the device's precise points (no nearby service is used
  // any more).
  Status RecordEvent(std::string_view install_id, const DeviceEvent& event);

  // The newest release and whether updating is required (Releases::Check), and
  // records the check-in (time to the minute, platform, channel, the caller's
  // major.minor, and the device's pseudonym when an install id is given).
  // InvalidArgument for a malformed platform, channel, version or install id.
  Result<UpdateAnswer> CheckUpdate(const UpdateQuery& query);

  // Gives (`given`) or withdraws the location consent for the device, from the
  // app's settings, under the policy version. Withdrawing deletes the device's
  // precise points and geohash cells at once. InvalidArgument for a malformed
  // install id; FailedPrecondition if the inventory declares no location field.
  Status SetLocationConsent(std::string_view install_id, bool given);
  // True when every location consent purpose is active for the device.
  Result<bool> HasLocationConsent(std::string_view install_id);

  // Stores a reported position: the precise point, sealed, until the retention of
  // device.location_precise ends, and its geohash cell for the day.
  // PermissionDenied without the location consent; InvalidArgument for a malformed
  // install id or a latitude outside [-90, 90] / longitude outside [-180, 180].
  Status RecordLocation(std::string_view install_id, double lat, double lon);

  // The device's newest unexpired precise point, for a nearby service run on
  // behalf of `actor` (the read is recorded for the device when actor is not its
  // subject). Expired rows are deleted first. nullopt if there is none;
  // PermissionDenied without consent (the gate checks it).
  Result<std::optional<LocationPoint>> LatestLocation(std::string_view install_id,
                                                      std::string_view actor);

  // Deletes what has outlived its inventory retention as of `now`: precise points
  // (device.location_precise), geohash cells (device.location_geohash), and
  // events, check-ins and device rows last seen longer ago than device.install_id's
  // retention (and their data keys); IMEI and MAC after their own retention.
  // Returns the number of rows deleted. Safe to run from several nodes.
  Result<std::int64_t> DeleteExpired(std::int64_t now);

  // The purposes the location consent stands for (from the inventory), in the
  // inventory's purpose order.
  const std::vector<privacy::Purpose>& location_purposes() const { return location_purposes_; }

  // The published notice version consents are recorded under.
  const std::string& policy_version() const { return policy_version_; }
  Releases& releases() { return releases_; }

 private:
  std::string Pseudonym(std::string_view install_id) const;
  // Deletes the device's precise points (and, with `cells`, its geohash cells).
  Status ForgetLocation(const std::string& device, bool cells);

  store::Database& db_;
  privacy::Gate& gate_;
  privacy::ConsentLedger& consents_;
  const privacy::Inventory& inventory_;
  const crypto::SecretKey install_id_key_;
  const std::string policy_version_;
  std::function<std::int64_t()> now_;
  std::vector<privacy::Purpose> location_purposes_;
  Releases releases_;
};

}  // namespace yz::collect
