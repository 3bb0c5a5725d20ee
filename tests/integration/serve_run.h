// Runs `yzcloud serve` (or any yzcloud command) as a child under a chosen umask,
// capturing stdout and stderr, for the key-file and file-mode tests: unlike
// ServerProcess it shows what a server that refuses to start says on stderr.
// Thread-safety: one thread per instance.
#pragma once

#include <sys/types.h>

#include <string>
#include <thread>
#include <vector>

namespace yz::testing {

class ServeRun {
 public:
  // Starts `yzcloud serve --port 0 ARGS` through `sh -c 'umask UMASK; exec ...'`
  // with YZ_LOG_LEVEL=warn, and waits up to 20 s for its listening line or its exit.
  explicit ServeRun(const std::vector<std::string>& args, const std::string& umask = "022");
  ~ServeRun();  // SIGKILLs a server still running
  ServeRun(const ServeRun&) = delete;
  ServeRun& operator=(const ServeRun&) = delete;

  bool listening() const { return port_ != 0; }
  int port() const { return port_; }
  // SIGTERMs the server if it listens, waits for it, and returns its exit code
  // (-1 if it did not exit within 20 s or died by a signal). Idempotent.
  int Finish();
  // Everything the process wrote to stderr; complete after Finish().
  std::string err() const;
  const std::string& out() const { return out_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
  bool finished_ = false;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::string out_;
  std::string err_;
  std::thread err_reader_;
};

}  // namespace yz::testing
