// Cookie consent as a visitor's browser sees it (C2.3): the anonymous id cookie only
// with statistics or personalization, necessary-only removes it, the ledger records
// the policy version and source, GPC/DNT refuse personalization and promotion, and
// the partner embed gets the id only with the promotion-and-partners consent; after
// a policy revision the banner asks again and the new version is recorded.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "account_steps.h"
#include "http_client.h"
#include "page_text.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using Headers = std::map<std::string, std::string>;
const std::string kOrigin = "http://127.0.0.1";  // the client's Host is 127.0.0.1

using Reply = HttpResponse;

// One request with Connection: close; an empty reply (status 0) if none came.
Reply Send(int port, const std::string& method, const std::string& target,
           const std::string& body = "", const Headers& headers = {}) {
  auto r = Fetch(port, method, target, body, headers);
  return r ? *r : Reply{};
}

Reply PostConsent(int port, const std::string& body, Headers headers = {}) {
  headers["Content-Type"] = "application/json";
  return Send(port, "POST", "/api/v1/consent", body, headers);
}

bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

using ConsentTest = SharedServerTest;

// C2.3: statistics alone sets the anonymous id: 128 random bits, SameSite=Lax, ~180 days.
TEST_F(ConsentTest, StatisticsSetsTheAnonymousIdCookie) {
  Reply r = PostConsent(port(), R"({"statistics":true,"personalization":false,"promotion":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto aid = r.CookieValue("yz_aid");
  ASSERT_TRUE(aid);
  EXPECT_EQ(aid->size(), 32u);
  EXPECT_EQ(aid->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(Has(*r.Cookie("yz_aid"), "SameSite=Lax"));
  EXPECT_TRUE(Has(*r.Cookie("yz_aid"), "Max-Age=15552000"));
  EXPECT_TRUE(Has(r.body, R"("statistics":true)"));
  EXPECT_TRUE(Has(r.body, R"("anonymous_id":true)"));

  // Two visitors never share an id.
  Reply other = PostConsent(port(), R"({"personalization":true})");
  ASSERT_EQ(other.status, 200) << other.body;
  ASSERT_TRUE(other.CookieValue("yz_aid"));
  EXPECT_NE(*other.CookieValue("yz_aid"), *aid);
}

// C2.3: promotion alone is no reason for the anonymous id.
TEST_F(ConsentTest, PromotionAloneSetsNoAnonymousId) {
  Reply r = PostConsent(port(), R"({"statistics":false,"personalization":false,"promotion":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.Cookie("yz_aid"));
  EXPECT_TRUE(Has(*r.Cookie("yz_aid"), "Max-Age=0"));
  EXPECT_EQ(r.CookieValue("yz_aid"), "");
  EXPECT_TRUE(Has(r.body, R"("promotion":true)"));
}

// C2.3: "necessary only" sets no id and deletes an existing one, withdrawing its consents.
TEST_F(ConsentTest, NecessaryOnlySetsNoneAndDeletesAnExistingId) {
  Reply none =
      PostConsent(port(), R"({"statistics":false,"personalization":false,"promotion":false})");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.CookieValue("yz_aid"), "");
  EXPECT_EQ(none.CookieValue("yz_consent"), "s0.p0.m0.v1");

  Reply given = PostConsent(port(), R"({"statistics":true,"personalization":true})");
  auto aid = given.CookieValue("yz_aid");
  ASSERT_TRUE(aid && !aid->empty()) << given.body;
  const std::string cookie = "yz_aid=" + *aid;

  Reply withdrawn =
      PostConsent(port(), R"({"statistics":false,"personalization":false})", {{"Cookie", cookie}});
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  ASSERT_TRUE(withdrawn.Cookie("yz_aid"));
  EXPECT_TRUE(Has(*withdrawn.Cookie("yz_aid"), "Max-Age=0"));
  EXPECT_EQ(withdrawn.CookieValue("yz_aid"), "");

  // The ledger of that id: both purposes given, then withdrawn.
  Reply current = Send(port(), "GET", "/api/v1/consent", "", {{"Cookie", cookie}});
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_TRUE(Has(current.body, R"("statistics":false)"));
  EXPECT_TRUE(Has(current.body, R"("personalization":false)"));
  EXPECT_EQ(Count(current.body, R"("withdrawn_at":null)"), 0u) << current.body;
  EXPECT_EQ(Count(current.body, R"("purpose":)"), 2u) << current.body;
}

// C2.3, C0.1: the ledger records each purpose with the published policy version and
// the source (banner or settings); GET /api/v1/consent shows the current choices.
TEST_F(ConsentTest, LedgerRecordsPolicyVersionAndSource) {
  Reply given = PostConsent(
      port(), R"({"statistics":true,"personalization":true,"promotion":true,"source":"banner"})");
  ASSERT_EQ(given.status, 200) << given.body;
  EXPECT_TRUE(Has(given.body, R"("policy_version":"1")")) << given.body;
  EXPECT_TRUE(Has(given.body, R"("source":"banner")"));
  EXPECT_TRUE(Has(given.body, R"("recorded_for":"anonymous_id")"));
  const std::string cookie = "yz_aid=" + *given.CookieValue("yz_aid");

  Reply current = Send(port(), "GET", "/api/v1/consent", "", {{"Cookie", cookie}});
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_TRUE(Has(current.body, R"("statistics":true)"));
  EXPECT_TRUE(Has(current.body, R"("personalization":true)"));
  EXPECT_TRUE(Has(current.body, R"("promotion":true)"));
  EXPECT_TRUE(Has(current.body, R"("chosen":true)"));
  // statistics, personalization, promotion, partner: each under version 1, from the banner.
  EXPECT_EQ(Count(current.body, R"("policy_version":"1","source":"banner")"), 4u) << current.body;
  EXPECT_TRUE(Has(current.body, R"("purpose":"partner")"));

  // Changed later in the settings: the new record says so.
  Reply changed =
      PostConsent(port(), R"({"statistics":true,"source":"settings"})", {{"Cookie", cookie}});
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.CookieValue("yz_aid"), *given.CookieValue("yz_aid"));  // the same id
  current = Send(port(), "GET", "/api/v1/consent", "", {{"Cookie", cookie}});
  EXPECT_TRUE(Has(current.body, R"("personalization":false)"));
  EXPECT_TRUE(Has(current.body, R"("promotion":false)"));
  EXPECT_EQ(Count(current.body, R"("withdrawn_at":null)"), 1u) << current.body;

  // A visitor who has not chosen.
  Reply fresh = Send(port(), "GET", "/api/v1/consent");
  EXPECT_TRUE(Has(fresh.body, R"("chosen":false)")) << fresh.body;
  EXPECT_TRUE(Has(fresh.body, R"("history":[])"));
}

// C2.3: Sec-GPC: 1 and DNT: 1 refuse personalization and promotion/partners: such a
// request cannot turn them on, says why, and GET reflects the refusal.
TEST_F(ConsentTest, GpcAndDntRefusePersonalizationAndPromotion) {
  for (const auto& [header, name] :
       std::vector<std::pair<std::string, std::string>>{{"Sec-GPC", "Sec-GPC"}, {"DNT", "DNT"}}) {
    SCOPED_TRACE(header);
    Reply r = PostConsent(port(), R"({"statistics":false,"personalization":true,"promotion":true})",
                          {{header, "1"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(Has(r.body, R"("personalization":false)")) << r.body;
    EXPECT_TRUE(Has(r.body, R"("promotion":false)"));
    EXPECT_TRUE(Has(r.body, R"("refused":["personalization","promotion"])"));
    EXPECT_TRUE(Has(r.body, R"("refused_by":")" + name + "\""));
    // Personalization refused, so no anonymous id either.
    EXPECT_EQ(r.CookieValue("yz_aid"), "");
  }

  // Consent given without the signal; a later request with the signal sees it off.
  Reply given =
      PostConsent(port(), R"({"statistics":true,"personalization":true,"promotion":true})");
  const std::string cookie = "yz_aid=" + *given.CookieValue("yz_aid");
  Reply gpc = Send(port(), "GET", "/api/v1/consent", "", {{"Cookie", cookie}, {"Sec-GPC", "1"}});
  ASSERT_EQ(gpc.status, 200) << gpc.body;
  EXPECT_TRUE(Has(gpc.body, R"("statistics":true)")) << gpc.body;
  EXPECT_TRUE(Has(gpc.body, R"("personalization":false)"));
  EXPECT_TRUE(Has(gpc.body, R"("promotion":false)"));
  EXPECT_TRUE(Has(gpc.body, R"("gpc":true)"));
  Reply plain = Send(port(), "GET", "/api/v1/consent", "", {{"Cookie", cookie}});
  EXPECT_TRUE(Has(plain.body, R"("personalization":true)")) << plain.body;
}

// C2.3: a logged-in visitor's choice is recorded for the account (and for the
// anonymous id the choice sets), with the policy version.
TEST_F(ConsentTest, LoggedInChoiceIsRecordedForTheAccount) {
  const std::string token = LoggedInAdult(port(), server_->data_dir(),
                                          "consent-" + std::to_string(::getpid()) + "@example.com");
  ASSERT_FALSE(token.empty());
  const Headers bearer{{"Authorization", "Bearer " + token}};
  Reply r = PostConsent(port(), R"({"statistics":true,"promotion":true})", bearer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Has(r.body, R"("recorded_for":"account")")) << r.body;
  auto aid = r.CookieValue("yz_aid");
  ASSERT_TRUE(aid && aid->size() == 32u);

  Reply mine = Send(port(), "GET", "/api/v1/consent", "", bearer);
  EXPECT_TRUE(Has(mine.body, R"("statistics":true)")) << mine.body;
  EXPECT_TRUE(Has(mine.body, R"("promotion":true)"));
  EXPECT_TRUE(Has(mine.body, R"("purpose":"statistics","policy_version":"1","source":"settings")"));

  // The browser's anonymous id carries the same choice; another visitor has none.
  Reply by_aid = Send(port(), "GET", "/api/v1/consent", "", {{"Cookie", "yz_aid=" + *aid}});
  EXPECT_TRUE(Has(by_aid.body, R"("statistics":true)")) << by_aid.body;
  Reply nobody = Send(port(), "GET", "/api/v1/consent");
  EXPECT_TRUE(Has(nobody.body, R"("statistics":false)")) << nobody.body;
}

// C2.3: the anonymous id counts a visitor in place of IP and agent only with the
// statistics choice; an id given for personalization alone, or one without any
// remembered choice, leaves counting cookieless.
TEST_F(ConsentTest, OnlyTheStatisticsChoiceCountsVisitorsByTheAnonymousId) {
  // Visitors on `site` after two page views with different agents, sent with `cookie`.
  auto visitors = [&](const std::string& site, const std::string& cookie) {
    for (const char* agent : {"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
                              "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"}) {
      Reply r = Send(port(), "POST", "/api/event",
                     R"({"n":"pageview","u":"https://)" + site + R"(/","d":")" + site + R"("})",
                     {{"Cookie", cookie}, {"User-Agent", agent}, {"Content-Type", "text/plain"}});
      EXPECT_EQ(r.status, 202) << r.body;
    }
    Reply stats = Send(port(), "GET", "/api/v1/stats/" + site);
    EXPECT_EQ(stats.status, 200) << stats.body;
    const auto at = stats.body.find(R"("visitors":)");
    return at == std::string::npos ? -1 : std::stoi(stats.body.substr(at + 11));
  };
  Reply stats = PostConsent(port(), R"({"statistics":true})");
  const std::string counted =
      "yz_aid=" + *stats.CookieValue("yz_aid") + "; yz_consent=" + *stats.CookieValue("yz_consent");
  EXPECT_EQ(visitors("aid-stats.example", counted), 1);

  Reply personal = PostConsent(port(), R"({"personalization":true})");
  const std::string aid = *personal.CookieValue("yz_aid");
  ASSERT_FALSE(aid.empty());
  EXPECT_EQ(visitors("aid-personal.example",
                     "yz_aid=" + aid + "; yz_consent=" + *personal.CookieValue("yz_consent")),
            2);
  EXPECT_EQ(visitors("aid-unchosen.example", "yz_aid=" + aid), 2);
}

// C2.3: the partner embed receives the anonymous id only with the promotion-and-partners
// consent (and no refusal signal), and never sets a cookie.
TEST_F(ConsentTest, PartnerEmbedGetsTheIdOnlyWithConsent) {
  Reply no_cookie = Send(port(), "GET", "/api/v1/partner-embed");
  ASSERT_EQ(no_cookie.status, 200) << no_cookie.body;
  EXPECT_EQ(no_cookie.body, R"({"aid":null})");
  EXPECT_TRUE(no_cookie.set_cookies.empty());

  Reply stats = PostConsent(port(), R"({"statistics":true})");
  const std::string stats_aid = *stats.CookieValue("yz_aid");
  Reply without =
      Send(port(), "GET", "/api/v1/partner-embed", "", {{"Cookie", "yz_aid=" + stats_aid}});
  EXPECT_EQ(without.body, R"({"aid":null})");
  EXPECT_TRUE(without.set_cookies.empty());

  Reply promo = PostConsent(port(), R"({"statistics":true,"promotion":true})");
  const std::string aid = *promo.CookieValue("yz_aid");
  Reply with = Send(port(), "GET", "/api/v1/partner-embed", "", {{"Cookie", "yz_aid=" + aid}});
  EXPECT_EQ(with.body, R"({"aid":")" + aid + "\"}");
  EXPECT_TRUE(with.set_cookies.empty());

  Reply dnt =
      Send(port(), "GET", "/api/v1/partner-embed", "", {{"Cookie", "yz_aid=" + aid}, {"DNT", "1"}});
  EXPECT_EQ(dnt.body, R"({"aid":null})");

  // An id nobody consented for (made up by the client) gets nothing.
  Reply forged = Send(port(), "GET", "/api/v1/partner-embed", "",
                      {{"Cookie", "yz_aid=0123456789abcdef0123456789abcdef"}});
  EXPECT_EQ(forged.body, R"({"aid":null})");

  // Withdrawn: nothing again.
  PostConsent(port(), R"({"statistics":true,"promotion":false})", {{"Cookie", "yz_aid=" + aid}});
  Reply after = Send(port(), "GET", "/api/v1/partner-embed", "", {{"Cookie", "yz_aid=" + aid}});
  EXPECT_EQ(after.body, R"({"aid":null})");
}

// C2.3: a malformed choice is refused with the JSON error envelope.
TEST_F(ConsentTest, BadJsonIsRefusedWithTheErrorEnvelope) {
  for (const std::string body :
       {"{not json", "[]", R"({"statistics":"yes"})", R"({"source":"elsewhere"})"}) {
    SCOPED_TRACE(body);
    Reply r = PostConsent(port(), body);
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(Has(r.body, R"({"error":{"code":)")) << r.body;
    EXPECT_TRUE(r.set_cookies.empty());
  }
  // A cross-site page cannot choose for the visitor.
  Reply cross = PostConsent(port(), R"({"statistics":true})", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(cross.status, 403) << cross.body;
  EXPECT_FALSE(cross.Cookie("yz_aid"));
}

// C2.3: the banner shows until the visitor chooses; its form works without
// JavaScript (CSRF-checked, 303 back), and the choice hides it.
TEST_F(ConsentTest, BannerFormRecordsTheChoiceAndHidesTheBanner) {
  Reply page = Send(port(), "GET", "/privacy");
  ASSERT_EQ(page.status, 200);
  ASSERT_TRUE(Has(page.body, "class=\"consent-banner\"")) << page.body.substr(0, 2000);
  EXPECT_TRUE(Has(page.body, "href=\"/privacy/cookies\""));  // cookie settings in the footer
  std::string csrf = CsrfField(page.body);
  ASSERT_EQ(csrf.size(), 64u);
  ASSERT_EQ(page.CookieValue("yz_csrf"), csrf);

  // Without the token: refused.
  Reply forged = Send(port(), "POST", "/consent", "choice=selected&statistics=1&source=banner",
                      {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Origin", kOrigin},
                       {"Cookie", "yz_csrf=" + csrf}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_FALSE(forged.Cookie("yz_aid"));

  Reply chosen =
      Send(port(), "POST", "/consent",
           "csrf=" + csrf + "&next=%2Fprivacy&source=banner&statistics=1&choice=selected",
           {{"Content-Type", "application/x-www-form-urlencoded"},
            {"Origin", kOrigin},
            {"Cookie", "yz_csrf=" + csrf}});
  ASSERT_EQ(chosen.status, 303) << chosen.body;
  EXPECT_EQ(chosen.headers["location"], "/privacy");
  auto aid = chosen.CookieValue("yz_aid");
  ASSERT_TRUE(aid && aid->size() == 32u);
  EXPECT_EQ(chosen.CookieValue("yz_consent"), "s1.p0.m0.v1");

  Reply again =
      Send(port(), "GET", "/privacy", "",
           {{"Cookie", "yz_csrf=" + csrf + "; yz_aid=" + *aid + "; yz_consent=s1.p0.m0.v1"}});
  ASSERT_EQ(again.status, 200);
  EXPECT_FALSE(Has(again.body, "class=\"consent-banner\""));
  Reply history = Send(port(), "GET", "/api/v1/consent", "", {{"Cookie", "yz_aid=" + *aid}});
  EXPECT_TRUE(Has(history.body, R"("purpose":"statistics","policy_version":"1","source":"banner")"))
      << history.body;

  // "Necessary only" from the settings page: the id goes, back to the settings.
  Reply necessary = Send(port(), "POST", "/consent",
                         "csrf=" + csrf + "&source=settings&statistics=1&choice=necessary",
                         {{"Content-Type", "application/x-www-form-urlencoded"},
                          {"Origin", kOrigin},
                          {"Cookie", "yz_csrf=" + csrf + "; yz_aid=" + *aid}});
  ASSERT_EQ(necessary.status, 303);
  EXPECT_EQ(necessary.headers["location"], "/privacy/cookies?saved=1");
  EXPECT_EQ(necessary.CookieValue("yz_aid"), "");
  EXPECT_EQ(necessary.CookieValue("yz_consent"), "s0.p0.m0.v1");

  Reply settings =
      Send(port(), "GET", "/privacy/cookies?saved=1", "", {{"Cookie", "yz_consent=s0.p0.m0.v1"}});
  ASSERT_EQ(settings.status, 200);
  EXPECT_TRUE(Has(settings.body, "name=\"statistics\" value=\"1\">"));  // unchecked
  EXPECT_TRUE(Has(settings.body, "role=\"status\""));
}

// C0.1, C6.1, C2.3: after a revision is published (and the server restarted on it),
// a visitor who chose under the old version sees the banner again; choosing again
// is recorded under the new version, and the history keeps both.
TEST(ConsentRevisionTest, RevisionAsksAgainAndRecordsTheNewVersion) {
  ServerProcess first;
  ASSERT_TRUE(first.started()) << first.output();
  const std::string dir = first.data_dir();
  const std::string body =
      R"({"statistics":true,"personalization":true,"promotion":false,"source":"banner"})";
  Reply v1 = PostConsent(first.port(), body);
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_TRUE(Has(v1.body, R"("policy_version":"1")")) << v1.body;
  const std::string aid = v1.CookieValue("yz_aid").value_or("");
  ASSERT_EQ(aid.size(), 32u);
  EXPECT_EQ(v1.CookieValue("yz_consent"), "s1.p1.m0.v1");
  Reply chosen = Send(first.port(), "GET", "/privacy", "",
                      {{"Cookie", "yz_aid=" + aid + "; yz_consent=s1.p1.m0.v1"}});
  EXPECT_FALSE(Has(chosen.body, "class=\"consent-banner\""));

  // `yzcloud policy publish` of a revised inventory, then a restart on the same data.
  std::ifstream in(std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml");
  std::stringstream inventory;
  inventory << in.rdbuf();
  std::string revised = inventory.str();
  auto at = revised.find("retention = \"7d\"");
  ASSERT_NE(at, std::string::npos);
  revised.replace(at, 16, "retention = \"14d\"");
  std::ofstream(dir + "/revised.toml") << revised;
  auto published = RunYzcloud({"policy", "publish", dir + "/revised.toml", "--data-dir", dir});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(std::chrono::seconds(10)), 0);
  ServerProcess second({"--database", dir + "/yzcloud.db", "--key-dir", dir + "/keys", "--keystore",
                        dir + "/keys.db"});
  ASSERT_TRUE(second.started()) << second.output();

  // The choice made under version 1, and one remembered before versions were kept
  // in the cookie, both bring the banner back.
  for (const std::string remembered : {"s1.p1.m0.v1", "s1.p1.m0"}) {
    Reply page = Send(second.port(), "GET", "/privacy", "",
                      {{"Cookie", "yz_aid=" + aid + "; yz_consent=" + remembered}});
    ASSERT_EQ(page.status, 200);
    EXPECT_TRUE(Has(page.body, "class=\"consent-banner\"")) << remembered;
  }

  // The same choice again is recorded under version 2.
  Reply v2 = PostConsent(second.port(), body, {{"Cookie", "yz_aid=" + aid}});
  ASSERT_EQ(v2.status, 200) << v2.body;
  EXPECT_TRUE(Has(v2.body, R"("policy_version":"2","source":"banner")")) << v2.body;
  EXPECT_EQ(v2.CookieValue("yz_aid"), aid);
  EXPECT_EQ(v2.CookieValue("yz_consent"), "s1.p1.m0.v2");
  Reply current = Send(second.port(), "GET", "/api/v1/consent", "", {{"Cookie", "yz_aid=" + aid}});
  ASSERT_EQ(current.status, 200) << current.body;
  EXPECT_TRUE(Has(current.body, R"("statistics":true)")) << current.body;
  EXPECT_TRUE(Has(current.body, R"("personalization":true)"));
  // Statistics and personalization: each given under version 1, then under version 2;
  // only the version 2 records are active.
  EXPECT_EQ(Count(current.body, R"("policy_version":"1","source":"banner")"), 2u) << current.body;
  EXPECT_EQ(Count(current.body, R"("policy_version":"2","source":"banner")"), 2u);
  EXPECT_EQ(Count(current.body, R"("withdrawn_at":null)"), 2u);
  EXPECT_TRUE(Has(current.body, R"("policy_version":"2","source":"banner","given_at":)"));

  // Chosen under the version in force: the banner stays away.
  Reply again = Send(second.port(), "GET", "/privacy", "",
                     {{"Cookie", "yz_aid=" + aid + "; yz_consent=s1.p1.m0.v2"}});
  EXPECT_FALSE(Has(again.body, "class=\"consent-banner\""));
}

}  // namespace
}  // namespace yz::testing
