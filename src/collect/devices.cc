#include "collect/devices.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <utility>

#include "collect/event_input.h"
#include "collect/geohash.h"
#include "core/ascii.h"
#include "core/random.h"
#include "core/utf8.h"
#include "crypto/aead.h"
#include "crypto/blind_index.h"

namespace yz::collect {
namespace {

constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "yzdevice";
static_assert(sizeof(kKdfContext) - 1 == crypto_kdf_CONTEXTBYTES);
static_assert(crypto_kdf_KEYBYTES == crypto::SecretKey::kSize);
static_assert(crypto_generichash_KEYBYTES == crypto::SecretKey::kSize);
constexpr std::uint64_t kInstallIdSubkey = 1;
constexpr std::size_t kPseudonymBytes = 16;

constexpr std::string_view kPreciseField = "device.location_precise";
constexpr std::string_view kGeohashField = "device.location_geohash";
constexpr std::string_view kPointTable = "device_locations";
constexpr std::string_view kPointColumn = "point";

constexpr std::int64_t kDay = 86'400;
// Used only if the inventory the gate enforces lacks a field (an old notice).
constexpr std::int64_t kDefaultPreciseRetention = kDay;
constexpr std::int64_t kDefaultGeohashRetention = 30 * kDay;
constexpr std::int64_t kDefaultDeviceRetention = 400 * kDay;
constexpr std::int64_t kDefaultIdRetention = 180 * kDay;  // device.imei, device.mac

constexpr privacy::Purpose kAllPurposes[] = {
    privacy::Purpose::kService,   privacy::Purpose::kSecurity,   privacy::Purpose::kPersonalization,
    privacy::Purpose::kPromotion, privacy::Purpose::kStatistics, privacy::Purpose::kPartner,
    privacy::Purpose::kLegal,     privacy::Purpose::kResearch};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The model name as every device of the model reports it: blanks trimmed and
// runs of them folded to one space ("Redmi  Note 12 " is "Redmi Note 12").
std::string FoldBlanks(std::string_view s) {
  std::string out;
  for (char c : Trim(s)) {
    const bool blank = c == ' ' || c == '\t';
    if (blank && !out.empty() && out.back() == ' ') continue;
    out.push_back(blank ? ' ' : c);
  }
  return out;
}

// 1..max bytes of UTF-8 without control characters.
Status CheckText(std::string_view name, std::string_view value, std::size_t max) {
  if (value.empty() || value.size() > max) {
    return InvalidArgument(std::string(name) + ": must be 1 to " + std::to_string(max) + " bytes");
  }
  const bool control = std::any_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
  if (control || !CountCodePoints(value)) {
    return InvalidArgument(std::string(name) + ": must be UTF-8 text without control characters");
  }
  return Status::Ok();
}

// The OS family, from a closed list.
std::string CoarseOs(std::string_view os) {
  std::string s;
  for (char c : os) {
    if (c != ' ' && c != '_' && c != '-') s.push_back(AsciiLower(c));
  }
  if (s == "android") return "android";
  if (s == "ios" || s == "ipados" || s == "iphoneos") return "ios";
  if (s == "harmonyos" || s == "harmony" || s == "openharmony") return "harmonyos";
  if (s == "windows") return "windows";
  if (s == "macos" || s == "macosx" || s == "osx") return "macos";
  if (s == "linux") return "linux";
  return "other";
}

// The OS major version ("17.4.1" -> "17"), or "other" if it does not start with one.
std::string CoarseOsVersion(std::string_view v) {
  std::size_t n = 0;
  while (n < v.size() && v[n] >= '0' && v[n] <= '9') ++n;
  if (n == 0 || n > 6) return "other";
  return std::string(v.substr(0, n));
}

// "lat,lon" in the shortest form that reads back as the same doubles.
std::string PointText(double lat, double lon) { return fmt::format("{},{}", lat, lon); }

std::optional<std::pair<double, double>> ParsePoint(std::string_view text) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  double lat = 0, lon = 0;
  const char* end = text.data() + text.size();
  auto a = std::from_chars(text.data(), text.data() + comma, lat);
  auto b = std::from_chars(text.data() + comma + 1, end, lon);
  if (a.ec != std::errc() || b.ec != std::errc() || b.ptr != end) return std::nullopt;
  return std::pair{lat, lon};
}

Status CheckInstallId(std::string_view install_id) {
  if (!WellFormedInstallId(install_id)) {
    return InvalidArgument("install_id: must be 8 to 64 characters of A-Z, a-z, 0-9, _ and -");
  }
  return Status::Ok();
}

}  // namespace

