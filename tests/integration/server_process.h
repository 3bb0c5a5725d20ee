// Runs the real yzcloud binary as a child process on a loopback port, for
// integration tests. Each instance gets a fresh temp data directory.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace yz::testing {

class ServerProcess {
 public:
  // Starts `yzcloud serve --port 0 --data-dir <tmp>` plus `extra_args`, with
  // `env` added to the environment, and waits for its "listening on" line.
  explicit ServerProcess(std::vector<std::string> extra_args = {},
                         std::map<std::string, std::string> env = {});
  ~ServerProcess();  // SIGKILLs the server if it is still running

  bool started() const { return port_ != 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& output() const { return output_; }  // stdout so far

  // Polls /readyz until it answers 200 (the user-agent rules load for about half
  // a second after start); false if it does not within `timeout`.
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Polls /metrics until no collected row waits for the writer: every access
  // row of a request answered before the call is then committed.
  bool WaitCollected(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  void Signal(int signo) const;
  // Waits for exit; the exit code, -signal if killed by one, nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
  bool reaped_ = false;
  std::string data_dir_;
  std::string output_;
};

// Runs the yzcloud binary with `args` to completion; returns exit code and output.
struct CommandResult {
  int exit_code;
  std::string out;
  std::string err;
};
CommandResult RunYzcloud(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {});

// A fixture whose tests share one server started for the whole suite (the
// server is read-only for them, and starting it per test would cost seconds).
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->started()) << server_->output(); }
  int port() const { return server_->port(); }
  static inline ServerProcess* server_ = nullptr;
};

}  // namespace yz::testing
