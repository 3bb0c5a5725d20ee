// The device service on both backends (C2.2): lifecycle events kept coarsened
// under a keyed pseudonym of the install id, IMEI and MAC sealed and blind-indexed
// for security only, location only with consent (precise point sealed for 24 h,
// geohash cell for statistics), update checks against the release catalogue.
#include "collect/devices.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../store_fixture.h"
#include "collect/geohash.h"
#include "crypto/key_directory.h"

namespace yz::collect {
namespace {

using privacy::Purpose;

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;
constexpr char kInstall[] = "inst-7f3c9a2e-5b1d-4e8a-9c0f-2d6b8a1e4f70";
constexpr char kImei[] = "490154203237518";  // valid Luhn check digit
constexpr char kImeiBody[] = "49015420323751";
constexpr char kMac[] = "00:1A:2B:3C:4D:5E";
constexpr double kLat = 39.904211;
constexpr double kLon = 116.407395;

class DevicesTest : public yz::testing::GateTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(GateTest::SetUp());
    auto dir = crypto::KeyDirectory::Open(dir_ / "keys");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    auto root = dir->BlindRoot();
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    service_ = std::make_unique<DeviceService>(*db_, *gate_, *consents_, *inventory_,
                                               DeriveInstallIdKey(*root), "3", now_);
  }
  void TearDown() override {
    service_.reset();
    GateTest::TearDown();
  }

  static DeviceEvent Event(DeviceEventType type) {
    DeviceEvent e;
    e.type = type;
    e.os = "Android";
    e.os_version = "14.0.2";
    e.app_version = "2.3.1";
    e.hardware_model = "  SM-G9910 ";
    return e;
  }

  std::int64_t Count(const std::string& table) {
    auto rows = Query("SELECT COUNT(*) FROM " + table);
    return rows.empty() ? -1 : rows[0].Int(0);
  }

  std::string Subject(std::string_view install_id = kInstall) {
    auto s = service_->Subject(install_id);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : "";
  }

  std::unique_ptr<DeviceService> service_;
};

// C2.2: events are kept coarsened, under a keyed pseudonym, never the install id.
TEST_P(DevicesTest, RecordsLifecycleEventsCoarsenedUnderAPseudonym) {
  ASSERT_TRUE(service_->RecordEvent(kInstall, Event(DeviceEventType::kInstall)).ok());
  clock_ += 90;
  ASSERT_TRUE(service_->RecordEvent(kInstall, Event(DeviceEventType::kActivate)).ok());

  const std::string subject = Subject();
  ASSERT_TRUE(subject.starts_with("device:"));
  const std::string device = subject.substr(7);
  EXPECT_EQ(device.size(), 32u);
  EXPECT_EQ(device.find_first_not_of("0123456789abcdef"), std::string::npos);

  auto rows = Query(
      "SELECT device, os, os_version, app_version, hardware_model, installed_at, "
      "uninstalled_at FROM devices");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), device);
  EXPECT_EQ(rows[0].Text(1), "android");
  EXPECT_EQ(rows[0].Text(2), "14");
  EXPECT_EQ(rows[0].Text(3), "2.3");
  EXPECT_EQ(rows[0].Text(4), "SM-G9910");
  EXPECT_EQ(rows[0].Int(5), 1'800'000'000 / 60 * 60);
  EXPECT_TRUE(rows[0].IsNull(6));

  auto events = Query("SELECT type, at, device FROM device_events ORDER BY id");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].Text(0), "install");
  EXPECT_EQ(events[1].Text(0), "activate");
  EXPECT_EQ(events[1].Int(1) % 60, 0);  // to the minute
  EXPECT_EQ(events[1].Text(2), device);

  ASSERT_TRUE(service_->RecordEvent(kInstall, Event(DeviceEventType::kUninstall)).ok());
  EXPECT_FALSE(Query("SELECT uninstalled_at FROM devices")[0].IsNull(0));
}

