#include "web/request_reader.h"

#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>
#include <optional>
#include <string>
#include <utility>

#include "core/ascii.h"

namespace yz::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Framing a chunk line always has, whatever the extensions: the CRLF that ends
// the previous chunk's data, at most 16 significant hex digits, the line's CRLF and,
// for the last chunk, the CRLF that ends the (empty) trailer section.
constexpr std::size_t kChunkLineSlack = 2 + 16 + 2 + 2;

std::size_t HexDigits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >>= 4) ++n;
  return n;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Host = uri-host [ ":" port ] (RFC 9110 7.2); empty is allowed (a target without
// an authority). Boost.URL's authority grammar is that plus userinfo, refused here.
bool ValidHost(std::string_view v) {
  if (v.empty()) return true;
  auto a = boost::urls::parse_authority(v);
  return a && !a->has_userinfo();
}

// Whether `pending`, the start of a chunk line, holds its end; after a chunk the
// line starts with that chunk's closing CRLF.
bool LineEnded(std::string_view pending, bool after_chunk) {
  if (after_chunk && pending.starts_with("\r\n")) pending.remove_prefix(2);
  return pending.find("\r\n") != std::string_view::npos;
}

// Beast's parser writing into our Request, plus what the framing rules need to
// know about the request so far. The callbacks only record and check; Put decides.
class BeastRequestParser final : public http::basic_parser<true> {
 public:
  BeastRequestParser(Request& req, const ReaderLimits& limits) : req_(req) {
    header_limit(limits.max_header_bytes);
    body_limit(limits.max_body_bytes);
    eager(false);  // one step per put(), so each step's bytes can be attributed
  }

  // The range put() is reading, so a field value outside it is known to be
  // Beast's unfolded copy of an obs-fold.
  void Reading(std::string_view rest) { reading_ = rest; }

  unsigned version_ = 11;
  bool header_done_ = false;
  std::size_t chunks_ = 0;        // chunk lines read so far, the last one included
  std::uint64_t chunk_left_ = 0;  // data bytes of the current chunk not yet read
  bool chunk_line_ = false;       // the last step read a chunk line
  std::uint64_t chunk_size_ = 0;  // ... and this was its size
  // Set by a callback that refuses the request; put() then stops with an error.
  std::optional<Refusal> refusal_;

 private:
  void Refuse(int status, std::string_view code, std::string message, beast::error_code& ec) {
    refusal_ = Refusal{status, code, std::move(message)};
    ec = http::error::bad_value;  // stops the parser; refusal_ says why
  }

  void on_request_impl(http::verb, beast::string_view method, beast::string_view target,
                       int version, beast::error_code&) override {
    req_.method.assign(method.data(), method.size());
    req_.target.assign(target.data(), target.size());
    version_ = static_cast<unsigned>(version);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}

  void on_field_impl(http::field f, beast::string_view name, beast::string_view value,
                     beast::error_code& ec) override {
    // Beast unfolds obs-fold into a buffer of its own; RFC 9112 5.2 lets a server
    // refuse instead, which keeps us from reading a field differently from a proxy.
    if (!value.empty() && (value.data() < reading_.data() ||
                           value.data() + value.size() > reading_.data() + reading_.size())) {
      return Refuse(400, "bad_request", "obsolete line folding is not accepted", ec);
    }
    // Trailer fields are dropped: merged into the headers they could smuggle in a
    // Host or a Cookie after the checks (RFC 9110 6.5.1); their bytes were counted.
    if (header_done_) return;
    if (f == http::field::host) {
      ++hosts_;
      if (!ValidHost(value)) host_valid_ = false;
    } else if (f == http::field::transfer_encoding) {
      ++transfer_encodings_;
      if (!AsciiIEquals(TrimOws(value), "chunked")) only_chunked_ = false;
    } else if (f == http::field::content_length) {
      content_length_ = true;
    }
    Header& h = req_.headers.emplace_back();
    h.name.resize(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) h.name[i] = AsciiLower(name[i]);
    h.value.assign(value.data(), value.size());
  }

  // RFC 9112 3.2 (Host), 6.1 and 6.3 (Transfer-Encoding, Content-Length).
  void on_header_impl(beast::error_code& ec) override {
    header_done_ = true;
    if (hosts_ > 1) return Refuse(400, "bad_request", "more than one Host header", ec);
    if (hosts_ == 0 && version_ >= 11) {
      return Refuse(400, "bad_request", "an HTTP/1.1 request needs a Host header", ec);
    }
    if (!host_valid_) return Refuse(400, "bad_request", "the Host header is not valid", ec);
    if (transfer_encodings_ == 0) return;
    if (content_length_) {
      return Refuse(400, "bad_request",
                    "Content-Length and Transfer-Encoding must not both be sent", ec);
    }
    if (version_ < 11) {
      return Refuse(400, "bad_request", "Transfer-Encoding is not allowed in HTTP/1.0", ec);
    }
    if (transfer_encodings_ != 1 || !only_chunked_) {
      return Refuse(501, "not_implemented", "the only transfer coding accepted is chunked", ec);
    }
  }

  // The parser has already checked a declared length against body_limit.
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    if (length) req_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    req_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t size, beast::string_view, beast::error_code&) override {
    chunk_line_ = true;
    chunk_size_ = size;
    chunk_left_ = size;
  }
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    req_.body.append(body.data(), body.size());
    chunk_left_ -= body.size();
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  Request& req_;
  std::string_view reading_;
  int hosts_ = 0;
  bool host_valid_ = true;
  int transfer_encodings_ = 0;
  bool only_chunked_ = true;
  bool content_length_ = false;
};

}  // namespace

