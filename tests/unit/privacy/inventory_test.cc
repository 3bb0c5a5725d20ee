#include "privacy/inventory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace yz::privacy {
namespace {

using namespace std::chrono_literals;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Test documents are laid out so that line numbers are fixed: [meta] takes lines 1-5,
// the first [[field]] header is line 6 and its keys follow in ValidField's order
// (id 7, requirement 8, category 9, description_zh 10, description_en 11, purposes 12,
// protection 13, retention 14, sensitive 15, consent_purposes 16, recipients 17);
// a key added with With() lands on line 18.
constexpr const char* kMeta =
    "[meta]\n"
    "version = \"1\"\n"
    "controller_zh = \"测试平台\"\n"
    "controller_en = \"Test platform\"\n"
    "contact = \"privacy@example.test\"\n";

KeyValues ValidField(const std::string& id = "log.test") {
  return {{"id", "\"" + id + "\""},
          {"requirement", "\"C2.1\""},
          {"category", "\"log\""},
          {"description_zh", "\"测试字段\""},
          {"description_en", "\"Test field\""},
          {"purposes", "[\"service\", \"statistics\"]"},
          {"protection", "\"truncate\""},
          {"retention", "\"7d\""},
          {"sensitive", "false"},
          {"consent_purposes", "[]"},
          {"recipients", "[]"}};
}

// Replaces `key`'s value, or appends the key when absent.
KeyValues With(KeyValues kv, const std::string& key, const std::string& value) {
  for (auto& [k, v] : kv) {
    if (k == key) {
      v = value;
      return kv;
    }
  }
  kv.emplace_back(key, value);
  return kv;
}

KeyValues Without(KeyValues kv, const std::string& key) {
  std::erase_if(kv, [&](const auto& e) { return e.first == key; });
  return kv;
}

std::string Table(const std::string& header, const KeyValues& kv) {
  std::string out = "[[" + header + "]]\n";
  for (const auto& [k, v] : kv) out += k + " = " + v + "\n";
  return out;
}

KeyValues MapsRecipient() {
  return {{"id", "\"maps\""},
          {"name_zh", "\"地图合作方\""},
          {"name_en", "\"Maps partner\""},
          {"contact", "\"maps@example.test\""},
          {"purpose", "\"Nearby services\""},
          {"categories", "[\"device.where\"]"}};
}

KeyValues SharedLocationField() {
  KeyValues kv = ValidField("device.where");
  kv = With(kv, "requirement", "\"C2.2\"");
  kv = With(kv, "category", "\"device\"");
  kv = With(kv, "purposes", "[\"service\", \"partner\"]");
  kv = With(kv, "protection", "\"encrypt\"");
  kv = With(kv, "sensitive", "true");
  kv = With(kv, "consent_purposes", "[\"service\", \"partner\"]");
  kv = With(kv, "recipients", "[\"maps\"]");
  return kv;
}

class InventoryTest : public ::testing::Test {
 protected:
  static std::string Doc(const std::vector<KeyValues>& fields) {
    std::string out = kMeta;
    for (const auto& f : fields) out += Table("field", f);
    return out;
  }

  // The error message of a document that must fail to load.
  static std::string ErrorsOf(const std::string& text) {
    Result<Inventory> inv = Inventory::Parse(text, "test.toml");
    EXPECT_FALSE(inv.ok()) << "expected the document to be rejected:\n" << text;
    if (inv.ok()) return "";
    EXPECT_EQ(inv.status().code(), Code::kInvalidArgument);
    return inv.status().message();
  }

  static int LineCount(const std::string& s) {
    return s.empty() ? 0 : 1 + static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  }

