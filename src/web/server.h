// The HTTP/1.1 server: Beast's parser over Asio C++20 coroutines.
//
// `threads` I/O threads, each with its own io_context: a connection is handed to
// one at accept and served by one coroutine there, so nothing on the request
// path is shared or locked between I/O threads. Requests are parsed straight
// into web::Request and answers serialized by hand into one reused buffer.
// Handlers marked Exec::kBlocking run on a separate worker pool. Every response carries an
// X-Request-Id and the security headers; errors use the JSON envelope.
// Limits: header bytes (431), body bytes (413), a deadline for each request to
// arrive (slow clients are dropped), max open connections (503 and close).
// Shutdown (Shutdown() or SIGINT/SIGTERM): stop accepting, close idle
// keep-alive connections, let requests in flight finish (up to
// shutdown_grace_ms), then return from Run().
//
// Thread-safety: Listen and Run are called once from the owning thread;
// Shutdown may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/config.h"
#include "core/status.h"
#include "web/metrics.h"
#include "web/router.h"

namespace yz::web {

class Server {
 public:
  Server(const Config& config, const Router& router, Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; Unavailable if the address is taken. port() is valid after.
  Status Listen();
  std::uint16_t port() const;
  // Serves until shutdown completes. Handles SIGINT and SIGTERM.
  void Run();
  void Shutdown();
  // Called once after the last connection closed and before Run() returns
  // (flush queues here).
  void OnDrained(std::function<void()> fn);
  // Called on the I/O thread for every request, once its response is known and
  // before it is written (the access log, C2.1). Not for responses the handler
  // marked access_logged, nor for requests refused before parsing. Set before Run.
  using AccessHook = std::function<void(const Request&, const Response&)>;
  void OnResponse(AccessHook fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yz::web
