// Devices through the real server (C2.2): lifecycle events, the update check
// against releases published with `yzcloud releases add`, and location only with
// the location consent, given and withdrawn over the API.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "http_client.h"
#include "page_text.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using Headers = std::map<std::string, std::string>;

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// An install id (and a platform name) no other test uses on the shared server.
std::string Unique(const std::string& tag) {
  static std::atomic<int> n{0};
  return tag + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

class DevicesTest : public SharedServerTest {
 protected:
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", Headers headers = {}) const {
    if (!body.empty() && !headers.count("Content-Type")) {
      headers["Content-Type"] = "application/json";
    }
    auto r = Fetch(port(), method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target << ": no response";
    return r ? *r : HttpResponse{};
  }
  HttpResponse Event(const std::string& install_id, const std::string& body,
                     Headers headers = {}) const {
    return Call("POST", "/api/v1/devices/" + install_id + "/events", body, std::move(headers));
  }
  HttpResponse Location(const std::string& install_id, const std::string& body) const {
    return Call("POST", "/api/v1/devices/" + install_id + "/location", body);
  }
  HttpResponse Consent(const std::string& install_id, const std::string& body) const {
    return Call("POST", "/api/v1/devices/" + install_id + "/consent", body);
  }
  CommandResult Releases(std::vector<std::string> args) const {
    args.insert(args.begin(), "releases");
    args.insert(args.end(), {"--data-dir", server_->data_dir()});
    return RunYzcloud(args);
  }
};

const std::string kInstallBody =
    R"({"type":"install","os":"Android","os_version":"14","app_version":"2.3.1",)"
    R"("hardware_model":"SM-G9910","imei":"490154203237518","mac":"00:1A:2B:3C:4D:5E"})";

// C2.2: lifecycle events are accepted with 202; IMEI and MAC are optional.
TEST_F(DevicesTest, LifecycleEventsAreAccepted) {
  const std::string id = Unique("inst-events");
  HttpResponse r = Event(id, kInstallBody);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_TRUE(Has(r.body, R"("status":"accepted")")) << r.body;
  for (const char* type : {"activate", "update", "uninstall"}) {
    HttpResponse e = Event(id, std::string(R"({"type":")") + type +
                                   R"(","os":"iOS","os_version":"17.4.1","app_version":"2.4",)"
                                   R"("hardware_model":"iPhone15,2"})");
    EXPECT_EQ(e.status, 202) << type << ": " << e.body;
  }
}