  static Inventory Shipped() {
    Result<Inventory> inv = Inventory::Load(YZ_SOURCE_DIR "/policy/inventory.toml");
    if (!inv.ok()) {
      ADD_FAILURE() << inv.status().ToString();
      return *Inventory::Parse(kMeta, "empty");
    }
    return *std::move(inv);
  }
};

// --- The shipped inventory ------------------------------------------------------

TEST_F(InventoryTest, ShippedInventoryLoadsWithoutErrors) {
  Result<Inventory> inv = Inventory::Load(YZ_SOURCE_DIR "/policy/inventory.toml");
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  EXPECT_FALSE(inv->fields().empty());
  EXPECT_EQ(inv->meta().version, "1");
  EXPECT_EQ(inv->Hash().size(), 64u);
}

// C1.1, C2.1-C2.3: every kind of personal data the policy names has a declaration.
TEST_F(InventoryTest, ShippedInventoryDeclaresEveryFieldThePolicyNames) {
  Inventory inv = Shipped();
  for (const char* id : {"registration.login_phone",
                         "registration.login_email",
                         "registration.password_hash",
                         "registration.display_name",
                         "registration.enterprise_name",
                         "registration.birth_date",
                         "registration.guardian_contact",
                         "log.ip_full",
                         "log.ip_truncated",
                         "log.visitor_pseudonym",
                         "log.url_path",
                         "log.referrer_domain",
                         "log.browser_family",
                         "log.browser_version",
                         "log.os",
                         "log.device_family",
                         "log.language",
                         "log.request_time",
                         "log.account_link",
                         "device.install_id",
                         "device.os_type",
                         "device.os_version",
                         "device.app_version",
                         "device.hardware_model",
                         "device.imei",
                         "device.mac",
                         "device.location_precise",
                         "device.location_geohash",
                         "cookie.anonymous_id",
                         "consent.record",
                         "session.token_hash"}) {
    EXPECT_NE(inv.Find(id), nullptr) << id;
  }
}

// C2.2: IMEI and MAC identify a handset for fraud handling and nothing else.
TEST_F(InventoryTest, ShippedInventoryKeepsImeiAndMacForSecurityOnly) {
  Inventory inv = Shipped();
  for (const char* id : {"device.imei", "device.mac"}) {
    const FieldSpec* f = inv.Find(id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ(f->purposes, std::vector<Purpose>{Purpose::kSecurity}) << id;
  }
}

// PIPL Art. 28-31: location is sensitive; a child's registration data is too.
TEST_F(InventoryTest, ShippedInventoryTreatsLocationAndChildDataAsSensitive) {
  Inventory inv = Shipped();
  for (const char* id : {"device.location_precise", "device.location_geohash"}) {
    const FieldSpec* f = inv.Find(id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_TRUE(f->sensitive) << id;
    for (Purpose p : f->purposes) {
      EXPECT_TRUE(inv.NeedsConsent(id, p)) << id << " " << PurposeName(p);
    }
  }
  const FieldSpec* birth = inv.Find("registration.birth_date");
  ASSERT_NE(birth, nullptr);
  EXPECT_TRUE(birth->SensitiveForAge(13));
  EXPECT_FALSE(birth->SensitiveForAge(14));
}

// C3.4: statistics are built only from pseudonymized, truncated or coarsened values.
TEST_F(InventoryTest, ShippedStatisticsReadOnlyDeidentifiedFields) {
  Inventory inv = Shipped();
  for (const FieldSpec& f : inv.fields()) {
    if (!f.Serves(Purpose::kStatistics)) continue;
    EXPECT_TRUE(f.protection == Protection::kPseudonymize ||
                f.protection == Protection::kTruncate || f.protection == Protection::kCoarsen)
        << f.id << " is " << ProtectionName(f.protection);
  }
}

// C3.3, PIPL Art. 23: the maps partner gets only what it needs, with separate consent.
TEST_F(InventoryTest, ShippedMapsPartnerReceivesOnlyConsentedLocation) {
  Inventory inv = Shipped();
  const Recipient* maps = inv.FindRecipient("maps_provider");
  ASSERT_NE(maps, nullptr);
  EXPECT_EQ(maps->categories, std::vector<std::string>{"device.location_precise"});
  for (const FieldSpec& f : inv.fields()) {
    if (f.recipients.empty()) continue;
    EXPECT_TRUE(inv.NeedsConsent(f.id, Purpose::kPartner)) << f.id;
  }
}

// PIPL Art. 19: nothing is kept without an end.
TEST_F(InventoryTest, ShippedFieldsAllHaveARetentionPeriod) {
  Inventory inv = Shipped();
  for (const FieldSpec& f : inv.fields()) {
    EXPECT_TRUE(f.retention.after_account_end || f.retention.duration > 0s) << f.id;
  }
}

// --- Lookups -------------------------------------------------------------------

// C2.4, DESIGN gate rule: an undeclared field does not exist for the gate, so a
// write or read of it is refused.
TEST_F(InventoryTest, FindReturnsNullForUndeclaredField) {
  Inventory inv = Shipped();
  EXPECT_EQ(inv.Find("log.shoe_size"), nullptr);
  EXPECT_EQ(inv.Find(""), nullptr);
  EXPECT_FALSE(inv.Allows("log.shoe_size", Purpose::kService));
  EXPECT_TRUE(inv.NeedsConsent("log.shoe_size", Purpose::kService));  // fails closed
}

TEST_F(InventoryTest, AllowsOnlyDeclaredPurposes) {
  Inventory inv = Shipped();
  EXPECT_TRUE(inv.Allows("log.ip_full", Purpose::kSecurity));
  EXPECT_FALSE(inv.Allows("log.ip_full", Purpose::kStatistics));
  EXPECT_FALSE(inv.Allows("device.imei", Purpose::kPersonalization));
  EXPECT_TRUE(inv.Allows("log.ip_truncated", Purpose::kStatistics));
}

// C2.3: the anonymous id counts visitors without asking, but personalizing and
// promoting with it needs consent.
TEST_F(InventoryTest, NeedsConsentFollowsConsentPurposes) {
  Inventory inv = Shipped();
  EXPECT_FALSE(inv.NeedsConsent("cookie.anonymous_id", Purpose::kStatistics));
  EXPECT_TRUE(inv.NeedsConsent("cookie.anonymous_id", Purpose::kPromotion));
  EXPECT_TRUE(inv.NeedsConsent("cookie.anonymous_id", Purpose::kPersonalization));
  EXPECT_FALSE(inv.NeedsConsent("log.ip_full", Purpose::kSecurity));
}

TEST_F(InventoryTest, PurposeNamesRoundTrip) {
  for (const char* name : {"service", "security", "personalization", "promotion", "statistics",
                           "partner", "legal", "research"}) {
    std::optional<Purpose> p = ParsePurpose(name);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_EQ(PurposeName(*p), name);
  }
  EXPECT_FALSE(ParsePurpose("marketing").has_value());
  EXPECT_FALSE(ParsePurpose("Service").has_value());
}

// --- Retention syntax -----------------------------------------------------------

TEST_F(InventoryTest, ParsesRetentionDurations) {
  EXPECT_EQ(*ParseRetention("7d"), (Retention{std::chrono::seconds(7 * 86400), false}));
  EXPECT_EQ(ParseRetention("24h")->duration, 24h);
  EXPECT_EQ(ParseRetention("90m")->duration, 90min);
  EXPECT_EQ(ParseRetention("30s")->duration, 30s);
  EXPECT_EQ(ParseRetention("400d")->duration, std::chrono::seconds(400 * 86400));
}

TEST_F(InventoryTest, ParsesRetentionAfterAccountEnd) {
  EXPECT_EQ(*ParseRetention("account+30d"), (Retention{std::chrono::seconds(30 * 86400), true}));
  EXPECT_EQ(*ParseRetention("account+0d"), (Retention{0s, true}));
  EXPECT_EQ(*ParseRetention("account"), (Retention{0s, true}));
}

TEST_F(InventoryTest, RejectsMalformedRetention) {
  for (const char* bad :
       {"", "7", "d", "7w", "7D", "-1d", "+1d", " 7d", "7 d", "7d ", "0d", "account+",
        "account-30d", "account+30", "acct+30d", "99999999999999999999d", "999999999999999999d"}) {
    EXPECT_FALSE(ParseRetention(bad).ok()) << "'" << bad << "'";
  }
}

// --- Validation: each problem, with its line and key ----------------------------

TEST_F(InventoryTest, AcceptsAMinimalValidDocument) {
  Result<Inventory> inv = Inventory::Parse(Doc({ValidField()}), "test.toml");
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  ASSERT_NE(inv->Find("log.test"), nullptr);
  EXPECT_EQ(inv->Find("log.test")->line, 6);
  EXPECT_EQ(inv->Find("log.test")->retention.duration, std::chrono::seconds(7 * 86400));
}

TEST_F(InventoryTest, ReportsUnknownKey) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "colour", "\"red\"")})),
            "test.toml:18: field[0] (log.test): colour: unknown key");
}