crypto::SecretKey DeriveInstallIdKey(const crypto::SecretKey& blind_root) {
  // libsodium cannot start only without an entropy source: nothing works then.
  if (!crypto::EnsureSodium().ok()) std::abort();
  auto key =
      crypto::SecretKey::FillWith([&](std::span<std::uint8_t, crypto::SecretKey::kSize> out) {
        crypto_kdf_derive_from_key(out.data(), out.size(), kInstallIdSubkey, kKdfContext,
                                   blind_root.data());
        return Status::Ok();
      });
  return std::move(key).value();
}

bool WellFormedInstallId(std::string_view id) {
  return id.size() >= 8 && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
         });
}

std::string_view DeviceEventTypeName(DeviceEventType t) {
  switch (t) {
    case DeviceEventType::kInstall:
      return "install";
    case DeviceEventType::kActivate:
      return "activate";
    case DeviceEventType::kUpdate:
      return "update";
    case DeviceEventType::kUninstall:
      return "uninstall";
  }
  return "activate";
}

std::optional<DeviceEventType> ParseDeviceEventType(std::string_view name) {
  for (auto t : {DeviceEventType::kInstall, DeviceEventType::kActivate, DeviceEventType::kUpdate,
                 DeviceEventType::kUninstall}) {
    if (DeviceEventTypeName(t) == name) return t;
  }
  return std::nullopt;
}

DeviceService::DeviceService(store::Database& db, privacy::Gate& gate,
                             privacy::ConsentLedger& consents, const privacy::Inventory& inventory,
                             crypto::SecretKey install_id_key, std::string policy_version,
                             std::function<std::int64_t()> now)
    : db_(db),
      gate_(gate),
      consents_(consents),
      inventory_(inventory),
      install_id_key_(std::move(install_id_key)),
      policy_version_(std::move(policy_version)),
      now_(std::move(now)),
      releases_(db, now_) {
  const privacy::FieldSpec* precise = inventory_.Find(kPreciseField);
  const privacy::FieldSpec* cell = inventory_.Find(kGeohashField);
  for (privacy::Purpose p : kAllPurposes) {
    if ((precise && precise->ConsentRequiredFor(p)) || (cell && cell->ConsentRequiredFor(p))) {
      location_purposes_.push_back(p);
    }
  }
}

std::string DeviceService::Pseudonym(std::string_view install_id) const {
  unsigned char out[kPseudonymBytes];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(install_id.data()),
                     install_id.size(), install_id_key_.data(), install_id_key_.size());
  char hex[2 * kPseudonymBytes + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return std::string(hex, 2 * kPseudonymBytes);
}

Result<std::string> DeviceService::Subject(std::string_view install_id) const {
  RETURN_IF_ERROR(CheckInstallId(install_id));
  return "device:" + Pseudonym(install_id);
}