// C2.2: the pseudonym is stable for one key and unrelated under another key.
TEST_P(DevicesTest, PseudonymIsStableAndKeyed) {
  EXPECT_EQ(Subject(), Subject());
  EXPECT_NE(Subject(), Subject("inst-other-device-0001"));
  DeviceService other(*db_, *gate_, *consents_, *inventory_,
                      DeriveInstallIdKey(crypto::SecretKey::Random()), "3", now_);
  auto elsewhere = other.Subject(kInstall);
  ASSERT_TRUE(elsewhere.ok());
  EXPECT_NE(*elsewhere, Subject());
}

// C2.2: blanks are folded, so every device of a model groups under one name;
// model codes of digits and letters are models, not identifiers.
TEST_P(DevicesTest, HardwareModelIsTheModelsSharedName) {
  DeviceEvent e = Event(DeviceEventType::kInstall);
  e.hardware_model = " Redmi \t Note  12 ";
  ASSERT_TRUE(service_->RecordEvent(kInstall, e).ok());
  EXPECT_EQ(Query("SELECT hardware_model FROM devices")[0].Text(0), "Redmi Note 12");
  e = Event(DeviceEventType::kUpdate);
  e.hardware_model = "2201117TY";
  ASSERT_TRUE(service_->RecordEvent(kInstall, e).ok());
  EXPECT_EQ(Query("SELECT hardware_model FROM devices")[0].Text(0), "2201117TY");
}

// C2.2: malformed input is refused before anything is written.
TEST_P(DevicesTest, RefusesMalformedInputWithoutWriting) {
  for (const char* id : {"short", "has space in it", "inst/../../etc", "ünïcode-id-0001", ""}) {
    EXPECT_EQ(service_->RecordEvent(id, Event(DeviceEventType::kInstall)).code(),
              Code::kInvalidArgument)
        << id;
  }
  EXPECT_EQ(service_->RecordEvent(std::string(65, 'a'), Event(DeviceEventType::kInstall)).code(),
            Code::kInvalidArgument);
  auto bad = [&](auto change) {
    DeviceEvent e = Event(DeviceEventType::kInstall);
    e.imei = kImei;
    change(e);
    return service_->RecordEvent(kInstall, e).code();
  };
  EXPECT_EQ(bad([](DeviceEvent& e) { e.app_version = "2.3-beta"; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](DeviceEvent& e) { e.os = ""; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](DeviceEvent& e) { e.os_version = std::string(33, '1'); }),
            Code::kInvalidArgument);
  EXPECT_EQ(bad([](DeviceEvent& e) { e.hardware_model = std::string(65, 'M'); }),
            Code::kInvalidArgument);
  EXPECT_EQ(bad([](DeviceEvent& e) { e.hardware_model = "Pixel\n8"; }), Code::kInvalidArgument);
  // C2.2: the model rests in the clear, so identifiers sent in its place are refused.
  for (const char* id :
       {"356938035643809", "00:1A:2B:3C:4D:5E", "138-0013-8000", "a@b.example", "10.1.2.3"}) {
    EXPECT_EQ(bad([&](DeviceEvent& e) { e.hardware_model = id; }), Code::kInvalidArgument) << id;
  }
  EXPECT_EQ(bad([](DeviceEvent& e) { e.imei = "490154203237519"; }),  // Luhn fails
            Code::kInvalidArgument);
  EXPECT_EQ(bad([](DeviceEvent& e) { e.imei = "49015420"; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](DeviceEvent& e) { e.mac = "00:1A:2B:3C:4D"; }), Code::kInvalidArgument);
  EXPECT_EQ(bad([](DeviceEvent& e) { e.mac = "zz:1A:2B:3C:4D:5E"; }), Code::kInvalidArgument);
  EXPECT_EQ(Count("devices"), 0);
  EXPECT_EQ(Count("device_events"), 0);
  EXPECT_EQ(Count("personal_values"), 0);
}

