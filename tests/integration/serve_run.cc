#include "serve_run.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>

extern char** environ;

namespace yz::testing {

ServeRun::ServeRun(const std::vector<std::string>& args, const std::string& umask) {
  // The arguments travel as the shell's positional parameters: no quoting needed.
  std::vector<std::string> argv = {"/bin/sh", "-c",        "umask " + umask + "; exec \"$@\"",
                                   "sh",      YZCLOUD_BIN, "serve",
                                   "--port",  "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    if (!kv.starts_with("YZ_")) envs.push_back(kv);
  }
  envs.push_back("YZ_LOG_LEVEL=warn");
  std::vector<char*> cargv, cenvp;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : envs) cenvp.push_back(e.data());
  cenvp.push_back(nullptr);
  int out[2], err[2];
  if (pipe(out) != 0 || pipe(err) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (posix_spawn(&pid_, "/bin/sh", &actions, nullptr, cargv.data(), cenvp.data()) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
  err_reader_ = std::thread([this] {
    char buf[4096];
    ssize_t n;
    while ((n = read(err_fd_, buf, sizeof buf)) > 0) err_.append(buf, static_cast<std::size_t>(n));
  });
  if (pid_ < 0) return;
  static const std::regex kListening(R"(listening on http://127\.0\.0\.1:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    const ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) break;  // exited without listening
    out_.append(buf, static_cast<std::size_t>(n));
    std::smatch m;
    if (std::regex_search(out_, m, kListening)) {
      port_ = std::stoi(m[1]);
      return;
    }
  }
}

int ServeRun::Finish() {
  if (finished_ || pid_ < 0) return exit_code_;
  finished_ = true;
  if (listening()) kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  pid_t r = 0;
  while ((r = waitpid(pid_, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (r != pid_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  } else if (WIFEXITED(status)) {
    exit_code_ = WEXITSTATUS(status);
  }
  if (err_reader_.joinable()) err_reader_.join();
  return exit_code_;
}

std::string ServeRun::err() const { return err_; }

ServeRun::~ServeRun() {
  if (!finished_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    finished_ = true;
  }
  if (err_reader_.joinable()) err_reader_.join();
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

}  // namespace yz::testing
