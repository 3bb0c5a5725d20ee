// The ceiling of yzcloud's HTTP stack on this machine, for benchmark (a): the
// same Boost.Beast parser and Asio coroutines yzcloud serves with, one
// io_context per I/O thread as in web/server.cc, answering every request 204
// with no application work at all (no routing, no access row, no store).
//
//   yz_bench_beast_204 PORT [THREADS]     (THREADS: I/O threads, default 1)
//
// It prints "listening on http://127.0.0.1:PORT" once it accepts, and runs until
// killed. Not a server to use: it exists so that bench/event_ingest/run.sh can
// show how much of nginx's rate the stack itself reaches, next to yzcloud's.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <cstdio>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> Session(tcp::socket socket) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [rec, nread] = co_await http::async_read(socket, buffer, req, kUse);
    if (rec) co_return;
    http::response<http::empty_body> res{http::status::no_content, req.version()};
    res.keep_alive(req.keep_alive());
    auto [wec, nwritten] = co_await http::async_write(socket, res, kUse);
    if (wec || !req.keep_alive()) co_return;
  }
}

// Accepts on the first io_context and hands connections out in turn.
asio::awaitable<void> Accept(tcp::acceptor& acceptor,
                             std::vector<std::unique_ptr<asio::io_context>>& io) {
  for (std::size_t next = 0;; ++next) {
    asio::io_context& ioc = *io[next % io.size()];
    auto [ec, socket] = co_await acceptor.async_accept(ioc, kUse);
    if (ec) continue;
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(ioc, Session(std::move(socket)), asio::detached);
  }
}

int Number(std::string_view s, int lowest, int highest) {
  int n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc() && end == s.data() + s.size() && n >= lowest && n <= highest ? n : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc >= 2 ? Number(argv[1], 0, 65535) : -1;
  const int threads = argc >= 3 ? Number(argv[2], 1, 64) : 1;
  if (argc < 2 || argc > 3 || port < 0 || threads < 1) {
    std::fprintf(stderr, "usage: yz_bench_beast_204 PORT [THREADS 1-64]\n");
    return 2;
  }
  std::vector<std::unique_ptr<asio::io_context>> io;
  for (int i = 0; i < threads; ++i) io.push_back(std::make_unique<asio::io_context>(1));
  boost::system::error_code ec;
  tcp::acceptor acceptor(*io.front());
  const tcp::endpoint at(asio::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port));
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "yz_bench_beast_204: listen on port %d: %s\n", port, ec.message().c_str());
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::co_spawn(*io.front(), Accept(acceptor, io), asio::detached);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> busy;
  for (auto& ioc : io) busy.push_back(asio::make_work_guard(*ioc));  // idle threads wait
  std::vector<std::thread> others;
  for (int i = 1; i < threads; ++i) others.emplace_back([&io, i] { io[i]->run(); });
  io.front()->run();
  for (auto& t : others) t.join();
}
