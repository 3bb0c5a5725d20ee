// Account steps integration tests share: register, verify with the code from the
// outbox file, and log in, all through the JSON API.
//
// Messages reach the outbox file from the server's delivery worker, after the
// request that queued them has answered: the helpers wait for a message rather
// than read the file once.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http_client.h"
#include "page_text.h"

namespace yz::testing {

// The codes (or link tokens) of the messages to `to` in the outbox file of
// `data_dir` that carry one, oldest first (notices carry none and are skipped).
inline std::vector<std::string> OutboxCodes(const std::string& data_dir, const std::string& to) {
  std::ifstream in(data_dir + "/outbox.jsonl");
  std::vector<std::string> codes;
  for (std::string line; std::getline(in, line);) {
    if (JsonString(line, "to") != to) continue;
    if (std::string code = JsonString(line, "code"); !code.empty()) codes.push_back(code);
  }
  return codes;
}

// The code of the `n`th message with a code (from 1) to `to`, waiting up to 10 s for it to be
// delivered; "" if it does not come.
inline std::string WaitForCode(const std::string& data_dir, const std::string& to, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::vector<std::string> codes = OutboxCodes(data_dir, to);
    if (codes.size() >= n) return codes[n - 1];
    if (std::chrono::steady_clock::now() > deadline) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The code of the next message to `to` that this test process has not read yet,
// waiting for it: call once per message the server was asked to send.
inline std::string NextCode(const std::string& data_dir, const std::string& to) {
  static std::mutex mu;
  static std::map<std::string, std::size_t> read;  // guarded by mu
  std::size_t n;
  {
    std::lock_guard lock(mu);
    n = ++read[data_dir + "\n" + to];
  }
  return WaitForCode(data_dir, to, n);
}

// Registers, verifies and logs in an adult; returns the bearer token.
inline std::string LoggedInAdult(int port, const std::string& data_dir, const std::string& login) {
  const std::map<std::string, std::string> json{{"Content-Type", "application/json"}};
  auto send = [&](const std::string& target, const std::string& body) {
    auto r = Fetch(port, "POST", target, body, json);
    return r ? *r : HttpResponse{};
  };
  HttpResponse r = send(
      "/api/v1/accounts",
      R"({"login":")" + login +
          R"(","password":"lantern-orchard-47","display_name":"张三","birth_date":"1985-06-01"})");
  EXPECT_EQ(r.status, 201) << r.body;
  const std::string code = NextCode(data_dir, login);
  HttpResponse v =
      send("/api/v1/accounts/verify", R"({"login":")" + login + R"(","code":")" + code + "\"}");
  EXPECT_EQ(v.status, 200) << v.body;
  HttpResponse s =
      send("/api/v1/sessions", R"({"login":")" + login + R"(","password":"lantern-orchard-47"})");
  EXPECT_EQ(s.status, 201) << s.body;
  return JsonString(s.body, "token");
}

}  // namespace yz::testing
