#include "web/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_set>
#include <variant>

namespace yz::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

using Network = std::variant<asio::ip::network_v4, asio::ip::network_v6>;

bool InNetwork(const Network& net, const asio::ip::address& a) {
  if (auto v4 = std::get_if<asio::ip::network_v4>(&net)) {
    asio::ip::address_v4 addr;
    if (a.is_v4())
      addr = a.to_v4();
    else if (a.to_v6().is_v4_mapped())
      addr = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    else
      return false;
    return (addr.to_uint() & v4->netmask().to_uint()) == v4->network().to_uint();
  }
  if (!a.is_v6()) return false;
  const auto& v6 = std::get<asio::ip::network_v6>(net);
  auto x = a.to_v6().to_bytes();
  auto n = v6.network().to_bytes();
  int bits = v6.prefix_length();
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
    if ((x[i] & mask) != (n[i] & mask)) return false;
  }
  return true;
}

// A per-thread generator is enough for request ids: they must be unique, not secret.
std::string NewRequestId() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t v = gen();
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) id[i] = kHex[v & 0xF];
  return id;
}

// Written straight into Beast's header block: no intermediate copies on the hot path.
void SetStandardHeaders(http::response<http::string_body>& out, std::string_view request_id) {
  out.set(http::field::server, "yzcloud");
  out.set("X-Request-Id", request_id);
  out.set("X-Content-Type-Options", "nosniff");
  out.set("X-Frame-Options", "DENY");
  out.set("Referrer-Policy", "strict-origin-when-cross-origin");
  if (out.find("Content-Security-Policy") == out.end()) {
    out.set("Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            "base-uri 'self'; form-action 'self'");
  }
  if (out.find(http::field::cache_control) == out.end()) {
    out.set(http::field::cache_control, "no-store");
  }
}

}  // namespace

struct Connection {
  explicit Connection(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool idle = true;  // waiting for the next request to start; touched on the strand only
};

struct Server::Impl {
  Impl(const Config& c, const Router& r, Metrics& m)
      : config(c),
        router(r),
        metrics(m),
        workers(static_cast<std::size_t>(c.workers)),
        acceptor(ioc),
        signals(ioc, SIGINT, SIGTERM) {}

  const Config config;
  const Router& router;
  Metrics& metrics;
  asio::io_context ioc;
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::vector<Network> trusted;
  std::function<void()> on_drained;
  Server::AccessHook on_response;
  std::atomic<bool> stopping{false};

  std::mutex mu;  // guards conns; cv signals "stopping" and "conns became empty"
  std::condition_variable cv;
  std::unordered_set<std::shared_ptr<Connection>> conns;

  asio::awaitable<void> Accept();
  asio::awaitable<void> Reject(tcp::socket socket);
  asio::awaitable<void> Session(std::shared_ptr<Connection> c);
  Response Invoke(const Route& route, Request& req);
  asio::awaitable<Response> InvokeAsync(const Route& route, Request& req);
  std::string ClientIp(const std::string& peer, std::string_view forwarded_for) const;
  void BeginShutdown();
  void Remove(const std::shared_ptr<Connection>& c);
};

std::string Server::Impl::ClientIp(const std::string& peer, std::string_view xff) const {
  boost::system::error_code ec;
  auto trusted_addr = [&](std::string_view s) {
    auto a = asio::ip::make_address(std::string(s), ec);
    if (ec) return false;
    for (const auto& n : trusted) {
      if (InNetwork(n, a)) return true;
    }
    return false;
  };
  if (trusted.empty() || xff.empty() || !trusted_addr(peer)) return peer;
  // Walk X-Forwarded-For from the right: the first hop we do not trust is the client.
  std::string candidate = peer;
  while (!xff.empty()) {
    auto comma = xff.rfind(',');
    std::string_view hop = comma == std::string_view::npos ? xff : xff.substr(comma + 1);
    xff = comma == std::string_view::npos ? std::string_view{} : xff.substr(0, comma);
    while (!hop.empty() && hop.front() == ' ') hop.remove_prefix(1);
    while (!hop.empty() && hop.back() == ' ') hop.remove_suffix(1);
    asio::ip::make_address(std::string(hop), ec);
    if (ec) break;  // garbage: stop at the last hop we could read
    candidate = std::string(hop);
    if (!trusted_addr(hop)) break;
  }
  return candidate;
}

Response Server::Impl::Invoke(const Route& route, Request& req) {
  try {
    return route.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: handler threw: {}", req.request_id, req.method, req.path,
                  e.what());
    return Response::Error(500, "internal", "internal error");
  }
}