Status DeviceService::RecordEvent(std::string_view install_id, const DeviceEvent& e) {
  // Everything is checked before anything is written.
  RETURN_IF_ERROR(CheckInstallId(install_id));
  RETURN_IF_ERROR(CheckText("os", e.os, 32));
  RETURN_IF_ERROR(CheckText("os_version", e.os_version, 32));
  const std::string model = FoldBlanks(e.hardware_model);
  RETURN_IF_ERROR(CheckText("hardware_model", model, 64));
  // The model is kept in the clear, so it must name a model: an IMEI, MAC, phone
  // number, e-mail or IP address sent here by mistake is refused, not stored.
  if (LooksPersonal(model)) {
    return InvalidArgument(
        "hardware_model: must be a model name, not an identifier (IMEI, MAC, phone number, "
        "e-mail or IP address)");
  }
  auto app = AppVersion::Parse(e.app_version);
  if (!app.ok()) return InvalidArgument("app_version: " + app.status().message());
  std::optional<std::string> imei, mac;
  if (e.imei) {
    auto n = crypto::Normalize(crypto::BlindKind::kImei, *e.imei);
    if (!n.ok()) return InvalidArgument("imei: " + n.status().message());
    imei = std::move(*n);
  }
  if (e.mac) {
    auto n = crypto::Normalize(crypto::BlindKind::kMac, *e.mac);
    if (!n.ok()) return InvalidArgument("mac: " + n.status().message());
    mac = std::move(*n);
  }

  const std::string device = Pseudonym(install_id);
  const std::string subject = "device:" + device;
  const std::int64_t now = now_();
  const std::int64_t minute = now / 60 * 60;
  const std::string os = CoarseOs(e.os);
  const std::string os_version = CoarseOsVersion(e.os_version);
  const std::string app_version = app->MajorMinor();
  const std::string type(DeviceEventTypeName(e.type));
  RETURN_IF_ERROR(db_.InTransaction([&](store::Connection& conn) -> Status {
    const store::Value event[] = {device, type,       minute,      now / kDay,
                                  os,     os_version, app_version, model};
    RETURN_IF_ERROR(conn.Exec("INSERT INTO device_events (device, type, at, day, os, os_version, "
                              "app_version, hardware_model) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                              "$8)",
                              event)
                        .status());
    const bool install = e.type == DeviceEventType::kInstall;
    const bool uninstall = e.type == DeviceEventType::kUninstall;
    const store::Value row[] = {device,
                                os,
                                os_version,
                                app_version,
                                model,
                                minute,
                                install ? store::Value(minute) : store::Null(),
                                uninstall ? store::Value(minute) : store::Null()};
    // Any event but an uninstall means the app is installed (again).
    return conn
        .Exec(
            "INSERT INTO devices (device, os, os_version, app_version, hardware_model, "
            "first_seen, last_seen, installed_at, uninstalled_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) "
            "ON CONFLICT (device) DO UPDATE SET os = excluded.os, "
            "os_version = excluded.os_version, app_version = excluded.app_version, "
            "hardware_model = excluded.hardware_model, last_seen = excluded.last_seen, "
            "installed_at = COALESCE(devices.installed_at, excluded.installed_at), "
            "uninstalled_at = excluded.uninstalled_at",
            row)
        .status();
  }));
  // Security-only identifiers rest sealed and blind-indexed in the gate's table,
  // written once the event itself is recorded (a failed event leaves none).
  if (imei) RETURN_IF_ERROR(gate_.Write(subject, "device.imei", *imei));
  if (mac) RETURN_IF_ERROR(gate_.Write(subject, "device.mac", *mac));
  if (e.type == DeviceEventType::kUninstall) return ForgetLocation(device, /*cells=*/false);
  return Status::Ok();
}