TEST_F(InventoryTest, ReportsMissingRequiredKeyAtTheTableHeader) {
  EXPECT_EQ(ErrorsOf(Doc({Without(ValidField(), "protection")})),
            "test.toml:6: field[0] (log.test): protection: missing required key");
}

TEST_F(InventoryTest, ReportsMissingIdWithoutAName) {
  EXPECT_EQ(ErrorsOf(Doc({Without(ValidField(), "id")})),
            "test.toml:6: field[0] (?): id: missing required key");
}

TEST_F(InventoryTest, ReportsWrongType) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "sensitive", "\"no\"")})),
            "test.toml:15: field[0] (log.test): sensitive: must be a boolean, got a string");
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "purposes", "\"service\"")})),
            "test.toml:12: field[0] (log.test): purposes: must be an array of strings, got a "
            "string");
}

TEST_F(InventoryTest, ReportsUnknownPurposeProtectionAndCategory) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "purposes", "[\"service\", \"marketing\"]")})),
            "test.toml:12: field[0] (log.test): purposes: unknown purpose 'marketing' (expected "
            "one of service, security, personalization, promotion, statistics, partner, legal, "
            "research)");
  EXPECT_NE(ErrorsOf(Doc({With(ValidField(), "protection", "\"rot13\"")}))
                .find("test.toml:13: field[0] (log.test): protection: unknown protection 'rot13'"),
            std::string::npos);
  EXPECT_NE(ErrorsOf(Doc({With(ValidField(), "category", "\"biometrics\"")}))
                .find("test.toml:9: field[0] (log.test): category: unknown category 'biometrics'"),
            std::string::npos);
}

