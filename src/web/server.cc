#include "web/server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_set>
#include <variant>

#include "core/ascii.h"
#include "web/request_reader.h"

// GCC 12 reports Asio's own coroutine frame allocator (awaitable_frame_base's
// operator new/delete pair) as mismatched once Session is inlined enough.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

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

// Every X-Forwarded-For line of `req`, in order, as one list: a proxy may add
// its own line instead of extending the one the client sent, which comes first.
std::string ForwardedFor(const Request& req) {
  std::string all;
  for (const auto& h : req.headers) {
    if (h.name != "x-forwarded-for") continue;  // request header names are lower-case
    if (!all.empty()) all += ", ";
    all += h.value;
  }
  return all;
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

// What to read next, as Beast's own read loop asks: the buffer's free capacity,
// at least 512 bytes and at most one kMaxRead, so an idle connection stays small.
std::size_t ReadSize(const beast::flat_buffer& b) {
  return std::clamp<std::size_t>(b.capacity() - b.size(), 512, RequestReader::kMaxRead);
}

// Appends "Name: value\r\n"; a CR or LF a handler let into a value becomes a
// space, so no value can start a header of its own.
void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  const std::size_t from = out.size();
  out.append(value);
  for (std::size_t i = from; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n");
}

// 1xx, 204 and 304 answers carry no body, so no length either (RFC 9110 8.6).
bool HasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

// The status line and headers of `res`, with the standard ones every response
// carries, into `out` (cleared first; its capacity is reused across requests).
// The body is sent after it as is (a HEAD answer declares its length only).
void SerializeHead(std::string& out, const Response& res, unsigned version, bool keep_alive,
                   std::string_view request_id) {
  out.clear();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(std::to_string(res.status));
  out.push_back(' ');
  auto reason = http::obsolete_reason(static_cast<http::status>(res.status));
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  AppendHeader(out, "Content-Type", res.content_type);
  bool csp = false, cache_control = false;
  for (const auto& h : res.headers) {
    AppendHeader(out, h.name, h.value);
    csp = csp || AsciiIEquals(h.name, "Content-Security-Policy");
    cache_control = cache_control || AsciiIEquals(h.name, "Cache-Control");
  }
  out.append(
      "Server: yzcloud\r\n"
      "X-Content-Type-Options: nosniff\r\n"
      "X-Frame-Options: DENY\r\n"
      "Referrer-Policy: strict-origin-when-cross-origin\r\n");
  AppendHeader(out, "X-Request-Id", request_id);
  if (!csp) {
    out.append(
        "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'\r\n");
  }
  if (!cache_control) out.append("Cache-Control: no-store\r\n");
  if (!HasNoBody(res.status)) {
    out.append("Content-Length: ");
    out.append(std::to_string(res.body.size()));
    out.append("\r\n");
  }
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
}

}  // namespace

using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

// One client connection. Lives on one I/O thread and is touched only there.
struct Connection {
  explicit Connection(Socket s) : socket(std::move(s)) {}
  Socket socket;
  beast::flat_buffer buffer;
  std::string head;  // the response's status line and headers, reused
  // While we wait for the client (its request, or its reading of our answer),
  // the moment it is dropped; the I/O thread's sweep closes it then.
  Clock::time_point deadline = Clock::time_point::max();
  bool idle = true;  // waiting for the next request to start
};

using Buffers = std::array<asio::const_buffer, 2>;  // an answer's head and body

// Hands `buffers` to the kernel without waiting: the socket is non-blocking, so
// this takes what fits right away (all of it, for a typical answer) with no
// reactor round trip and no posted completion. Returns what is left to send
// asynchronously; `ec` is set only on a real error.
beast::buffers_suffix<Buffers> WriteNow(Socket& socket, const Buffers& buffers,
                                        boost::system::error_code& ec) {
  const std::size_t n = socket.write_some(buffers, ec);
  if (ec == asio::error::would_block) ec = {};
  beast::buffers_suffix<Buffers> rest(buffers);
  rest.consume(n);
  return rest;
}

// One I/O thread: its own io_context (so nothing is shared or locked between
// I/O threads on the request path) and the connections it serves.
struct IoThread {
  asio::io_context ioc{1};
  asio::steady_timer sweep{ioc};
  std::unordered_set<std::shared_ptr<Connection>> conns;  // touched on this thread only
  std::thread thread;
};

struct Server::Impl {
  Impl(const Config& c, const Router& r, Metrics& m)
      : config(c),
        router(r),
        metrics(m),
        io(MakeIoThreads(c.threads)),
        workers(static_cast<std::size_t>(c.workers)),
        acceptor(io.front()->ioc),
        signals(io.front()->ioc, SIGINT, SIGTERM) {}

  static std::vector<std::unique_ptr<IoThread>> MakeIoThreads(std::int64_t n) {
    std::vector<std::unique_ptr<IoThread>> v;
    for (std::int64_t i = 0; i < std::max<std::int64_t>(1, n); ++i) {
      v.push_back(std::make_unique<IoThread>());
    }
    return v;
  }