// Starts the handler on this I/O thread and suspends the connection until it
// replies (from any thread); the reply resumes the coroutine on its strand.
asio::awaitable<Response> Server::Impl::InvokeAsync(const Route& route, Request& req) {
  auto initiate = [&route, &req](auto handler) {
    using H = decltype(handler);
    auto shared = std::make_shared<std::optional<H>>(std::move(handler));
    auto once = std::make_shared<std::atomic<bool>>(false);
    Reply reply = [shared, once](Response r) {
      if (once->exchange(true)) return;  // a second reply is a bug; ignore it
      auto ex = asio::get_associated_executor(**shared);
      asio::post(ex, [shared, r = std::move(r)]() mutable { std::move (**shared)(std::move(r)); });
    };
    try {
      route.async(req, reply);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {}: handler threw: {}", req.request_id, req.method, req.path,
                    e.what());
      reply(Response::Error(500, "internal", "internal error"));
    }
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      initiate, asio::use_awaitable);
}

// The answer when no route takes the request: 405 with Allow, or 404.
Response NoRoute(const Router::Match& match, const Request& req) {
  if (match.path_matched) {
    return Response::Error(405, "method_not_allowed", req.method + " is not allowed here")
        .With("Allow", match.allow);
  }
  return Response::Error(404, "not_found", "no such resource: " + req.path);
}

asio::awaitable<void> Server::Impl::Reject(tcp::socket socket) {
  static const std::string kBody =
      R"({"error":{"code":"unavailable","message":"too many connections"}})";
  static const std::string kResponse =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
  co_await asio::async_write(socket, asio::buffer(kResponse), kUse);
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

asio::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kUse);
    if (ec) {
      if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors and the like: back off instead of spinning.
      spdlog::warn("accept: {}", ec.message());
      asio::steady_timer t(ioc, std::chrono::milliseconds(50));
      co_await t.async_wait(kUse);
      continue;
    }
    if (metrics.open_connections() >= config.max_connections) {
      metrics.ConnectionRejected();
      auto ex = socket.get_executor();
      asio::co_spawn(ex, Reject(std::move(socket)), asio::detached);
      continue;
    }
    auto conn = std::make_shared<Connection>(std::move(socket));
    {
      std::lock_guard lock(mu);
      if (stopping) continue;
      conns.insert(conn);
    }
    metrics.ConnectionOpened();
    asio::co_spawn(conn->stream.get_executor(), Session(conn), [this, conn](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("connection ended by exception: {}", ex.what());
        }
      }
      Remove(conn);
    });
  }
}

asio::awaitable<void> Server::Impl::Session(std::shared_ptr<Connection> c) {
  boost::system::error_code ec;
  auto remote = c->stream.socket().remote_endpoint(ec);
  std::string peer = ec ? std::string() : remote.address().to_string();
  if (peer.starts_with("::ffff:")) peer = peer.substr(7);
  const auto timeout = std::chrono::milliseconds(config.request_timeout_ms);

  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(static_cast<std::uint64_t>(config.max_body_bytes));
    if (stopping && c->buffer.size() == 0) break;
    c->stream.expires_after(timeout);
    c->idle = true;
    auto [rec, nread] = co_await http::async_read(c->stream, c->buffer, parser, kUse);
    c->idle = false;
    if (rec) {
      std::optional<Response> refusal;
      if (rec == http::error::header_limit) {
        refusal = Response::Error(431, "header_too_large", "request headers are too large");
      } else if (rec == http::error::body_limit) {
        refusal = Response::Error(
            413, "body_too_large",
            "request body is larger than " + std::to_string(config.max_body_bytes) + " bytes");
      } else if (rec.category() == http::make_error_code(http::error::bad_target).category() &&
                 rec != http::error::end_of_stream && rec != http::error::partial_message) {
        refusal = Response::Error(400, "bad_request", "malformed HTTP request: " + rec.message());
      }
      if (refusal) {
        http::response<http::string_body> res{static_cast<http::status>(refusal->status), 11};
        res.set(http::field::content_type, refusal->content_type);
        SetStandardHeaders(res, NewRequestId());
        res.body() = std::move(refusal->body);
        res.keep_alive(false);
        res.prepare_payload();
        c->stream.expires_after(timeout);
        co_await http::async_write(c->stream, res, kUse);
        metrics.ObserveRequest("(refused)", "-", refusal->status, 0);
      }
      break;  // eof, timeout (slow client), reset, cancel: just close
    }

    auto started = Clock::now();
    auto& in = parser.get();
    Request req;
    req.method = std::string(in.method_string());
    req.target = std::string(in.target());
    req.peer_ip = peer;
    req.request_id = NewRequestId();
    for (const auto& f : in) {
      std::string name(f.name_string());
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      req.headers.push_back({std::move(name), std::string(f.value())});
    }
    req.client_ip = ClientIp(peer, req.HeaderValue("x-forwarded-for"));
    req.body = std::move(in.body());
    bool keep_alive = in.keep_alive();
    unsigned version = in.version();

    Response res;
    std::string route_name;
    auto url = boost::urls::parse_origin_form(req.target);
    if (!url) {
      route_name = "(bad target)";
      res = Response::Error(400, "bad_request", "request target is not a valid path");
    } else {
      req.path = std::string(url->path());
      req.query = std::string(url->encoded_query());
      auto match = router.Find(req.method, req.path, req.params);
      const Route* route = match.route;
      if (!route) {
        route_name = match.path_matched ? "(method not allowed)" : "(not found)";
        res = NoRoute(match, req);
      } else if (route->exec == Exec::kAsync) {
        route_name = route->pattern;
        res = co_await InvokeAsync(*route, req);
      } else if (route->exec == Exec::kBlocking) {
        route_name = route->pattern;
        res = co_await asio::co_spawn(
            workers,
            [this, route, &req]() -> asio::awaitable<Response> { co_return Invoke(*route, req); },
            asio::use_awaitable);
      } else {
        route_name = route->pattern;
        res = Invoke(*route, req);
      }
    }

    if (on_response && !res.access_logged) on_response(req, res);
    if (stopping) keep_alive = false;
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    out.set(http::field::content_type, res.content_type);
    for (const auto& h : res.headers) out.insert(h.name, h.value);
    SetStandardHeaders(out, req.request_id);
    out.keep_alive(keep_alive);
    if (req.method == "HEAD") {
      out.content_length(res.body.size());
    } else {
      out.body() = std::move(res.body);
      out.prepare_payload();
    }
    // Recorded before the write so that a client who has its answer sees it counted.
    metrics.ObserveRequest(route_name, req.method, res.status,
                           std::chrono::duration<double>(Clock::now() - started).count());
    c->stream.expires_after(timeout);
    auto [wec, nwritten] = co_await http::async_write(c->stream, out, kUse);
    if (wec || !keep_alive) break;
  }
  c->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  c->stream.close();
}