// C2.2: IMEI and MAC are sealed and blind-indexed, readable for security only.
TEST_P(DevicesTest, ImeiAndMacServeSecurityOnly) {
  DeviceEvent e = Event(DeviceEventType::kInstall);
  e.imei = kImei;
  e.mac = kMac;
  ASSERT_TRUE(service_->RecordEvent(kInstall, e).ok());
  const std::string subject = Subject();

  // Found by the blind index whatever the spelling (a device involved in fraud).
  auto found = gate_->FindSubject("device.imei", "49-015420-323751-8");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, subject);
  auto by_mac = gate_->FindSubject("device.mac", "001a.2b3c.4d5e");
  ASSERT_TRUE(by_mac.ok() && by_mac->has_value());
  EXPECT_EQ(**by_mac, subject);

  EXPECT_TRUE(gate_->Read(subject, "device.imei", Purpose::kSecurity, "security:review").ok());
  for (Purpose p : {Purpose::kStatistics, Purpose::kService, Purpose::kPersonalization}) {
    EXPECT_EQ(gate_->Read(subject, "device.imei", p, "x").status().code(), Code::kPermissionDenied);
    EXPECT_EQ(gate_->Read(subject, "device.mac", p, "x").status().code(), Code::kPermissionDenied);
  }
}

// C2.2: without the location consent a location is refused and nothing is kept.
TEST_P(DevicesTest, LocationWithoutConsentIsRefused) {
  EXPECT_EQ(service_->RecordLocation(kInstall, kLat, kLon).code(), Code::kPermissionDenied);
  EXPECT_EQ(Count("device_locations"), 0);
  EXPECT_EQ(Count("device_cells"), 0);
  auto has = service_->HasLocationConsent(kInstall);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
}

// C2.2: the consent is recorded for the inventory's location consent purposes,
// with the policy version and source.
TEST_P(DevicesTest, LocationConsentCoversTheInventoryPurposes) {
  const std::vector<Purpose> expected = {Purpose::kService, Purpose::kPersonalization,
                                         Purpose::kStatistics, Purpose::kPartner};
  EXPECT_EQ(service_->location_purposes(), expected);
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());  // no-op
  auto history = consents_->History(Subject());
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), expected.size());
  for (const auto& rec : *history) {
    EXPECT_EQ(rec.policy_version, "3");
    EXPECT_EQ(rec.source, "settings");
    EXPECT_FALSE(rec.withdrawn_at);
  }
  EXPECT_TRUE(*service_->HasLocationConsent(kInstall));
  EXPECT_EQ(service_->SetLocationConsent("bad id", true).code(), Code::kInvalidArgument);
}

// C2.2: with consent, the precise point is sealed (read back exactly through the
// gate) and the 6-character geohash cell is kept for statistics.
TEST_P(DevicesTest, LocationKeepsSealedPointAndGeohashCell) {
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());
  ASSERT_TRUE(service_->RecordLocation(kInstall, kLat, kLon).ok());

  auto cells = Query("SELECT geohash, day, device FROM device_cells");
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].Text(0), *GeohashEncode(kLat, kLon, 6));
  EXPECT_EQ(cells[0].Text(0).size(), 6u);
  EXPECT_EQ(cells[0].Int(1), 1'800'000'000 / kDay);

  auto point = service_->LatestLocation(kInstall, "service:nearby");
  ASSERT_TRUE(point.ok()) << point.status().ToString();
  ASSERT_TRUE(point->has_value());
  EXPECT_EQ((*point)->lat, kLat);
  EXPECT_EQ((*point)->lon, kLon);
  EXPECT_EQ((*point)->at, 1'800'000'000);

  // The nearby service's read is shown to the device's subject.
  auto accesses = gate_->Accesses(Subject());
  ASSERT_TRUE(accesses.ok());
  ASSERT_EQ(accesses->size(), 1u);
  EXPECT_EQ((*accesses)[0].field, "device.location_precise");
  EXPECT_EQ((*accesses)[0].purpose, Purpose::kService);
  EXPECT_EQ((*accesses)[0].actor, "service:nearby");

  // Sealed to its row: copied to another row it no longer opens.
  auto rows = Query("SELECT id, device, point, at, expires_at FROM device_locations");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0).size(), 32u);
  Query(
      "INSERT INTO device_locations (id, device, point, at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5) RETURNING id",
      {std::string(32, '0'), rows[0].Text(1), rows[0].Bytes(2), rows[0].Int(3) + 1,
       rows[0].Int(4)});
  EXPECT_EQ(service_->LatestLocation(kInstall, "service:nearby").status().code(),
            Code::kPermissionDenied);

  for (auto [lat, lon] : {std::pair{90.5, 0.0}, std::pair{0.0, -181.0}}) {
    EXPECT_EQ(service_->RecordLocation(kInstall, lat, lon).code(), Code::kInvalidArgument);
  }
}

