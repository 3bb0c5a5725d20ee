// SafeRedirectTarget against a real WHATWG URL parser: Node.js's URL (the parser
// browsers' behaviour is specified by). Thousands of targets (the known bypass
// shapes, pieces of them combined at random, and random bytes) go through our
// function; redirect_target_check.mjs then checks in Node that every accepted
// target resolves to the site's origin, that the Location we emit resolves to the
// same URL the target does, and that every refusal of a same-origin target has a
// documented reason. C4.1, PIPL 51; issue 15 defect 3.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "web/redirect_target.h"

namespace yz::web {
namespace {

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// Targets seen in open-redirect reports, and pieces to build more from.
std::vector<std::string> KnownShapes() {
  using std::string_literals::operator""s;
  return {"/account",
          "//evil.example",
          "/\t/evil.example",
          "/\\evil.example",
          "\\\\evil.example",
          " //evil.example",
          "\x01//evil.example",
          "\x00/\\evil"s,
          "/\r\n/evil.example",
          "http://evil.example",
          "http:/evil.example",
          "http:evil",
          "HtTp:/\\evil.example",
          "https://origin.test/",
          "http://origin.test/x",
          "//origin.test/x",
          "/.//evil.example",
          "/..//evil.example",
          "/%2e%2e//evil.example",
          "/%2f%2fevil.example",
          "%2f%2fevil.example",
          "/%5c%5cevil.example",
          "java\nscript:x",
          "javascript:alert(1)",
          "data:,x",
          "/a?next=//evil.example",
          "/a#//evil.example",
          "\\/\\/evil.example",
          "/\\\t\\evil.example",
          "///\\evil",
          "\t\t/\t/\tevil",
          "?//evil.example",
          "#\\\\evil",
          ".//evil.example",
          "..\\\\evil.example",
          "/\xe3\x80\x80/evil.example",
          "/\xef\xbc\x8f"
          "evil.example",
          "\xe3\x80\x80//evil",
          "@evil.example",
          "/@evil.example",
          ":@evil.example",
          "1://evil.example",
          "a.b-c+d://evil.example",
          "/a/b/../../..//evil.example",
          "\x0c//evil.example",
          "//evil.example\\@origin.test",
          "/ /evil.example",
          "/\x7f/evil.example"};
}

const std::vector<std::string>& Pieces() {
  using std::string_literals::operator""s;
  static const std::vector<std::string> pieces = {"/",
                                                  "/",
                                                  "\\",
                                                  "\t",
                                                  "\n",
                                                  "\r",
                                                  " ",
                                                  "\x00"s,
                                                  "\x01",
                                                  "\x1f",
                                                  "\x7f",
                                                  ".",
                                                  "..",
                                                  "%2e",
                                                  "%2E",
                                                  "%2f",
                                                  "%5c",
                                                  "%09",
                                                  "%0a",
                                                  "%00",
                                                  "?",
                                                  "#",
                                                  "@",
                                                  ":",
                                                  "evil",
                                                  ".example",
                                                  "http:",
                                                  "https:",
                                                  "HTTP:",
                                                  "javascript:",
                                                  "a",
                                                  "\xc3\xa9",
                                                  "\xe3\x80\x80",
                                                  "\xef\xbc\x8f",
                                                  "origin.test",
                                                  "//",
                                                  "\\\\",
                                                  "x=1",
                                                  "&",
                                                  "%",
                                                  "\"",
                                                  "<",
                                                  "`",
                                                  "{",
                                                  "^"};
  return pieces;
}

std::vector<std::string> Targets() {
  std::vector<std::string> out = KnownShapes();
  std::mt19937 rng(20261203);  // fixed: a failure reproduces
  const auto& pieces = Pieces();
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  std::uniform_int_distribution<int> count(1, 8);
  for (int i = 0; i < 4000; ++i) {
    std::string t;
    for (int n = count(rng); n > 0; --n) t += pieces[piece(rng)];
    out.push_back(std::move(t));
  }
  // Random bytes, plain and after a "/".
  std::uniform_int_distribution<int> byte(0, 255), length(1, 12);
  for (int i = 0; i < 2000; ++i) {
    std::string t = i % 2 ? "/" : "";
    for (int n = length(rng); n > 0; --n) t += static_cast<char>(byte(rng));
    out.push_back(std::move(t));
  }
  return out;
}

// C4.1, PIPL 51; issue 15 defect 3.
TEST(RedirectTargetDifferentialTest, AgreesWithNodesWhatwgUrlParser) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("yz-redirect-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path cases = dir / "cases.txt";
  {
    std::ofstream out(cases);
    for (const std::string& t : Targets()) {
      auto location = SafeRedirectTarget(t);
      out << Hex(t) << ' ' << (location ? Hex(*location) : "-") << '\n';
    }
  }
  const std::string script =
      std::string(YZ_SOURCE_DIR) + "/tests/unit/web/redirect_target_check.mjs";
  const std::string command = "node '" + script + "' '" + cases.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr) << "cannot run: " << command;
  std::string output;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) output.append(buf.data(), n);
  const int status = pclose(pipe);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WIFEXITED(status)) << output;
  ASSERT_NE(WEXITSTATUS(status), 127) << "node is not installed (scripts/install-deps): " << output;
  EXPECT_EQ(WEXITSTATUS(status), 0) << output;
  EXPECT_NE(output.find("\"failure_count\":0"), std::string::npos);
  std::cout << output;  // the summary: how many targets, how many each side kept
}

}  // namespace
}  // namespace yz::web
