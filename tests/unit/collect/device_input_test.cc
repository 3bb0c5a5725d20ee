// The app's device bodies (C2.2): what POST /api/v1/devices/{install_id}/events,
// /location and /consent accept before DeviceService checks the values.
#include "collect/device_input.h"

#include <gtest/gtest.h>

#include <string>

namespace yz::collect {
namespace {

// C2.2: a lifecycle event carries its type, OS, versions and model; IMEI and MAC
// are optional (null or absent).
TEST(DeviceInputTest, ReadsALifecycleEvent) {
  auto e = ParseDeviceEventBody(
      R"({"type":"install","os":"android","os_version":"13","app_version":"2.4.1",)"
      R"("hardware_model":"HUAWEI P40","imei":"490154203237518","mac":null})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->type, DeviceEventType::kInstall);
  EXPECT_EQ(e->os, "android");
  EXPECT_EQ(e->app_version, "2.4.1");
  EXPECT_EQ(e->hardware_model, "HUAWEI P40");
  EXPECT_EQ(e->imei, "490154203237518");
  EXPECT_FALSE(e->mac.has_value());
}

// A wrong shape is refused naming the field, so the app's developer can act on it.
TEST(DeviceInputTest, RefusesAMalformedEventNamingTheField) {
  const std::string ok_rest =
      R"("os":"ios","os_version":"17","app_version":"2.4","hardware_model":"iPhone14,2")";
  struct Case {
    std::string body;
    std::string field;
  };
  for (const Case& c : {Case{"[]", "body"}, Case{"{", "JSON"},
                        Case{R"({"type":"reboot",)" + ok_rest + "}", "type"},
                        Case{R"({"type":"update","os":7})", "os"},
                        Case{R"({"type":"update",)" + ok_rest + R"(,"imei":1})", "imei"}}) {
    auto e = ParseDeviceEventBody(c.body);
    ASSERT_EQ(e.status().code(), Code::kInvalidArgument) << c.body;
    EXPECT_NE(e.status().message().find(c.field), std::string::npos) << e.status().message();
  }
}

// C2.2: a location is two numbers; their range is the service's to check.
TEST(DeviceInputTest, ReadsALocation) {
  auto p = ParseLocationBody(R"({"lat":26.42,"lon":111})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_DOUBLE_EQ(p->lat, 26.42);
  EXPECT_DOUBLE_EQ(p->lon, 111.0);
  EXPECT_EQ(ParseLocationBody(R"({"lat":"26.42","lon":111})").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseLocationBody(R"({"lat":26.42})").status().code(), Code::kInvalidArgument);
}

// PIPL 29: the location consent is an explicit true or false, nothing else.
TEST(DeviceInputTest, ReadsTheLocationConsent) {
  EXPECT_EQ(ParseLocationConsentBody(R"({"location":true})").value(), true);
  EXPECT_EQ(ParseLocationConsentBody(R"({"location":false})").value(), false);
  for (const char* body : {R"({"location":1})", R"({"location":"true"})", "{}", "null"}) {
    EXPECT_EQ(ParseLocationConsentBody(body).status().code(), Code::kInvalidArgument) << body;
  }
}

}  // namespace
}  // namespace yz::collect