// C2.2: the precise point is kept 24 hours (the inventory's retention), then deleted.
TEST_P(DevicesTest, PrecisePointExpiresAfterTwentyFourHours) {
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());
  ASSERT_TRUE(service_->RecordLocation(kInstall, kLat, kLon).ok());
  clock_ += kDay - 1;
  auto before = service_->LatestLocation(kInstall, "service:nearby");
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->has_value());
  clock_ += 1;
  auto after = service_->LatestLocation(kInstall, "service:nearby");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  EXPECT_EQ(Count("device_locations"), 0);  // deleted, not just hidden
  EXPECT_EQ(Count("device_cells"), 1);      // the cell lives 30 days

  clock_ += 31 * kDay;
  auto deleted = service_->DeleteExpired(clock_);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(Count("device_cells"), 0);
}

// C2.2: DeleteExpired alone (the periodic job) deletes expired points.
TEST_P(DevicesTest, DeleteExpiredRemovesOldRows) {
  ASSERT_TRUE(service_->RecordEvent(kInstall, Event(DeviceEventType::kInstall)).ok());
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());
  ASSERT_TRUE(service_->RecordLocation(kInstall, kLat, kLon).ok());
  auto none = service_->DeleteExpired(clock_ + kDay - 1);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  ASSERT_TRUE(service_->DeleteExpired(clock_ + kDay).ok());
  EXPECT_EQ(Count("device_locations"), 0);
  EXPECT_EQ(Count("devices"), 1);
  // Events, check-ins and devices go after device.install_id's retention (400 days).
  ASSERT_TRUE(service_->DeleteExpired(clock_ + 401 * kDay).ok());
  EXPECT_EQ(Count("devices"), 0);
  EXPECT_EQ(Count("device_events"), 0);
}

// C2.2: IMEI and MAC go after their own 180 days; a device forgotten after 400
// days loses its data key too.
TEST_P(DevicesTest, DeleteExpiredRemovesIdentifiersAndKeys) {
  auto e = Event(DeviceEventType::kInstall);
  e.imei = kImei;
  e.mac = kMac;
  ASSERT_TRUE(service_->RecordEvent(kInstall, e).ok());
  auto ids = [this] {
    return Query(
               "SELECT COUNT(*) FROM personal_values WHERE field IN ('device.imei', "
               "'device.mac')")[0]
        .Int(0);
  };
  EXPECT_EQ(ids(), 2);
  ASSERT_TRUE(service_->DeleteExpired(clock_ + 179 * kDay).ok());
  EXPECT_EQ(ids(), 2);
  ASSERT_TRUE(service_->DeleteExpired(clock_ + 181 * kDay).ok());
  EXPECT_EQ(ids(), 0);
  ASSERT_TRUE(service_->DeleteExpired(clock_ + 401 * kDay).ok());
  auto keys = keys_db_->Acquire();
  ASSERT_TRUE(keys.ok());
  auto left = (*keys)->Query("SELECT COUNT(*) FROM data_keys WHERE subject LIKE 'device:%'");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ((*left)[0].Int(0), 0);
}