TEST_F(InventoryTest, ReportsBadRetentionSyntax) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "retention", "\"1 week\"")})),
            "test.toml:14: field[0] (log.test): retention: expected '<n><s|m|h|d>' or "
            "'account+<n><s|m|h|d>', got '1 week'");
}

TEST_F(InventoryTest, ReportsDuplicateIdAtTheSecondDeclaration) {
  // The second [[field]] starts on line 18, its id on line 19.
  EXPECT_EQ(ErrorsOf(Doc({ValidField(), ValidField()})),
            "test.toml:19: field[1] (log.test): id: duplicate id, first declared at line 6");
}

TEST_F(InventoryTest, ReportsConsentPurposeThatIsNotAPurpose) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "consent_purposes", "[\"promotion\"]")})),
            "test.toml:16: field[0] (log.test): consent_purposes: 'promotion' is not among the "
            "field's purposes");
}

// PIPL Art. 29: sensitive data needs separate consent.
TEST_F(InventoryTest, ReportsSensitiveFieldWithoutConsentPurposes) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "sensitive", "true")})),
            "test.toml:16: field[0] (log.test): consent_purposes: a sensitive field must name "
            "the purposes that need consent");
}

// C3.2: nothing goes to a recipient the inventory does not declare.
TEST_F(InventoryTest, ReportsUndeclaredRecipient) {
  KeyValues f = ValidField();
  f = With(f, "purposes", "[\"service\", \"partner\"]");
  f = With(f, "consent_purposes", "[\"partner\"]");
  f = With(f, "recipients", "[\"ad_network\"]");
  EXPECT_EQ(ErrorsOf(Doc({f})),
            "test.toml:17: field[0] (log.test): recipients: 'ad_network' is not a declared "
            "[[recipient]]");
}

// PIPL Art. 23: giving data to a recipient needs the subject's consent for it.
TEST_F(InventoryTest, ReportsRecipientWithoutPartnerConsent) {
  KeyValues f = With(SharedLocationField(), "consent_purposes", "[\"service\"]");
  std::string errors = ErrorsOf(Doc({f}) + Table("recipient", MapsRecipient()));
  EXPECT_NE(errors.find("test.toml:17: field[0] (device.where): recipients: a field given to "
                        "recipients must list 'partner'"),
            std::string::npos)
      << errors;
}

TEST_F(InventoryTest, AcceptsDeclaredRecipientThatListsTheField) {
  Result<Inventory> inv = Inventory::Parse(
      Doc({SharedLocationField()}) + Table("recipient", MapsRecipient()), "test.toml");
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  ASSERT_NE(inv->FindRecipient("maps"), nullptr);
  EXPECT_EQ(inv->FindRecipient("maps")->contact, "maps@example.test");
  EXPECT_TRUE(inv->NeedsConsent("device.where", Purpose::kPartner));
}

TEST_F(InventoryTest, ReportsRecipientCategoriesThatDisagreeWithFields) {
  KeyValues rec = With(MapsRecipient(), "categories", "[\"device.where\", \"log.test\"]");
  // Field lines 6-17, recipient header 18, categories on line 24.
  std::string errors = ErrorsOf(Doc({SharedLocationField()}) + Table("recipient", rec));
  EXPECT_EQ(errors,
            "test.toml:24: recipient[0] (maps): categories: 'log.test' is not a declared field");
}

