// `yzcloud import-log` (issue 5 point 7): the real binary imports a combined-format
// log through the collector's protections, reports malformed lines by number
// without stopping, and leaves no full IP in the clear in any file of the store.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "server_process.h"
#include "store/database.h"

namespace yz::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36";
constexpr const char* kBaiduspider =
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)";

// Clients whose full addresses must never rest in the clear. None is a substring
// of its own /24 or /48 ("198.51.100.0/24", "2001:db8:abcd::/48").
const std::vector<std::string> kClients = {"198.51.100.23", "203.0.113.187", "2001:db8:abcd:12::7",
                                           "2001:db8:abcd:ff:1:2:3:4"};

// `t` as a log writes it, in China's time zone: [29/Nov/2026:19:46:19 +0800].
std::string Stamp(std::int64_t t) {
  std::time_t local = static_cast<std::time_t>(t + 8 * 3600);
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "[%d/%b/%Y:%H:%M:%S +0800]", &tm);
  return buf;
}

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class ImportLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "yz-import-log-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    data_ = (dir_ / "data").string();
    // The gate enforces the published notice: publish it as an operator would.
    CommandResult publish = RunYzcloud({"policy", "publish", "--data-dir", data_});
    ASSERT_EQ(publish.exit_code, 0) << publish.err;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteLog(const std::vector<std::string>& lines) {
    const fs::path p = dir_ / "access.log";
    std::ofstream out(p, std::ios::binary);
    for (const std::string& l : lines) out << l << "\n";
    return p.string();
  }

  fs::path dir_;
  std::string data_;
};

// C2.1, issue 5 point 7.
TEST_F(ImportLogTest, ImportsThroughProtectionsAndReportsMalformedLinesByNumber) {
  const std::int64_t now = Now();
  std::vector<std::string> lines;
  std::map<int, std::string> malformed;  // line number -> what is wrong
  for (int i = 1; i <= 40; ++i) {
    if (i == 3) {
      lines.push_back("this is not a log line");
      malformed[i] = "client is not an IP address";
    } else if (i == 17) {
      lines.push_back(kClients[0] + " - - [32/Nov/2026:10:00:00 +0800] \"GET / HTTP/1.1\" 200 1");
      malformed[i] = "time out of range";
    } else if (i == 29) {
      lines.push_back("");
      malformed[i] = "empty line";
    } else if (i == 40) {
      lines.push_back(kClients[1] + " - - " + Stamp(now - 60) + " \"GET /cut HTTP/1.1\" 200 1 \"-");
      malformed[i] = "missing or unterminated referer";
    } else {
      const std::string& ip = kClients[i % kClients.size()];
      const char* ua = i % 5 == 0 ? kBaiduspider : kChrome;
      lines.push_back(ip + " - - " + Stamp(now - 3600 * 30 + i * 60) + " \"GET /news/" +
                      std::to_string(i) + "?token=s3cr3t-" + std::to_string(i) +
                      "&page=2 HTTP/1.1\" 200 512 \"https://www.baidu.com/link?url=x\" \"" + ua +
                      "\"");
    }
  }
  // An access log kept for a month: its full IP is past log.ip_full's 7 days.
  lines.push_back(kClients[2] + " - - " + Stamp(now - 30 * 86400) +
                  " \"POST /api/event HTTP/1.1\" 202 0 \"-\" \"" + kChrome + "\"");
  const std::string file = WriteLog(lines);

  CommandResult r = RunYzcloud({"import-log", file, "--data-dir", data_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& [n, why] : malformed) {
    EXPECT_NE(r.err.find("line " + std::to_string(n) + ": " + why + "\n"), std::string::npos)
        << "line " << n << " in:\n"
        << r.err;
  }
  // In file order.
  EXPECT_LT(r.err.find("line 3:"), r.err.find("line 17:"));
  EXPECT_LT(r.err.find("line 29:"), r.err.find("line 40:"));
  EXPECT_NE(r.out.find("imported 37 lines (4 malformed) in "), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("\033["), std::string::npos) << "no progress bar off a terminal";

  // C2.1: no file import-log left (database, WAL, keystore) holds a full IP in the clear.
  for (const auto& entry : fs::recursive_directory_iterator(data_)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = ReadBytes(entry.path());
    for (const std::string& ip : kClients) {
      EXPECT_EQ(bytes.find(ip), std::string::npos) << ip << " in the clear in " << entry.path();
    }
    EXPECT_EQ(bytes.find("s3cr3t"), std::string::npos) << "token in " << entry.path();
  }

  auto db = store::Open(data_ + "/yzcloud.db", 1);
  ASSERT_TRUE(db.ok()) << db.status().message();
  {
    auto conn = (*db)->Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    auto rows = (*conn)->Query(
        "SELECT request_id, source, method, path, status, ip_prefix, ip_sealed IS NOT NULL, "
        "browser, bot, referrer_domain, visitor FROM request_log");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->size(), 37u);
    std::map<int, const store::Row*> by_line;  // request ids end in "-LINE"
    std::map<std::string, int> prefixes;
    int sealed = 0, bots = 0;
    for (const store::Row& row : *rows) {
      const std::string id = row.Text(0);
      by_line[std::stoi(id.substr(id.rfind('-') + 1))] = &row;
      EXPECT_EQ(row.Text(1), "import");
      ++prefixes[row.Text(5)];
      EXPECT_EQ(row.Text(3).find("s3cr3t"), std::string::npos) << "token kept: " << row.Text(3);
      sealed += static_cast<int>(row.Int(6));
      bots += static_cast<int>(row.Int(8));
      EXPECT_FALSE(row.IsNull(10)) << "every row has a daily pseudonym";
    }
    EXPECT_EQ(by_line.size(), 37u) << "one row per imported line";
    // Two /24s, and one /48 that both IPv6 clients share.
    EXPECT_EQ(prefixes.size(), 3u);
    EXPECT_EQ(
        prefixes["198.51.100.0/24"] + prefixes["203.0.113.0/24"] + prefixes["2001:db8:abcd::/48"],
        37);
    EXPECT_EQ(bots, 7) << "lines 5, 10, 15, 20, 25, 30, 35 are Baiduspider";
    EXPECT_EQ(sealed, 36) << "the month-old line keeps no full IP";
    ASSERT_TRUE(by_line.contains(1) && by_line.contains(41));
    const store::Row& first = *by_line[1];
    EXPECT_EQ(first.Text(2), "GET");
    EXPECT_EQ(first.Text(3), "/news/1?token=&page=2");
    EXPECT_EQ(first.Int(4), 200);
    EXPECT_EQ(first.Text(5), "203.0.113.0/24");
    EXPECT_EQ(first.Text(7), "Chrome");
    EXPECT_EQ(first.Text(9), "baidu.com");
    EXPECT_EQ(by_line[41]->Int(6), 0);
    EXPECT_EQ(by_line[41]->Text(2), "POST");
  }
}