// C2.2: withdrawing the consent deletes the stored points at once.
TEST_P(DevicesTest, WithdrawalDeletesPointsAtOnce) {
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());
  ASSERT_TRUE(service_->RecordLocation(kInstall, kLat, kLon).ok());
  ASSERT_TRUE(service_->RecordLocation(kInstall, kLat + 0.01, kLon).ok());
  EXPECT_EQ(Count("device_locations"), 2);

  ASSERT_TRUE(service_->SetLocationConsent(kInstall, false).ok());
  EXPECT_EQ(Count("device_locations"), 0);
  EXPECT_EQ(Count("device_cells"), 0);
  EXPECT_EQ(service_->RecordLocation(kInstall, kLat, kLon).code(), Code::kPermissionDenied);
  auto history = consents_->History(Subject());
  ASSERT_TRUE(history.ok());
  for (const auto& rec : *history) EXPECT_TRUE(rec.withdrawn_at);
  // Withdrawing again is not an error.
  EXPECT_TRUE(service_->SetLocationConsent(kInstall, false).ok());
}

// C2.2: an uninstall ends nearby services: the device's points go with it.
TEST_P(DevicesTest, UninstallDeletesPrecisePoints) {
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());
  ASSERT_TRUE(service_->RecordLocation(kInstall, kLat, kLon).ok());
  ASSERT_TRUE(service_->RecordEvent(kInstall, Event(DeviceEventType::kUninstall)).ok());
  EXPECT_EQ(Count("device_locations"), 0);
}

// C2.2: no plaintext IMEI, MAC, install id or precise coordinate rests in any file.
TEST_P(DevicesTest, NoPlaintextIdentifiersOrPointsInTheFiles) {
  DeviceEvent e = Event(DeviceEventType::kInstall);
  e.imei = kImei;
  e.mac = kMac;
  ASSERT_TRUE(service_->RecordEvent(kInstall, e).ok());
  ASSERT_TRUE(service_->SetLocationConsent(kInstall, true).ok());
  ASSERT_TRUE(service_->RecordLocation(kInstall, kLat, kLon).ok());
  UpdateQuery q{"android", "stable", "2.3.1", std::string(kInstall)};
  ASSERT_TRUE(service_->CheckUpdate(q).ok());

  ExpectNoPlaintext({kImei, kImeiBody, kMac, "001a2b3c4d5e", "001A2B3C4D5E", kInstall, "39.904211",
                     "116.407395"});
}

// C2.2: the update check answers the newest release and whether it is required.
TEST_P(DevicesTest, UpdateCheckAnswersNewestAndRequired) {
  UpdateQuery q{"android", "stable", "1.9.0", std::nullopt};
  auto none = service_->CheckUpdate(q);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->latest, "1.9.0");
  EXPECT_FALSE(none->required);
  EXPECT_FALSE(none->url);

  Releases& releases = service_->releases();
  ASSERT_TRUE(
      releases.Add({"android", "stable", "1.9.3", true, {}, "https://d.example/1.9.3"}).ok());
  ASSERT_TRUE(
      releases.Add({"android", "stable", "1.10.0", false, {}, "https://d.example/1.10"}).ok());
  ASSERT_TRUE(releases.Add({"android", "beta", "1.11.0", true, {}, "https://d.example/b"}).ok());
  ASSERT_TRUE(releases.Add({"ios", "stable", "3.0", true, {}, "https://d.example/ios"}).ok());

  auto old = service_->CheckUpdate(q);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->latest, "1.10.0");  // numeric, not textual, order
  EXPECT_TRUE(old->required);        // 1.9.3 is required and newer than 1.9.0
  EXPECT_EQ(old->url, "https://d.example/1.10");

  q.version = "1.9.3";
  EXPECT_FALSE(service_->CheckUpdate(q)->required);
  q.version = "1.10.0";
  EXPECT_FALSE(service_->CheckUpdate(q)->required);

  // A minimum supported version makes everything below it required.
  ASSERT_TRUE(
      releases.Add({"android", "stable", "1.12", false, "1.10", "https://d.example/1.12"}).ok());
  q.version = "1.9.3";
  auto below = service_->CheckUpdate(q);
  EXPECT_EQ(below->latest, "1.12");
  EXPECT_TRUE(below->required);
  q.version = "1.10.0";
  EXPECT_FALSE(service_->CheckUpdate(q)->required);

  q.version = "1.9.x";
  EXPECT_EQ(service_->CheckUpdate(q).status().code(), Code::kInvalidArgument);
  q.version = "1.9";
  q.platform = "Android!";
  EXPECT_EQ(service_->CheckUpdate(q).status().code(), Code::kInvalidArgument);
}