Result<UpdateAnswer> DeviceService::CheckUpdate(const UpdateQuery& q) {
  if (!WellFormedReleaseName(q.platform)) {
    return InvalidArgument("platform: must be 1 to 32 characters of a-z, 0-9, _ and -");
  }
  if (!WellFormedReleaseName(q.channel)) {
    return InvalidArgument("channel: must be 1 to 32 characters of a-z, 0-9, _ and -");
  }
  auto version = AppVersion::Parse(q.version);
  if (!version.ok()) return InvalidArgument("version: " + version.status().message());
  std::optional<std::string> device;
  if (q.install_id) {
    RETURN_IF_ERROR(CheckInstallId(*q.install_id));
    device = Pseudonym(*q.install_id);
  }
  ASSIGN_OR_RETURN(UpdateAnswer answer, releases_.Check(q.platform, q.channel, *version));

  const std::int64_t now = now_();
  const std::int64_t minute = now / 60 * 60;
  const std::string app_version = version->MajorMinor();
  RETURN_IF_ERROR(db_.InTransaction([&](store::Connection& conn) -> Status {
    const store::Value check[] = {minute,      now / kDay,
                                  q.platform,  q.channel,
                                  app_version, device ? store::Value(*device) : store::Null()};
    RETURN_IF_ERROR(conn.Exec("INSERT INTO update_checks (at, day, platform, channel, "
                              "app_version, device) VALUES ($1, $2, $3, $4, $5, $6)",
                              check)
                        .status());
    if (!device) return Status::Ok();
    const store::Value seen[] = {minute, app_version, *device};
    return conn.Exec("UPDATE devices SET last_seen = $1, app_version = $2 WHERE device = $3", seen)
        .status();
  }));
  return answer;
}

Status DeviceService::SetLocationConsent(std::string_view install_id, bool given) {
  RETURN_IF_ERROR(CheckInstallId(install_id));
  if (location_purposes_.empty()) {
    return FailedPrecondition("the published privacy notice declares no device location");
  }
  const std::string device = Pseudonym(install_id);
  const std::string subject = "device:" + device;
  if (given) {
    for (privacy::Purpose p : location_purposes_) {
      RETURN_IF_ERROR(
          consents_.Give(subject, p, policy_version_, privacy::ConsentSource::kSettings));
    }
    return Status::Ok();
  }
  for (privacy::Purpose p : location_purposes_) {
    Status s = consents_.Withdraw(subject, p);
    if (!s.ok() && s.code() != Code::kNotFound) return s;
  }
  return ForgetLocation(device, /*cells=*/true);
}

Result<bool> DeviceService::HasLocationConsent(std::string_view install_id) {
  ASSIGN_OR_RETURN(std::string subject, Subject(install_id));
  if (location_purposes_.empty()) return false;
  for (privacy::Purpose p : location_purposes_) {
    ASSIGN_OR_RETURN(bool has, consents_.Has(subject, p));
    if (!has) return false;
  }
  return true;
}

Status DeviceService::RecordLocation(std::string_view install_id, double lat, double lon) {
  RETURN_IF_ERROR(CheckInstallId(install_id));
  if (!ValidCoordinates(lat, lon)) {
    return InvalidArgument("lat must be within [-90, 90] and lon within [-180, 180]");
  }
  ASSIGN_OR_RETURN(bool consented, HasLocationConsent(install_id));
  if (!consented) return PermissionDenied("location is kept only with the location consent");

  const std::string device = Pseudonym(install_id);
  const std::string subject = "device:" + device;
  const std::string cell = *GeohashEncode(lat, lon, kLocationGeohashPrecision);
  const std::string row = RandomHex(16);
  std::string point = PointText(lat, lon);
  auto sealed = gate_.Seal(subject, kPreciseField, point, {kPointTable, kPointColumn, row});
  sodium_memzero(point.data(), point.size());
  if (!sealed.ok()) return sealed.status();

  const std::int64_t now = now_();
  const std::int64_t expires =
      now + inventory_.RetentionSeconds(kPreciseField, kDefaultPreciseRetention);
  RETURN_IF_ERROR(db_.InTransaction([&](store::Connection& conn) -> Status {
    const store::Value p[] = {row, device, store::Blob(std::move(*sealed)), now, expires};
    RETURN_IF_ERROR(conn.Exec("INSERT INTO device_locations (id, device, point, at, expires_at) "
                              "VALUES ($1, $2, $3, $4, $5)",
                              p)
                        .status());
    const store::Value c[] = {now / kDay, cell, device};
    return conn
        .Exec(
            "INSERT INTO device_cells (day, geohash, device) VALUES ($1, $2, $3) "
            "ON CONFLICT (day, geohash, device) DO NOTHING",
            c)
        .status();
  }));
  // A withdrawal that ran between the check above and the insert deleted nothing
  // of this point: look again, so a withdrawn consent always leaves no point behind.
  ASSIGN_OR_RETURN(bool still, HasLocationConsent(install_id));
  if (!still) {
    RETURN_IF_ERROR(ForgetLocation(device, /*cells=*/true));
    return PermissionDenied("location is kept only with the location consent");
  }
  return Status::Ok();
}

