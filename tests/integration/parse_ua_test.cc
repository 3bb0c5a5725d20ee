// `yzcloud parse-ua` (issue 5 point 2): one JSON object per input line, shaped as
// uap-core's results, null where absent; bots show as device family "Spider".
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace yz::testing {
namespace {

// Runs `yzcloud parse-ua` with `input` on stdin; returns its stdout lines and exit code.
struct ParseUaRun {
  int exit_code = -1;
  std::vector<std::string> lines;
};

ParseUaRun RunParseUa(const std::string& input, const std::string& extra_args = "") {
  std::string tmpl = (std::filesystem::temp_directory_path() / "yz-parse-ua-XXXXXX").string();
  int fd = mkstemp(tmpl.data());
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(tmpl, std::ios::binary) << input;
  const std::string cmd =
      std::string("'") + YZCLOUD_BIN + "' parse-ua " + extra_args + " < '" + tmpl + "'";
  ParseUaRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::filesystem::remove(tmpl);
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) run.lines.push_back(line);
  return run;
}

TEST(ParseUaCliTest, PrintsOneJsonObjectPerLine) {
  auto run = RunParseUa(
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.6099.109 Safari/537.36\r\n"
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)\n"
      "\n"
      "unknown-agent/1\n");
  ASSERT_EQ(run.exit_code, 0);
  ASSERT_EQ(run.lines.size(), 4u);
  EXPECT_EQ(run.lines[0],
            "{\"browser\": {\"family\": \"Chrome\", \"major\": \"120\", \"minor\": \"0\", "
            "\"patch\": \"6099\"}, \"os\": {\"family\": \"Windows\", \"major\": \"10\", "
            "\"minor\": null, \"patch\": null, \"patch_minor\": null}, \"device\": "
            "{\"family\": \"Other\", \"brand\": null, \"model\": null}}");
  EXPECT_NE(run.lines[1].find("\"device\": {\"family\": \"Spider\""), std::string::npos)
      << run.lines[1];
  const std::string nothing =
      "{\"browser\": {\"family\": \"Other\", \"major\": null, \"minor\": null, \"patch\": "
      "null}, \"os\": {\"family\": \"Other\", \"major\": null, \"minor\": null, \"patch\": "
      "null, \"patch_minor\": null}, \"device\": {\"family\": \"Other\", \"brand\": null, "
      "\"model\": null}}";
  EXPECT_EQ(run.lines[2], nothing);
  EXPECT_EQ(run.lines[3], nothing);
}

TEST(ParseUaCliTest, MissingRulesFileIsAClearError) {
  auto run = RunParseUa("curl/8.0\n", "--rules /nonexistent/regexes.yaml 2>/dev/null");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.lines.empty());
}

}  // namespace
}  // namespace yz::testing