// Issue 5 point 7: a log imported again adds only what was appended since, so
// visits are never counted twice.
TEST_F(ImportLogTest, ImportingAgainAddsOnlyTheNewLines) {
  const std::int64_t now = Now();
  auto line = [&](int i) {
    return kClients[i % kClients.size()] + " - - " + Stamp(now - 7200 + i) + " \"GET /p/" +
           std::to_string(i) + " HTTP/1.1\" 200 1 \"-\" \"" + kChrome + "\"";
  };
  std::vector<std::string> lines;
  for (int i = 1; i <= 3; ++i) lines.push_back(line(i));
  const std::string file = WriteLog(lines);
  auto rows = [&] {
    auto db = store::Open(data_ + "/yzcloud.db", 1);
    EXPECT_TRUE(db.ok());
    auto conn = (*db)->Acquire();
    auto r = (*conn)->Query("SELECT request_id, path FROM request_log ORDER BY id");
    EXPECT_TRUE(r.ok());
    std::vector<std::string> paths;
    for (const store::Row& row : *r) paths.push_back(row.Text(1));
    return paths;
  };

  CommandResult first = RunYzcloud({"import-log", file, "--data-dir", data_});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("imported 3 lines"), std::string::npos) << first.out;

  CommandResult again = RunYzcloud({"import-log", file, "--data-dir", data_});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing new in " + file + ": its 3 lines were imported before"),
            std::string::npos)
      << again.out;
  EXPECT_EQ(rows().size(), 3u);

  lines.push_back(line(4));
  lines.push_back("not a log line");
  lines.push_back(line(6));
  WriteLog(lines);
  CommandResult grown = RunYzcloud({"import-log", file, "--data-dir", data_});
  ASSERT_EQ(grown.exit_code, 0) << grown.err;
  EXPECT_NE(grown.err.find("lines 1-3 were imported before; importing from line 4"),
            std::string::npos)
      << grown.err;
  EXPECT_NE(grown.err.find("line 5: client is not an IP address"), std::string::npos)
      << "lines keep their numbers in the file: " << grown.err;
  EXPECT_NE(grown.out.find("imported 2 lines (1 malformed)"), std::string::npos) << grown.out;
  EXPECT_EQ(rows(), (std::vector<std::string>{"/p/1", "/p/2", "/p/3", "/p/4", "/p/6"}));

  // Standard input is read whole every time: it has no identity to resume by.
  const std::string cmd = std::string("'") + YZCLOUD_BIN + "' import-log - --data-dir '" + data_ +
                          "' < '" + file + "' 2>/dev/null";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char buf[4096];
  while (fread(buf, 1, sizeof buf, pipe) > 0) {
  }
  EXPECT_EQ(pclose(pipe), 0);
  EXPECT_EQ(rows().size(), 10u);
}