// C2.2: each check-in is recorded, coarsened, under the pseudonym when the app names itself.
TEST_P(DevicesTest, UpdateCheckRecordsTheCheckIn) {
  ASSERT_TRUE(service_->RecordEvent(kInstall, Event(DeviceEventType::kInstall)).ok());
  clock_ += kHour;
  ASSERT_TRUE(service_->CheckUpdate({"android", "stable", "2.4.7", std::string(kInstall)}).ok());
  ASSERT_TRUE(service_->CheckUpdate({"ios", "beta", "3.1", std::nullopt}).ok());
  auto rows =
      Query("SELECT platform, channel, app_version, device, at FROM update_checks ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Text(0), "android");
  EXPECT_EQ(rows[0].Text(2), "2.4");
  EXPECT_EQ(rows[0].Text(3), Subject().substr(7));
  EXPECT_EQ(rows[0].Int(4) % 60, 0);
  EXPECT_TRUE(rows[1].IsNull(3));
  auto device = Query("SELECT app_version, last_seen FROM devices");
  ASSERT_EQ(device.size(), 1u);
  EXPECT_EQ(device[0].Text(0), "2.4");
  EXPECT_EQ(device[0].Int(1), (1'800'000'000 + kHour) / 60 * 60);
  EXPECT_EQ(service_->CheckUpdate({"ios", "beta", "3.1", std::string("x")}).status().code(),
            Code::kInvalidArgument);
}

TEST_P(DevicesTest, ReleasesRefuseDuplicatesAndBadInput) {
  Releases& r = service_->releases();
  ASSERT_TRUE(r.Add({"android", "stable", "1.2", false, {}, "https://d.example/a"}).ok());
  EXPECT_EQ(r.Add({"android", "stable", "1.2.0", false, {}, "https://d.example/b"}).code(),
            Code::kAlreadyExists);
  EXPECT_TRUE(r.Add({"android", "beta", "1.2.0", false, {}, "https://d.example/b"}).ok());
  EXPECT_EQ(r.Add({"android", "stable", "1.3", false, {}, "ftp://d.example/"}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(r.Add({"android", "stable", "1.3", false, {}, "https://"}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(r.Add({"android", "stable", "1.3", false, {}, "https://d.example/a b"}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(r.Add({"android", "stable", "1.3", false, "1.4", "https://d.example/"}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(r.Add({"Android", "stable", "1.3", false, {}, "https://d.example/"}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(r.Add({"android", "stable", "1.3b", false, {}, "https://d.example/"}).code(),
            Code::kInvalidArgument);
  ASSERT_TRUE(r.Add({"android", "stable", "1.10", true, "1.0", "https://d.example/c"}).ok());
  auto list = r.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].channel, "beta");
  EXPECT_EQ((*list)[1].version, "1.10");
  EXPECT_TRUE((*list)[1].required);
  EXPECT_EQ((*list)[1].min_supported, "1.0");
  EXPECT_EQ((*list)[1].published_at, 1'800'000'000);
  EXPECT_EQ((*list)[2].version, "1.2");
}

INSTANTIATE_TEST_SUITE_P(Backends, DevicesTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::collect