// C3.4: statistics must never see raw personal values.
TEST_F(InventoryTest, ReportsStatisticsOnEncryptedField) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "protection", "\"encrypt\"")})),
            "test.toml:12: field[0] (log.test): purposes: statistics may not read a field "
            "protected by 'encrypt': statistics see only pseudonymized, truncated or coarsened "
            "values");
  EXPECT_NE(ErrorsOf(Doc({With(ValidField(), "protection", "\"blind_index_encrypt\"")}))
                .find("test.toml:12: field[0] (log.test): purposes: statistics may not read"),
            std::string::npos);
}

TEST_F(InventoryTest, ReportsRequirementThatIsNotAPolicyClause) {
  for (const char* bad : {"2.1", "C2", "C2.", "C.1", "c2.1", "C2.1a", "C2.1.3"}) {
    EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "requirement", std::string("\"") + bad + "\"")})),
              std::string("test.toml:8: field[0] (log.test): requirement: must name a POLICY.md "
                          "clause like C2.1, got '") +
                  bad + "'")
        << bad;
  }
}

TEST_F(InventoryTest, ReportsBadSensitiveWhen) {
  EXPECT_EQ(ErrorsOf(Doc({With(ValidField(), "sensitive_when", "\"young\"")})),
            "test.toml:18: field[0] (log.test): sensitive_when: must be 'age<N' with N in "
            "1..18, got 'young'");
}

TEST_F(InventoryTest, ReportsMissingMeta) {
  std::string doc = Doc({ValidField()}).substr(std::string(kMeta).size());
  EXPECT_EQ(ErrorsOf(doc), "test.toml:1: meta: missing required table [meta]");
}

TEST_F(InventoryTest, ReportsTomlSyntaxErrorWithItsLine) {
  std::string errors = ErrorsOf(std::string(kMeta) + "[[field]]\nid = \"log.test\n");
  EXPECT_EQ(errors.rfind("test.toml:7: ", 0), 0u) << errors;
}

TEST_F(InventoryTest, ReportsEveryErrorNotJustTheFirst) {
  KeyValues first = ValidField();
  first = With(first, "requirement", "\"2.1\"");                                   // line 8
  first = With(first, "retention", "\"forever\"");                                 // line 14
  first = With(first, "colour", "\"red\"");                                        // line 18
  KeyValues second = With(ValidField("log.other"), "category", "\"biometrics\"");  // line 22
  std::string errors = ErrorsOf(Doc({first, second}));
  EXPECT_EQ(LineCount(errors), 4) << errors;
  EXPECT_NE(errors.find("test.toml:8: field[0] (log.test): requirement:"), std::string::npos);
  EXPECT_NE(errors.find("test.toml:14: field[0] (log.test): retention:"), std::string::npos);
  EXPECT_NE(errors.find("test.toml:18: field[0] (log.test): colour: unknown key"),
            std::string::npos);
  EXPECT_NE(errors.find("test.toml:22: field[1] (log.other): category:"), std::string::npos);
}

// --- Loading and hashing --------------------------------------------------------

TEST_F(InventoryTest, LoadOfMissingFileIsNotFound) {
  Result<Inventory> inv = Inventory::Load("/nonexistent/inventory.toml");
  ASSERT_FALSE(inv.ok());
  EXPECT_EQ(inv.status().code(), Code::kNotFound);
}

// C0.1: a consent names the exact inventory it was given against.
TEST_F(InventoryTest, HashIsStableAndChangesWithTheText) {
  std::string doc = Doc({ValidField()});
  Result<Inventory> a = Inventory::Parse(doc, "a.toml");
  Result<Inventory> b = Inventory::Parse(doc, "b.toml");
  Result<Inventory> c = Inventory::Parse(Doc({With(ValidField(), "retention", "\"8d\"")}), "a");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->Hash(), b->Hash());
  EXPECT_NE(a->Hash(), c->Hash());
  EXPECT_EQ(a->Hash().find_first_not_of("0123456789abcdef"), std::string::npos);
  // SHA-256 of the empty-field document is a fixed value: no salt, no time.
  EXPECT_EQ(Inventory::Parse(kMeta, "x")->Hash(), Inventory::Parse(kMeta, "y")->Hash());
}

}  // namespace
}  // namespace yz::privacy
