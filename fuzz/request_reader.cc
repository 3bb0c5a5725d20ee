// Fuzzes the HTTP/1.x request reader the server runs on every connection
// (web/request_reader.h) through its socket-free entry point, ParseRequestBytes:
// request line, headers, Content-Length and chunked framing (sizes, extensions,
// trailers), pipelined requests. Small limits, so that inputs of a few KiB reach
// every bound.
//
// Each input is read twice: whole, and in small pieces (1 to 13 bytes, chosen by
// the input's length) as a slow client sends it. Both readings must agree (Same),
// since where TCP splits a request must never change what it means; and each keeps
// the header's promises: the bytes held unconsumed stay bounded, a whole request's
// body is within max_body_bytes, a refusal is 400, 413, 431 or 501.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "web/request_reader.h"

namespace {

constexpr yz::web::ReaderLimits kLimits{.max_header_bytes = 1024, .max_body_bytes = 4096};
// What a reader may hold besides one piece: the header budget and one chunk line's
// slack (request_reader.cc), rounded up.
constexpr std::size_t kMaxHeld = 1024 + 64;

void Check(const yz::web::ParsedRequest& r, std::size_t piece, std::size_t wire) {
  using State = yz::web::RequestReader::State;
  if (r.state == State::kNeedMore) std::abort();
  if (r.max_buffered > kMaxHeld + piece) std::abort();
  if (r.state == State::kComplete) {
    if (r.consumed == 0 || r.consumed > wire) std::abort();
    if (r.request.body.size() > kLimits.max_body_bytes) std::abort();
    if (r.request.method.empty()) std::abort();
  }
  if (r.state == State::kRefused) {
    const int s = r.refusal.status;
    if (s != 400 && s != 413 && s != 431 && s != 501) std::abort();
    if (r.refusal.code.empty() || r.refusal.message.empty()) std::abort();
  }
}

// Whether two readings of one wire agree: a request whole in one must be the same
// request in the other. Refusals may differ with the split, in two ways Beast
// 1.81 has (reported, harmless: they change only how a bad request is refused,
// never what an accepted one means):
//  - bare-LF line ends are read only within one buffer: "GET / HTTP/1.1\nHost:
//    a\n\n" in one read is refused (400), in pieces it waits for a CRLF that never
//    comes (the bytes end first: kClosed; live, the header limit or read timeout);
//  - parse_chunk_header takes a chunk's size off the body limit before it reads
//    the extensions, and again on each retry when an unterminated quoted
//    extension needs more bytes: whole, 400 bad chunk extension; in pieces, 413.
bool Same(const yz::web::ParsedRequest& a, const yz::web::ParsedRequest& b) {
  using State = yz::web::RequestReader::State;
  if (a.state != State::kComplete || b.state != State::kComplete) {
    return a.state != State::kComplete && b.state != State::kComplete;
  }
  return a.consumed == b.consumed && a.request.method == b.request.method &&
         a.request.target == b.request.target && a.request.body == b.request.body &&
         a.request.headers.size() == b.request.headers.size() && a.keep_alive == b.keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  const std::size_t small = 1 + size % 13;
  // Up to four pipelined requests, as one connection carries them.
  for (int i = 0; i < 4 && !wire.empty(); ++i) {
    const auto whole = yz::web::ParseRequestBytes(wire, kLimits);
    Check(whole, yz::web::RequestReader::kMaxRead, wire.size());
    const auto pieces = yz::web::ParseRequestBytes(wire, kLimits, small);
    Check(pieces, small, wire.size());
    if (!Same(whole, pieces)) std::abort();
    if (whole.state != yz::web::RequestReader::State::kComplete || !whole.keep_alive) break;
    wire.remove_prefix(whole.consumed);
  }
  return 0;
}