  const Config config;
  const Router& router;
  Metrics& metrics;
  std::vector<std::unique_ptr<IoThread>> io;  // the first also accepts and takes signals
  asio::thread_pool workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::vector<Network> trusted;
  std::function<void()> on_drained;
  Server::AccessHook on_response;
  std::atomic<bool> stopping{false};

  std::mutex mu;  // guards open; cv signals "stopping" and "no connection left"
  std::condition_variable cv;
  std::size_t open = 0;

  asio::awaitable<void> Accept();
  asio::awaitable<void> Reject(Socket socket);
  asio::awaitable<void> Session(IoThread& t, std::shared_ptr<Connection> c);
  Response Invoke(const Route& route, Request& req);
  asio::awaitable<Response> InvokeAsync(const Route& route, Request& req);
  std::string ClientIp(const std::string& peer, const Request& req) const;
  void Sweep(IoThread& t);
  // Runs `fn` on every open connection, each on its own I/O thread (posted).
  void ForEachConnection(std::function<void(Connection&)> fn);
  void BeginShutdown();
  void Remove(IoThread& t, const std::shared_ptr<Connection>& c);
};

std::string Server::Impl::ClientIp(const std::string& peer, const Request& req) const {
  boost::system::error_code ec;
  auto trusted_addr = [&](std::string_view s) {
    auto a = asio::ip::make_address(std::string(s), ec);
    if (ec) return false;
    for (const auto& n : trusted) {
      if (InNetwork(n, a)) return true;
    }
    return false;
  };
  if (trusted.empty() || !trusted_addr(peer)) return peer;
  const std::string forwarded_for = ForwardedFor(req);
  std::string_view xff = forwarded_for;
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
    // The route's pattern, not the path: a path can carry an install id or a token.
    spdlog::error("request {} {} {}: handler threw: {}", req.request_id, req.method, route.pattern,
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
      spdlog::error("request {} {} {}: handler threw: {}", req.request_id, req.method,
                    route.pattern, e.what());
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

asio::awaitable<void> Server::Impl::Reject(Socket socket) {
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

// Accepts on the first I/O thread and hands connections to the I/O threads in turn.
asio::awaitable<void> Server::Impl::Accept() {
  for (std::size_t next = 0;; ++next) {
    IoThread& t = *io[next % io.size()];
    auto [ec, socket] = co_await acceptor.async_accept(t.ioc, kUse);
    if (ec) {
      if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors and the like: back off instead of spinning.
      spdlog::warn("accept: {}", ec.message());
      asio::steady_timer wait(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await wait.async_wait(kUse);
      continue;
    }
    if (metrics.open_connections() >= config.max_connections) {
      metrics.ConnectionRejected();
      asio::co_spawn(t.ioc, Reject(std::move(socket)), asio::detached);
      continue;
    }
    {
      std::lock_guard lock(mu);
      if (stopping) continue;
      ++open;
    }
    metrics.ConnectionOpened();
    auto conn = std::make_shared<Connection>(std::move(socket));
    asio::co_spawn(t.ioc, Session(t, conn), [this, &t, conn](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("connection ended by exception: {}", ex.what());
        }
      }
      Remove(t, conn);
    });
  }
}

asio::awaitable<void> Server::Impl::Session(IoThread& t, std::shared_ptr<Connection> c) {
  t.conns.insert(c);
  boost::system::error_code ec;
  c->socket.non_blocking(true, ec);  // for WriteNow
  auto remote = c->socket.remote_endpoint(ec);
  std::string peer = ec ? std::string() : remote.address().to_string();
  if (peer.starts_with("::ffff:")) peer = peer.substr(7);
  const auto timeout = std::chrono::milliseconds(config.request_timeout_ms);
  const ReaderLimits limits{static_cast<std::uint32_t>(config.max_header_bytes),
                            static_cast<std::uint64_t>(config.max_body_bytes)};

  RequestReader reader(limits);
  for (;;) {
    Request req;
    reader.Start(req);
    if (stopping && c->buffer.size() == 0) break;
    c->deadline = Clock::now() + timeout;
    c->idle = true;
    boost::system::error_code rec;
    // The reader consumes what it can of the buffer; what it leaves is bounded by
    // UnconsumedLimit(), so the buffer holds at most that plus one read.
    for (;;) {
      if (c->buffer.size() > 0) {
        auto data = c->buffer.data();
        c->buffer.consume(reader.Put({static_cast<const char*>(data.data()), data.size()}));
        if (reader.state() != RequestReader::State::kNeedMore) break;
        c->idle = !reader.got_some();
      }
      std::size_t n = 0;
      std::tie(rec, n) =
          co_await c->socket.async_read_some(c->buffer.prepare(ReadSize(c->buffer)), kUse);
      c->buffer.commit(n);
      if (rec == asio::error::eof) reader.PutEof();
      if (rec) break;
    }
    c->idle = false;
    c->deadline = Clock::time_point::max();
    if (reader.state() == RequestReader::State::kRefused) {
      const Refusal& why = reader.refusal();
      Response refusal = Response::Error(why.status, why.code, why.message);
      SerializeHead(c->head, refusal, 11, false, NewRequestId());
      c->deadline = Clock::now() + timeout;
      const Buffers out{asio::buffer(c->head), asio::buffer(refusal.body)};
      auto rest = WriteNow(c->socket, out, ec);
      if (!ec && beast::buffer_bytes(rest) > 0) co_await asio::async_write(c->socket, rest, kUse);
      metrics.ObserveRequest("(refused)", "-", refusal.status, 0);
      break;
    }
    // EOF, timeout (slow client), reset, cancel: just close.
    if (reader.state() != RequestReader::State::kComplete) break;

    auto started = Clock::now();
    req.peer_ip = peer;
    req.request_id = NewRequestId();
    req.client_ip = ClientIp(peer, req);
    bool keep_alive = reader.keep_alive();
    const unsigned version = reader.version();

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
    const bool head_only = req.method == "HEAD";
    SerializeHead(c->head, res, version, keep_alive, req.request_id);
    // Recorded before the write so that a client who has its answer sees it counted.
    metrics.ObserveRequest(route_name, req.method, res.status,
                           std::chrono::duration<double>(Clock::now() - started).count());
    const bool bodiless = head_only || HasNoBody(res.status);
    c->deadline = Clock::now() + timeout;
    const Buffers out{asio::buffer(c->head),
                      bodiless ? asio::const_buffer() : asio::buffer(res.body)};
    boost::system::error_code wec;
    auto rest = WriteNow(c->socket, out, wec);
    if (!wec && beast::buffer_bytes(rest) > 0) {
      std::tie(wec, std::ignore) = co_await asio::async_write(c->socket, rest, kUse);
    }
    c->deadline = Clock::time_point::max();
    if (wec || !keep_alive) break;
  }
  c->socket.shutdown(tcp::socket::shutdown_send, ec);
  c->socket.close(ec);
}

// Closes the connections whose client missed its deadline: a request that does
// not arrive in time (slow or idle clients) or an answer it does not read.
void Server::Impl::Sweep(IoThread& t) {
  const auto tick = std::clamp(std::chrono::milliseconds(config.request_timeout_ms / 4),
                               std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  t.sweep.expires_after(tick);
  t.sweep.async_wait([this, &t](const boost::system::error_code& ec) {
    if (ec) return;
    const auto now = Clock::now();
    for (const auto& c : t.conns) {
      boost::system::error_code ignored;
      if (c->deadline <= now) c->socket.close(ignored);
    }
    Sweep(t);
  });
}

void Server::Impl::ForEachConnection(std::function<void(Connection&)> fn) {
  for (auto& t : io) {
    asio::post(t->ioc, [t = t.get(), fn] {
      for (const auto& c : t->conns) fn(*c);
    });
  }
}

void Server::Impl::Remove(IoThread& t, const std::shared_ptr<Connection>& c) {
  t.conns.erase(c);
  metrics.ConnectionClosed();
  std::lock_guard lock(mu);
  if (--open == 0) cv.notify_all();
}

void Server::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  spdlog::info("shutting down: no new connections, finishing requests in flight");
  boost::system::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  // Idle keep-alive connections are closed now; busy ones close after their response.
  ForEachConnection([](Connection& c) {
    boost::system::error_code ignored;
    if (c.idle && c.buffer.size() == 0) c.socket.cancel(ignored);
  });
  std::lock_guard lock(mu);
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
  asio::post(impl_->io.front()->ioc, [impl = impl_.get()] { impl->BeginShutdown(); });
}

void Server::Run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {} received", signo);
    s.BeginShutdown();
  });
  asio::co_spawn(s.io.front()->ioc, s.Accept(), asio::detached);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& t : s.io) {
    guards.push_back(asio::make_work_guard(t->ioc));
    s.Sweep(*t);
    t->thread = std::thread([t = t.get()] {
      pthread_setname_np(pthread_self(), "http-io");  // in top -H and perf
      t->ioc.run();
    });
  }

  {
    std::unique_lock lock(s.mu);
    s.cv.wait(lock, [&s] { return s.stopping.load(); });
    bool drained = s.cv.wait_for(lock, std::chrono::milliseconds(s.config.shutdown_grace_ms),
                                 [&s] { return s.open == 0; });
    if (!drained) {
      spdlog::warn("grace period over: closing {} connection(s)", s.open);
      s.ForEachConnection([](Connection& c) {
        boost::system::error_code ignored;
        c.socket.close(ignored);
      });
      s.cv.wait_for(lock, std::chrono::milliseconds(500), [&s] { return s.open == 0; });
    }
  }
  guards.clear();
  for (auto& t : s.io) t->ioc.stop();
  for (auto& t : s.io) t->thread.join();
  s.workers.join();
  if (s.on_drained) s.on_drained();
  spdlog::info("stopped");
}

}  // namespace yz::web