// Holds the parser of the current request; a new one is built in place per request
// (Beast's parser cannot be reset), so a connection allocates this once.
class RequestReader::Parser {
 public:
  std::optional<BeastRequestParser> p;
  std::size_t header_bytes = 0;   // consumed before the header section ended
  std::size_t framing_bytes = 0;  // chunk extensions, zeros before sizes, trailers
};

RequestReader::RequestReader(const ReaderLimits& limits)
    : limits_(limits), parser_(std::make_unique<Parser>()) {}

RequestReader::~RequestReader() = default;

void RequestReader::Start(Request& request) {
  parser_->p.emplace(request, limits_);
  parser_->header_bytes = 0;
  parser_->framing_bytes = 0;
  state_ = State::kNeedMore;
  refusal_ = Refusal{};
}

bool RequestReader::got_some() const { return parser_->p && parser_->p->got_some(); }

bool RequestReader::keep_alive() const { return parser_->p && parser_->p->keep_alive(); }

unsigned RequestReader::version() const { return parser_->p ? parser_->p->version_ : 11; }

std::size_t RequestReader::UnconsumedLimit() const {
  const Parser& m = *parser_;
  if (!m.p || !m.p->header_done_) return limits_.max_header_bytes;
  // Waiting for a chunk line (or the trailers): what the header left of the budget.
  const std::size_t spent = m.header_bytes + m.framing_bytes;
  const std::size_t left = spent < limits_.max_header_bytes ? limits_.max_header_bytes - spent : 0;
  return left + kChunkLineSlack;
}

void RequestReader::Refuse(int status, std::string_view code, std::string message) {
  state_ = State::kRefused;
  refusal_ = Refusal{status, code, std::move(message)};
}