void Server::Impl::Remove(const std::shared_ptr<Connection>& c) {
  metrics.ConnectionClosed();
  std::lock_guard lock(mu);
  conns.erase(c);
  if (conns.empty()) cv.notify_all();
}

void Server::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  spdlog::info("shutting down: no new connections, finishing requests in flight");
  boost::system::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  std::lock_guard lock(mu);
  for (const auto& c : conns) {
    // Idle keep-alive connections are closed now; busy ones close after their response.
    asio::post(c->stream.get_executor(), [c] {
      if (c->idle && c->buffer.size() == 0) c->stream.cancel();
    });
  }
  cv.notify_all();
}

Server::Server(const Config& config, const Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(config, router, metrics)) {}

Server::~Server() = default;

Status Server::Listen() {
  for (const auto& cidr : impl_->config.trusted_proxies) {
    boost::system::error_code ec;
    std::string s = cidr.find('/') == std::string::npos
                        ? cidr + (cidr.find(':') == std::string::npos ? "/32" : "/128")
                        : cidr;
    auto v4 = asio::ip::make_network_v4(s, ec);
    if (!ec) {
      impl_->trusted.emplace_back(v4);
      continue;
    }
    auto v6 = asio::ip::make_network_v6(s, ec);
    if (!ec) {
      impl_->trusted.emplace_back(v6);
      continue;
    }
    return InvalidArgument("trusted_proxies: '" + cidr + "' is not an address or CIDR");
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->config.listen, ec);
  if (ec) return InvalidArgument("listen: '" + impl_->config.listen + "' is not an IP address");
  tcp::endpoint ep(address, static_cast<std::uint16_t>(impl_->config.port));
  auto& a = impl_->acceptor;
  std::string where = impl_->config.listen + ":" + std::to_string(impl_->config.port);
  if (a.open(ep.protocol(), ec); ec) return Unavailable("listen " + where + ": " + ec.message());
  a.set_option(asio::socket_base::reuse_address(true), ec);
  if (a.bind(ep, ec); ec) return Unavailable("listen " + where + ": " + ec.message());
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Unavailable("listen " + where + ": " + ec.message());
  }
  return Status::Ok();
}

std::uint16_t Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::OnDrained(std::function<void()> fn) { impl_->on_drained = std::move(fn); }

void Server::OnResponse(AccessHook fn) { impl_->on_response = std::move(fn); }

void Server::Shutdown() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->BeginShutdown(); });
}

void Server::Run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {} received", signo);
    s.BeginShutdown();
  });
  asio::co_spawn(s.ioc, s.Accept(), asio::detached);
  auto guard = asio::make_work_guard(s.ioc);
  std::vector<std::thread> threads;
  for (std::int64_t i = 0; i < s.config.threads; ++i) threads.emplace_back([&s] { s.ioc.run(); });

  {
    std::unique_lock lock(s.mu);
    s.cv.wait(lock, [&s] { return s.stopping.load(); });
    bool drained = s.cv.wait_for(lock, std::chrono::milliseconds(s.config.shutdown_grace_ms),
                                 [&s] { return s.conns.empty(); });
    if (!drained) {
      spdlog::warn("grace period over: closing {} connection(s)", s.conns.size());
      for (const auto& c : s.conns)
        asio::post(c->stream.get_executor(), [c] { c->stream.close(); });
      s.cv.wait_for(lock, std::chrono::milliseconds(500), [&s] { return s.conns.empty(); });
    }
  }
  guard.reset();
  s.ioc.stop();
  for (auto& t : threads) t.join();
  s.workers.join();
  if (s.on_drained) s.on_drained();
  spdlog::info("stopped");
}

}  // namespace yz::web