Result<std::optional<LocationPoint>> DeviceService::LatestLocation(std::string_view install_id,
                                                                   std::string_view actor) {
  ASSIGN_OR_RETURN(std::string subject, Subject(install_id));
  const std::int64_t now = now_();
  RETURN_IF_ERROR(DeleteExpired(now).status());
  const std::string device = subject.substr(std::string_view("device:").size());
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value p[] = {device, now};
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT id, point, at FROM device_locations "
                                          "WHERE device = $1 AND expires_at > $2 "
                                          "ORDER BY at DESC, id LIMIT 1",
                                          p));
  if (rows.empty()) return std::optional<LocationPoint>{};
  const std::string row = rows[0].Text(0);
  ASSIGN_OR_RETURN(std::string text,
                   gate_.Open(subject, kPreciseField, rows[0].Bytes(1),
                              {kPointTable, kPointColumn, row}, privacy::Purpose::kService, actor));
  auto parsed = ParsePoint(text);
  sodium_memzero(text.data(), text.size());
  if (!parsed) return Internal("device_locations holds a point that does not parse");
  return std::optional<LocationPoint>{LocationPoint{parsed->first, parsed->second, rows[0].Int(2)}};
}

Result<std::int64_t> DeviceService::DeleteExpired(std::int64_t now) {
  const std::int64_t cells_before =
      (now - inventory_.RetentionSeconds(kGeohashField, kDefaultGeohashRetention)) / kDay;
  const std::int64_t devices_before =
      now - inventory_.RetentionSeconds("device.install_id", kDefaultDeviceRetention);
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  std::int64_t deleted = 0;
  // IMEI and MAC live in the gate's table: removed after their own retention.
  for (const char* field : {"device.imei", "device.mac"}) {
    const store::Value p[] = {std::string(field),
                              now - inventory_.RetentionSeconds(field, kDefaultIdRetention)};
    ASSIGN_OR_RETURN(auto old, conn->Query("SELECT subject FROM personal_values WHERE field = $1 "
                                           "AND updated_at < $2 AND subject LIKE 'device:%'",
                                           p));
    for (const auto& row : old) {
      RETURN_IF_ERROR(gate_.Remove(row.Text(0), field));
      ++deleted;
    }
  }
  // A device forgotten altogether loses its data key too (crypto-shredding).
  const store::Value gone_bound[] = {devices_before};
  ASSIGN_OR_RETURN(auto gone,
                   conn->Query("SELECT device FROM devices WHERE last_seen < $1", gone_bound));
  for (const auto& row : gone) RETURN_IF_ERROR(gate_.Erase("device:" + row.Text(0)));
  const std::pair<const char*, std::int64_t> jobs[] = {
      {"DELETE FROM device_locations WHERE expires_at <= $1", now},
      {"DELETE FROM device_cells WHERE day < $1", cells_before},
      {"DELETE FROM device_events WHERE at < $1", devices_before},
      {"DELETE FROM update_checks WHERE at < $1", devices_before},
      {"DELETE FROM devices WHERE last_seen < $1", devices_before},
  };
  for (const auto& [sql, bound] : jobs) {
    const store::Value p[] = {bound};
    ASSIGN_OR_RETURN(std::int64_t n, conn->Exec(sql, p));
    deleted += n;
  }
  return deleted;
}

Status DeviceService::ForgetLocation(const std::string& device, bool cells) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const store::Value p[] = {device};
  RETURN_IF_ERROR(conn->Exec("DELETE FROM device_locations WHERE device = $1", p).status());
  if (!cells) return Status::Ok();
  return conn->Exec("DELETE FROM device_cells WHERE device = $1", p).status();
}

}  // namespace yz::collect