// One parser step over `rest`; adds what it consumed to `used` and moves state_ on.
void RequestReader::Step(std::string_view rest, std::size_t& used) {
  Parser& m = *parser_;
  BeastRequestParser& p = *m.p;
  const bool in_header = !p.header_done_;
  const bool after_chunk = p.chunks_ > 0;
  p.chunk_line_ = false;
  p.Reading(rest);
  beast::error_code ec;
  const std::size_t n = p.put(boost::asio::buffer(rest.data(), rest.size()), ec);
  used += n;
  if (p.refusal_) {
    state_ = State::kRefused;
    refusal_ = std::move(*p.refusal_);
    return;
  }
  if (in_header) m.header_bytes += n;
  // Beast holds a header to its limit only in part (what it consumed early is
  // forgotten), so the whole section is checked here too.
  if (m.header_bytes > limits_.max_header_bytes || ec == http::error::header_limit) {
    return Refuse(431, "header_too_large", "request headers are too large");
  }
  if (p.chunk_line_) {
    // Everything in the line beyond its minimal form: extensions, leading zeros,
    // and for the last chunk the trailer section.
    ++p.chunks_;
    std::size_t minimal = (after_chunk ? 2 : 0) + HexDigits(p.chunk_size_) + 2;
    if (p.chunk_size_ == 0) minimal += 2;
    m.framing_bytes += n > minimal ? n - minimal : 0;
    if (m.header_bytes + m.framing_bytes > limits_.max_header_bytes) {
      if (p.chunk_size_ == 0) {
        return Refuse(431, "header_too_large", "request trailer fields are too large");
      }
      return Refuse(400, "bad_request", "chunk extensions or zero padding are too long");
    }
  }
  if (ec == http::error::need_more) return;
  if (ec == http::error::body_limit) {
    return Refuse(
        413, "body_too_large",
        "request body is larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  if (ec) return Refuse(400, "bad_request", "malformed HTTP request: " + ec.message());
  if (p.is_done()) state_ = State::kComplete;
}

std::size_t RequestReader::Put(std::string_view pending) {
  std::size_t used = 0;
  while (state_ == State::kNeedMore && used < pending.size()) {
    const std::size_t before = used;
    Step(pending.substr(used), used);
    // No progress without an error means Beast needs more bytes than it has.
    if (used == before) break;
  }
  if (state_ != State::kNeedMore) return used;
  // What Beast keeps unconsumed while it waits is an unfinished header section,
  // chunk line or trailer section; the budget bounds all three.
  if (pending.size() - used > UnconsumedLimit()) {
    if (!parser_->p->header_done_) {
      Refuse(431, "header_too_large", "request headers are too large");
    } else if (LineEnded(pending.substr(used, UnconsumedLimit()), parser_->p->chunks_ > 0)) {
      // A whole chunk line is waiting: the last one, waiting for its trailers.
      Refuse(431, "header_too_large", "request trailer fields are too large");
    } else {
      Refuse(400, "bad_request", "chunk line is too long");
    }
  }
  return used;
}

void RequestReader::PutEof() {
  if (state_ != State::kNeedMore) return;
  BeastRequestParser& p = *parser_->p;
  if (p.got_some()) {
    beast::error_code ec;
    p.put_eof(ec);
    if (!ec && p.is_done()) {
      state_ = State::kComplete;
      return;
    }
  }
  state_ = State::kClosed;
}

ParsedRequest ParseRequestBytes(std::string_view wire, const ReaderLimits& limits,
                                std::size_t piece) {
  piece = std::max<std::size_t>(piece, 1);
  ParsedRequest out;
  RequestReader reader(limits);
  reader.Start(out.request);
  std::string buffer;  // the connection's buffer: received, not yet consumed
  std::size_t received = 0;
  for (;;) {
    if (!buffer.empty()) {
      const std::size_t n = reader.Put(buffer);
      buffer.erase(0, n);
      out.consumed += n;
      if (reader.state() != RequestReader::State::kNeedMore) break;
    }
    if (received == wire.size()) {
      reader.PutEof();
      break;
    }
    const std::size_t take = std::min(piece, wire.size() - received);
    buffer.append(wire.substr(received, take));
    received += take;
    out.max_buffered = std::max(out.max_buffered, buffer.size());
  }
  out.state = reader.state();
  if (out.state == RequestReader::State::kRefused) out.refusal = reader.refusal();
  out.keep_alive = out.state == RequestReader::State::kComplete && reader.keep_alive();
  out.version = reader.version();
  return out;
}

}  // namespace yz::web