// C2.1, C2.2: an imported line's path is stored as the live server stores the same
// request's: the install ids, guardian tokens and session ids a route captures are
// hidden, and a 404 for a path no route serves keeps its first segment only. None of
// the raw values is left in any file of the store.
TEST_F(ImportLogTest, HidesWhatRoutesCaptureAndCutsPathsNoRouteServes) {
  const std::int64_t now = Now();
  const std::string install_id = "abcdefgh1234";
  const std::string token = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
  const std::string session = "sess123456";
  const std::string unknown = "zq7unrouted4242";
  auto line = [&](int i, const std::string& request, int status) {
    return kClients[i % kClients.size()] + " - - " + Stamp(now - 600 + i) + " \"" + request +
           " HTTP/1.1\" " + std::to_string(status) + " 10 \"-\" \"" + kChrome + "\"";
  };
  const std::string file = WriteLog({
      line(1, "GET /api/v1/devices/" + install_id + "/events", 405),  // the route is POST
      line(2, "POST /api/v1/devices/" + install_id + "/location", 200),
      line(3, "GET /guardian/" + token, 200),
      line(4, "POST /api/v1/guardian/" + token + "/consent", 404),  // a route, its token unknown
      line(5, "POST /account/sessions/" + session + "/revoke?token=x&q=y", 303),
      line(6, "GET /shared/" + unknown + "/file?token=x", 404),
  });

  CommandResult r = RunYzcloud({"import-log", file, "--data-dir", data_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("imported 6 lines (0 malformed)"), std::string::npos) << r.out;

  auto db = store::Open(data_ + "/yzcloud.db", 1);
  ASSERT_TRUE(db.ok()) << db.status().message();
  {
    auto conn = (*db)->Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    auto rows = (*conn)->Query("SELECT request_id, path FROM request_log");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    std::map<int, std::string> path_of;  // by line number (request ids end in "-LINE")
    for (const store::Row& row : *rows) {
      const std::string id = row.Text(0);
      path_of[std::stoi(id.substr(id.rfind('-') + 1))] = row.Text(1);
    }
    EXPECT_EQ(path_of, (std::map<int, std::string>{
                           {1, "/api/v1/devices/{install_id}/events"},
                           {2, "/api/v1/devices/{install_id}/location"},
                           {3, "/guardian/{token}"},
                           {4, "/api/v1/guardian/{token}/consent"},
                           {5, "/account/sessions/{id}/revoke?token=&q="},
                           {6, "/shared/*"},
                       }));
  }
  db->reset();
  for (const auto& entry : fs::recursive_directory_iterator(data_)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = ReadBytes(entry.path());
    for (const std::string& raw : {install_id, token, session, unknown}) {
      EXPECT_EQ(bytes.find(raw), std::string::npos) << raw << " in the clear in " << entry.path();
    }
  }
}

TEST_F(ImportLogTest, ReadsStandardInput) {
  const std::string file = WriteLog({kClients[0] + " - - " + Stamp(Now() - 120) +
                                     " \"GET / HTTP/1.1\" 200 10"});  // common format
  const std::string cmd = std::string("'") + YZCLOUD_BIN + "' import-log - --data-dir '" + data_ +
                          "' < '" + file + "' 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0) << out;
  EXPECT_NE(out.find("imported 1 lines (0 malformed)"), std::string::npos) << out;
}

TEST_F(ImportLogTest, MissingFileExitsOneAndNothingImportedExitsOne) {
  CommandResult missing =
      RunYzcloud({"import-log", (dir_ / "nope.log").string(), "--data-dir", data_});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;

  const std::string file = WriteLog({"garbage", "more garbage"});
  CommandResult none = RunYzcloud({"import-log", file, "--data-dir", data_});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("line 2: "), std::string::npos) << none.err;
  EXPECT_NE(none.out.find("imported 0 lines (2 malformed)"), std::string::npos) << none.out;
}

TEST_F(ImportLogTest, UsageErrorsExitTwo) {
  EXPECT_EQ(RunYzcloud({"import-log", "--data-dir", data_}).exit_code, 2);  // no FILE
  EXPECT_EQ(RunYzcloud({"import-log", "a.log", "--bogus", "--data-dir", data_}).exit_code, 2);
  EXPECT_EQ(RunYzcloud({"import-log", "a.log", "--threads", "x", "--data-dir", data_}).exit_code,
            2);
}

}  // namespace
}  // namespace yz::testing