// C2.2: malformed input is a 400 with the JSON error envelope.
TEST_F(DevicesTest, MalformedEventsAreRefused) {
  const std::string id = Unique("inst-bad");
  const std::string base =
      R"("os":"Android","os_version":"14","app_version":"2.3.1","hardware_model":"SM-G9910")";
  for (const std::string& body :
       {std::string(R"({"type":"reboot",)") + base + "}",
        std::string(R"({"type":"install",)") + base + R"(,"imei":"490154203237519"})",
        std::string(R"({"type":"install",)") + base + R"(,"mac":"not-a-mac"})",
        std::string(R"({"type":"install","os":"Android","os_version":"14","app_version":"2.x",)"
                    R"("hardware_model":"SM-G9910"})"),
        std::string(R"({"type":"install","os":"Android"})"), std::string("{not json"),
        std::string("[]")}) {
    HttpResponse r = Event(id, body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_TRUE(Has(r.body, R"("error":{"code":"invalid_argument")")) << r.body;
  }
  HttpResponse short_id = Event("abc", kInstallBody);
  EXPECT_EQ(short_id.status, 400) << short_id.body;
  EXPECT_TRUE(Has(short_id.body, "install_id")) << short_id.body;

  HttpResponse big = Event(id, std::string(5000, ' ') + kInstallBody);
  EXPECT_EQ(big.status, 413) << big.body;
  HttpResponse cross = Event(id, kInstallBody, {{"Origin", "https://evil.example"}});
  EXPECT_EQ(cross.status, 403) << cross.body;
}

// C2.2: the update check answers from `yzcloud releases add`, comparing numerically.
TEST_F(DevicesTest, UpdateCheckAnswersFromPublishedReleases) {
  const std::string platform = Unique("plat");
  const std::string base = "/api/v1/app/update-check?platform=" + platform + "&channel=stable";

  HttpResponse none = Call("GET", base + "&version=1.9.0");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, R"({"latest":"1.9.0","required":false,"url":null})");

  CommandResult added = Releases({"add", "--platform", platform, "--channel", "stable", "--version",
                                  "1.9.3", "--url", "https://dl.example/1.9.3", "--required"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  added = Releases({"add", "--platform", platform, "--channel", "stable", "--version", "1.10.0",
                    "--url", "https://dl.example/1.10.0"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  CommandResult dup = Releases({"add", "--platform", platform, "--channel", "stable", "--version",
                                "1.10", "--url", "https://dl.example/x"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_TRUE(Has(dup.err, "already has version")) << dup.err;
  CommandResult bad = Releases({"add", "--platform", platform, "--channel", "stable", "--version",
                                "1.x", "--url", "https://dl.example/x"});
  EXPECT_EQ(bad.exit_code, 1);

  HttpResponse old = Call("GET", base + "&version=1.9.0&install_id=" + Unique("inst-check"));
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(old.body, R"({"latest":"1.10.0","required":true,"url":"https://dl.example/1.10.0"})");
  HttpResponse current = Call("GET", base + "&version=1.9.3");
  EXPECT_EQ(current.body,
            R"({"latest":"1.10.0","required":false,"url":"https://dl.example/1.10.0"})");

  CommandResult list = Releases({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto newest = list.out.find(R"("version":"1.10.0")");
  EXPECT_NE(newest, std::string::npos) << list.out;
  EXPECT_LT(newest, list.out.find(R"("version":"1.9.3")")) << list.out;

  for (const std::string& target :
       {base + "&version=1.9.x", base + "&version=", base,
        std::string("/api/v1/app/update-check?channel=stable&version=1.0"),
        base + "&version=1.0&install_id=bad"}) {
    HttpResponse r = Call("GET", target);
    EXPECT_EQ(r.status, 400) << target << " -> " << r.body;
    EXPECT_TRUE(Has(r.body, R"("code":"invalid_argument")")) << r.body;
  }
}

// C2.2: location only with the location consent; withdrawal stops it again.
TEST_F(DevicesTest, LocationNeedsTheLocationConsent) {
  const std::string id = Unique("inst-loc");
  const std::string point = R"({"lat":39.904211,"lon":116.407395})";
  HttpResponse refused = Location(id, point);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_TRUE(Has(refused.body, R"("code":"consent_required")")) << refused.body;

  HttpResponse given = Consent(id, R"({"location":true})");
  ASSERT_EQ(given.status, 200) << given.body;
  EXPECT_TRUE(Has(given.body, R"("location":true)")) << given.body;
  EXPECT_TRUE(Has(given.body, R"("policy_version":"1")")) << given.body;
  EXPECT_TRUE(Has(given.body, R"("purposes":["service","personalization","statistics","partner"])"))
      << given.body;

  HttpResponse stored = Location(id, point);
  EXPECT_EQ(stored.status, 202) << stored.body;
  for (const char* bad : {R"({"lat":91,"lon":0})", R"({"lat":0,"lon":-180.5})",
                          R"({"lat":"39.9","lon":116.4})", R"({"lat":39.9})"}) {
    HttpResponse r = Location(id, bad);
    EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
  }

  HttpResponse withdrawn = Consent(id, R"({"location":false})");
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_TRUE(Has(withdrawn.body, R"("location":false)")) << withdrawn.body;
  EXPECT_EQ(Location(id, point).status, 403);

  EXPECT_EQ(Consent(id, R"({"location":"yes"})").status, 400);
  EXPECT_EQ(Consent(id, "{}").status, 400);
  EXPECT_EQ(Consent("no", R"({"location":true})").status, 400);
}

// C2.2: after events with IMEI and MAC and a location, none of them, nor the
// install id, rests in the server's data files.
TEST_F(DevicesTest, NoPlaintextInTheDataFiles) {
  const std::string id = Unique("inst-plaintext-7d1f");
  ASSERT_EQ(Event(id, kInstallBody).status, 202);
  ASSERT_EQ(Consent(id, R"({"location":true})").status, 200);
  ASSERT_EQ(Location(id, R"({"lat":31.230416,"lon":121.473701})").status, 202);
  ASSERT_EQ(Call("GET",
                 "/api/v1/app/update-check?platform=android&channel=stable&version=2.3.1"
                 "&install_id=" +
                     id)
                .status,
            200);
  // The access rows of these requests (their paths name the install id) too.
  ASSERT_TRUE(server_->WaitCollected());
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(server_->data_dir())) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    for (const std::string& secret : {std::string("490154203237518"), std::string("49015420323751"),
                                      std::string("001a2b3c4d5e"), std::string("00:1A:2B:3C:4D:5E"),
                                      id, std::string("31.230416"), std::string("121.473701")}) {
      EXPECT_FALSE(Has(bytes, secret)) << secret << " in " << e.path();
    }
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace yz::testing
