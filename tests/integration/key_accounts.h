// Small account steps against a running server for the key-file and file-mode
// tests: register and verify a login (its code read from the outbox file once delivered), and log
// in. Thread-safety: free functions.
#pragma once

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "http_client.h"

namespace yz::testing {

inline constexpr const char* kKeyTestPassword = "Key-Files-2026!";

// The newest code the outbox file in `data_dir` holds for `to`, waiting up to 10 s
// for one: messages are delivered after the change that queued them commits.
inline std::string NewestOutboxCode(const std::string& data_dir, const std::string& to) {
  const std::string want = "\"to\":\"" + to + "\"";
  for (int tries = 0; tries < 200; ++tries) {
    std::ifstream in(data_dir + "/outbox.jsonl");
    std::string line, code;
    while (std::getline(in, line)) {
      if (line.find(want) == std::string::npos) continue;
      const auto at = line.find("\"code\":\"");
      if (at != std::string::npos) code = line.substr(at + 8, line.find('"', at + 8) - at - 8);
    }
    if (!code.empty()) return code;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

// The status of registering `login` (201 when created).
inline int Register(int port, const std::string& login) {
  auto r = Fetch(port, "POST", "/api/v1/accounts",
                 "{\"login\":\"" + login + "\",\"password\":\"" + kKeyTestPassword +
                     "\",\"display_name\":\"名字\",\"birth_date\":\"1988-08-08\"}",
                 {{"Content-Type", "application/json"}});
  return r ? r->status : 0;
}

// Registers and verifies `login`; true on success.
inline bool SignUpVerified(int port, const std::string& data_dir, const std::string& login) {
  if (Register(port, login) != 201) return false;
  auto ver =
      Fetch(port, "POST", "/api/v1/accounts/verify",
            "{\"login\":\"" + login + "\",\"code\":\"" + NewestOutboxCode(data_dir, login) + "\"}",
            {{"Content-Type", "application/json"}});
  return ver && ver->status == 200;
}

// The status of logging in as `login` (201 with a session).
inline int LogIn(int port, const std::string& login) {
  auto r = Fetch(port, "POST", "/api/v1/sessions",
                 "{\"login\":\"" + login + "\",\"password\":\"" + kKeyTestPassword + "\"}",
                 {{"Content-Type", "application/json"}});
  return r ? r->status : 0;
}

}  // namespace yz::testing
