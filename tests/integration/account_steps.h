// Account steps integration tests share: register, verify with the code from the
// outbox file, and log in, all through the JSON API.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "http_client.h"
#include "page_text.h"

namespace yz::testing {

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
  std::ifstream in(data_dir + "/outbox.jsonl");
  std::string line, code;
  while (std::getline(in, line)) {
    if (JsonString(line, "to") == login) code = JsonString(line, "code");
  }
  HttpResponse v =
      send("/api/v1/accounts/verify", R"({"login":")" + login + R"(","code":")" + code + "\"}");
  EXPECT_EQ(v.status, 200) << v.body;
  HttpResponse s =
      send("/api/v1/sessions", R"({"login":")" + login + R"(","password":"lantern-orchard-47"})");
  EXPECT_EQ(s.status, 201) << s.body;
  return JsonString(s.body, "token");
}

}  // namespace yz::testing
