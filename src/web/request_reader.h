// Reads HTTP/1.x requests off a byte stream into plain web::Request values, and
// holds every framing rule the server enforces, so that one piece of code decides
// what a request is, whether it comes from a socket, a test or a fuzzer:
//   - the request line and header section stay within max_header_bytes (431);
//   - chunk extensions, zeros before a chunk size and trailer fields count against
//     that same budget (what the header section left of it): 400, or 431 when the
//     trailer section overflows it; trailer fields are discarded, never merged into
//     the headers (RFC 9110 6.5.1);
//   - the body, however it is framed, stays within max_body_bytes (413);
//   - the bytes a caller must hold unconsumed stay bounded (UnconsumedLimit), so an
//     unterminated chunk line or trailer section cannot grow a connection's buffer;
//   - RFC 9112/9110: an HTTP/1.1 request needs exactly one valid Host, and any
//     request at most one (400); Transfer-Encoding must be a lone `chunked` (any case;
//     501 otherwise), never with Content-Length (400), and not on HTTP/1.0 (400);
//     obs-fold line folding is refused (400) rather than unfolded, so that a proxy in
//     front cannot read a field differently. Beast itself accepts a repeated
//     Content-Length only when every value is the same, and refuses others (400).
// After a refusal the framing of whatever follows is unknown: the caller answers
// and closes the connection.
//
// Beast's basic_parser does the tokenizing, one step per call (eager off), so that
// each step's consumed bytes can be attributed to the header, a chunk line or the
// trailers. The server's read loop and ParseRequestBytes drive a reader the same
// way: append received bytes after those not yet consumed, call Put with all of
// them, drop what it consumed, and repeat while it answers kNeedMore.
//
// Thread-safety: none; a reader serves one connection (or one call) at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "web/http.h"

namespace yz::web {

struct ReaderLimits {
  // The request line and header fields together; chunk extensions, zeros before a
  // chunk size and the trailer section spend what the header section left of it.
  std::uint32_t max_header_bytes = 16384;
  // The body's bytes, whether framed by Content-Length or by chunks.
  std::uint64_t max_body_bytes = 1048576;
};

// What to answer a refused request with; the connection is closed after it. The
// message is fixed text (no request bytes), safe to send and to log.
struct Refusal {
  int status = 400;       // 400, 413, 431 or 501
  std::string_view code;  // error.code: bad_request, header_too_large, body_too_large,
                          // not_implemented
  std::string message;    // error.message
};

class RequestReader {
 public:
  enum class State {
    kNeedMore,  // the request is not whole yet: give Put more bytes
    kComplete,  // the request is whole; keep_alive() and version() describe it
    kRefused,   // refusal() says what to answer before closing
    kClosed,    // the client closed first (nothing, or part of a request, had arrived)
  };

  // Bytes a caller should ask its socket for at most, per read (Beast's own figure).
  static constexpr std::size_t kMaxRead = 65536;

  explicit RequestReader(const ReaderLimits& limits);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Begins a new request, read into `request` (empty; it must outlive the read).
  // One reader reads the requests of a connection one after another.
  void Start(Request& request);

  // Parses from the front of `pending`, the bytes received and not yet consumed,
  // and returns how many it consumed; the caller drops those and offers the rest
  // again, with newly received bytes appended. While state() is kNeedMore, what is
  // left unconsumed is at most UnconsumedLimit(); otherwise the request is refused.
  // Once state() is not kNeedMore, Put consumes nothing until the next Start, and
  // what is left in `pending` belongs to the next request.
  std::size_t Put(std::string_view pending);

  // The client closed its sending side: the state becomes kClosed unless the
  // request was already whole or refused.
  void PutEof();

  State state() const { return state_; }
  const Refusal& refusal() const { return refusal_; }  // meaningful in kRefused
  // Whether any byte of the current request has been consumed (an idle connection
  // has none: shutdown may close it).
  bool got_some() const;
  bool keep_alive() const;   // kComplete: the connection may carry another request
  unsigned version() const;  // 10 or 11, once the request line is read

  // The most bytes Put may leave unconsumed without refusing the request: a
  // caller's buffer never needs more than this plus one read.
  std::size_t UnconsumedLimit() const;

 private:
  class Parser;
  void Refuse(int status, std::string_view code, std::string message);
  void Step(std::string_view rest, std::size_t& used);

  ReaderLimits limits_;
  std::unique_ptr<Parser> parser_;  // allocated once; each request's parser is built in it
  State state_ = State::kClosed;
  Refusal refusal_;
};

// The outcome of ParseRequestBytes.
struct ParsedRequest {
  RequestReader::State state = RequestReader::State::kClosed;  // never kNeedMore
  Request request;           // kComplete: as the server's reader left it (method, target,
                             // headers, body); path and query are the router's business
  Refusal refusal;           // kRefused
  std::size_t consumed = 0;  // bytes of the wire the request took (kComplete)
  // The most bytes held received but unconsumed at any time: at most the reader's
  // UnconsumedLimit() plus one piece, however long the wire.
  std::size_t max_buffered = 0;
  bool keep_alive = false;
  unsigned version = 11;
};

// Socket-free entry point for tests and fuzz targets: runs exactly the server's
// reader over `wire`, handing it `piece` bytes at a time (at least 1; 1 visits
// every split point) after those it has not consumed, as the read loop does with
// each read, and reports the first request: whole, refused, or closed (the
// bytes ended first, as if the client closed). Bytes after a whole request are
// the next pipelined request: call again on wire.substr(consumed).
ParsedRequest ParseRequestBytes(std::string_view wire, const ReaderLimits& limits,
                                std::size_t piece = RequestReader::kMaxRead);

}  // namespace yz::web
