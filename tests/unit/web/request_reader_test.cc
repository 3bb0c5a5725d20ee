// The request reader the server runs, driven through its socket-free entry point:
// framing limits (issue 15 defect 2) and RFC 9112/9110 message rules (defect 9).
#include "web/request_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace yz::web {
namespace {

using State = RequestReader::State;

constexpr ReaderLimits kLimits{16384, 1048576};
// What a reader may ever hold: its budget, a chunk line's fixed framing, one read.
constexpr std::size_t kMaxHeld = 16384 + 64 + RequestReader::kMaxRead;

ParsedRequest Parse(std::string_view wire, std::size_t piece = RequestReader::kMaxRead) {
  return ParseRequestBytes(wire, kLimits, piece);
}

std::string Repeat(std::string_view unit, std::size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) out.append(unit);
  return out;
}

constexpr std::string_view kChunkedHead =
    "POST /api/event HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n";

void ExpectRefused(const ParsedRequest& r, int status, std::string_view code) {
  EXPECT_EQ(r.state, State::kRefused);
  EXPECT_EQ(r.refusal.status, status) << r.refusal.message;
  EXPECT_EQ(r.refusal.code, code);
}

TEST(RequestReaderTest, ReadsARequestWhateverPiecesItArrivesIn) {
  const std::string wire =
      "POST /api/event?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Custom-Name: Value\r\n"
      "Content-Length: 5\r\n\r\nhello";
  for (std::size_t piece : {1, 2, 3, 7, 64, 65536}) {
    SCOPED_TRACE(piece);
    ParsedRequest r = Parse(wire, piece);
    ASSERT_EQ(r.state, State::kComplete);
    EXPECT_EQ(r.request.method, "POST");
    EXPECT_EQ(r.request.target, "/api/event?x=1");
    ASSERT_EQ(r.request.headers.size(), 3u);
    EXPECT_EQ(r.request.headers[1].name, "x-custom-name");  // names lower-cased once
    EXPECT_EQ(r.request.headers[1].value, "Value");
    EXPECT_EQ(r.request.body, "hello");
    EXPECT_EQ(r.consumed, wire.size());
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(r.version, 11u);
  }
}

TEST(RequestReaderTest, DecodesAChunkedBodyWhateverPiecesItArrivesIn) {
  const std::string wire =
      std::string(kChunkedHead) + "5\r\nhello\r\n6;name=value\r\n world\r\n" + "0\r\n\r\n";
  for (std::size_t piece = 1; piece < 12; ++piece) {
    SCOPED_TRACE(piece);
    ParsedRequest r = Parse(wire, piece);
    ASSERT_EQ(r.state, State::kComplete) << r.refusal.message;
    EXPECT_EQ(r.request.body, "hello world");
    EXPECT_EQ(r.consumed, wire.size());
  }
}

TEST(RequestReaderTest, LeavesAPipelinedRequestToTheNextRead) {
  const std::string first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string second = "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ParsedRequest r = Parse(first + second);
  ASSERT_EQ(r.state, State::kComplete);
  EXPECT_EQ(r.request.target, "/a");
  EXPECT_EQ(r.consumed, first.size());
  ParsedRequest next = Parse(std::string_view(first + second).substr(r.consumed));
  ASSERT_EQ(next.state, State::kComplete);
  EXPECT_EQ(next.request.target, "/b");
  EXPECT_FALSE(next.keep_alive);
}

TEST(RequestReaderTest, AClientThatStopsMidRequestIsClosedNotAnswered) {
  EXPECT_EQ(Parse("").state, State::kClosed);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: x\r\n").state, State::kClosed);
  EXPECT_EQ(Parse(std::string(kChunkedHead) + "5\r\nhel").state, State::kClosed);
}

// --- issue 15 defect 2: every part of chunked framing is bounded (C4.1) ---

// C4.1, issue 15 defect 2: a 4 MB chunk extension is refused once it passes the
// budget, and never buffered whole (the server grew to 949 MB on 400 MB of it).
TEST(RequestReaderTest, RefusesAHugeChunkExtensionWithoutBufferingIt) {
  const std::string wire =
      std::string(kChunkedHead) + "1;" + std::string(4 << 20, 'a') + "\r\nx\r\n0\r\n\r\n";
  ParsedRequest r = Parse(wire);
  ExpectRefused(r, 400, "bad_request");
  EXPECT_LE(r.max_buffered, kMaxHeld);
}

// C4.1, issue 15 defect 2: small extensions on many chunks add up to the same budget.
TEST(RequestReaderTest, RefusesManyChunksWithExtensions) {
  const std::string wire =
      std::string(kChunkedHead) + Repeat("1;name=value\r\nx\r\n", 5000) + "0\r\n\r\n";
  ExpectRefused(Parse(wire), 400, "bad_request");
  // A few are fine: the budget is what the header section left of max_header_bytes.
  const std::string few =
      std::string(kChunkedHead) + Repeat("1;name=value\r\nx\r\n", 20) + "0\r\n\r\n";
  EXPECT_EQ(Parse(few).state, State::kComplete);
}

// C4.1, issue 15 defect 2: the trailer section is buffered until it ends, so it is
// bounded like a header section (431).
TEST(RequestReaderTest, RefusesAHugeTrailerField) {
  const std::string wire =
      std::string(kChunkedHead) + "0\r\nX-Trailer: " + std::string(4 << 20, 'a') + "\r\n\r\n";
  ParsedRequest r = Parse(wire);
  ExpectRefused(r, 431, "header_too_large");
  EXPECT_LE(r.max_buffered, kMaxHeld);
}

// C4.1, issue 15 defect 2.
TEST(RequestReaderTest, RefusesManyTrailerFields) {
  const std::string wire =
      std::string(kChunkedHead) + "1\r\nx\r\n0\r\n" + Repeat("T: v\r\n", 200000) + "\r\n";
  for (std::size_t piece : {std::size_t{1000}, RequestReader::kMaxRead}) {
    ParsedRequest r = Parse(wire, piece);
    ExpectRefused(r, 431, "header_too_large");
    EXPECT_LE(r.max_buffered, kMaxHeld);
  }
}

// RFC 9110 6.5.1: trailer fields are not merged into the header section, where
// a Host or a Cookie could arrive after every check had been made.
TEST(RequestReaderTest, DropsTrailerFieldsInsteadOfMergingThem) {
  const std::string wire =
      std::string(kChunkedHead) + "2\r\nhi\r\n0\r\nHost: evil.example\r\nX-Trailer: 1\r\n\r\n";
  ParsedRequest r = Parse(wire);
  ASSERT_EQ(r.state, State::kComplete) << r.refusal.message;
  EXPECT_EQ(r.request.body, "hi");
  EXPECT_EQ(r.request.headers.size(), 2u);
  EXPECT_EQ(r.request.HeaderValue("host"), "example.com");
  EXPECT_EQ(r.request.HeaderValue("x-trailer"), "");
}

// C4.1, issue 15 defect 2: zeros before a chunk size are framing too.
TEST(RequestReaderTest, RefusesAZeroPaddedChunkSize) {
  const std::string wire =
      std::string(kChunkedHead) + std::string(1 << 20, '0') + "1\r\nx\r\n0\r\n\r\n";
  ParsedRequest r = Parse(wire);
  ExpectRefused(r, 400, "bad_request");
  EXPECT_LE(r.max_buffered, kMaxHeld);
  // Zeros that fit the budget are legal (RFC 9112 7.1) and change nothing.
  const std::string padded = std::string(kChunkedHead) + "0005\r\nhello\r\n000\r\n\r\n";
  ParsedRequest ok = Parse(padded, 1);
  ASSERT_EQ(ok.state, State::kComplete) << ok.refusal.message;
  EXPECT_EQ(ok.request.body, "hello");
  // The same padding repeated on every chunk adds up.
  const std::string many =
      std::string(kChunkedHead) + Repeat(std::string(100, '0') + "1\r\nx\r\n", 500) + "0\r\n\r\n";
  ExpectRefused(Parse(many), 400, "bad_request");
}

// C4.1, issue 15 defect 2: a chunk-size line that never ends.
TEST(RequestReaderTest, RefusesAHugeChunkSizeLine) {
  const std::string wire = std::string(kChunkedHead) + std::string(4 << 20, 'f');
  for (std::size_t piece : {std::size_t{4096}, RequestReader::kMaxRead}) {
    ParsedRequest r = Parse(wire, piece);
    ExpectRefused(r, 400, "bad_request");
    EXPECT_LE(r.max_buffered, kMaxHeld);
  }
  // A size beyond 64 bits is malformed.
  ExpectRefused(Parse(std::string(kChunkedHead) + "10000000000000000\r\n"), 400, "bad_request");
}

// C4.1, issue 15 defect 2: the body limit holds however the body is cut.
TEST(RequestReaderTest, RefusesAChunkedBodyOverTheLimit) {
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'b') + "\r\n";  // 64 KiB
  ExpectRefused(Parse(std::string(kChunkedHead) + Repeat(chunk, 17) + "0\r\n\r\n"), 413,
                "body_too_large");
  ExpectRefused(Parse(std::string(kChunkedHead) + "100001\r\n"), 413, "body_too_large");
  const std::string at_limit = std::string(kChunkedHead) + Repeat(chunk, 16) + "0\r\n\r\n";
  ParsedRequest r = Parse(at_limit);
  ASSERT_EQ(r.state, State::kComplete) << r.refusal.message;
  EXPECT_EQ(r.request.body.size(), kLimits.max_body_bytes);
}

// Beast forgets the header fields it consumed early when it applies its limit, so
// the reader counts the whole section itself.
TEST(RequestReaderTest, HoldsTheHeaderSectionToItsLimitWhateverThePieces) {
  const std::string fields = Repeat("X-A: bbbbbbbbbbbbbbbbbbbbbbbbbb\r\n", 1000);  // 32 KB
  const std::string wire = "GET / HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
  for (std::size_t piece : {std::size_t{100}, std::size_t{16000}, RequestReader::kMaxRead}) {
    SCOPED_TRACE(piece);
    ExpectRefused(Parse(wire, piece), 431, "header_too_large");
  }
}

// --- issue 15 defect 9: RFC 9112 and 9110 message rules ---

// RFC 9112 3.2, issue 15 defect 9.
TEST(RequestReaderTest, RefusesAnHttp11RequestWithoutHost) {
  ExpectRefused(Parse("GET / HTTP/1.1\r\n\r\n"), 400, "bad_request");
  // HTTP/1.0 had no Host requirement.
  ParsedRequest old = Parse("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(old.state, State::kComplete);
  EXPECT_EQ(old.version, 10u);
  EXPECT_FALSE(old.keep_alive);
}

// RFC 9112 3.2, issue 15 defect 9: more than one Host, in any version, or an invalid one.
TEST(RequestReaderTest, RefusesARepeatedOrInvalidHost) {
  ExpectRefused(Parse("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400, "bad_request");
  ExpectRefused(Parse("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), 400, "bad_request");
  ExpectRefused(Parse("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400, "bad_request");
  ExpectRefused(Parse("GET / HTTP/1.1\r\nHost: user@example.com\r\n\r\n"), 400, "bad_request");
  for (std::string_view host : {"example.com", "127.0.0.1:8080", "[::1]:80", "EXAMPLE.com."}) {
    EXPECT_EQ(Parse("GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n").state,
              State::kComplete)
        << host;
  }
}

// RFC 9112 6.1, issue 15 defect 9: a coding the server does not implement is 501,
// not a body passed on still encoded (or, for identity, left to be read as the
// next request).
TEST(RequestReaderTest, AnswersTransferCodingsOtherThanChunkedWith501) {
  for (std::string_view te : {"gzip, chunked", "identity", "gzip", "chunked, chunked",
                              "deflate,chunked", "chunked;x=1"}) {
    SCOPED_TRACE(te);
    ExpectRefused(Parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + std::string(te) +
                        "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
                  501, "not_implemented");
  }
  ExpectRefused(Parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                501, "not_implemented");
  ParsedRequest r = Parse(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  ChUnKeD \r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  ASSERT_EQ(r.state, State::kComplete) << r.refusal.message;
  EXPECT_EQ(r.request.body, "hello");
  // Beast refuses `chunked` twice in two fields before the reader sees the second.
  ExpectRefused(Parse("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                400, "bad_request");
}

// RFC 9112 6.1 and 6.3, issue 15 defect 9: both framings at once, in any order.
TEST(RequestReaderTest, RefusesContentLengthWithTransferEncoding) {
  for (std::string_view fields : {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                                  "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                                  "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
                                  "Content-Length: 5\r\nTransfer-Encoding: identity\r\n"}) {
    SCOPED_TRACE(fields);
    ExpectRefused(Parse("POST / HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\nhello"), 400,
                  "bad_request");
  }
}

// RFC 9112 6.1, issue 15 defect 9: HTTP/1.0 has no transfer codings.
TEST(RequestReaderTest, RefusesTransferEncodingInHttp10) {
  ExpectRefused(Parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 400,
                "bad_request");
}

// What Beast does with a repeated Content-Length (RFC 9110 8.6 allows either):
// identical values, in one field or several, are one length; different ones are 400.
TEST(RequestReaderTest, AcceptsARepeatedContentLengthOnlyWhenTheValuesAgree) {
  for (std::string_view fields :
       {"Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length: 5, 5\r\n"}) {
    ParsedRequest r = Parse("POST / HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\nhello");
    ASSERT_EQ(r.state, State::kComplete) << fields;
    EXPECT_EQ(r.request.body, "hello");
  }
  for (std::string_view fields :
       {"Content-Length: 5\r\nContent-Length: 6\r\n", "Content-Length: 5, 6\r\n",
        "Content-Length: -5\r\n", "Content-Length: 5x\r\n"}) {
    ExpectRefused(Parse("POST / HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\nhello!"), 400,
                  "bad_request");
  }
}

// RFC 9112 5.2, issue 15 defect 9: Beast would unfold obs-fold into one value; the
// reader refuses it, so no field is read differently here than by a proxy.
TEST(RequestReaderTest, RefusesObsoleteLineFolding) {
  ExpectRefused(Parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n"), 400, "bad_request");
  ExpectRefused(Parse("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 1), 400,
                "bad_request");
}

// What Beast does with other malformed framing: a bare LF, a space before the colon,
// a control character in a value, an unknown version are all 400.
TEST(RequestReaderTest, RefusesOtherMalformedFraming) {
  for (std::string_view wire :
       {"GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"}) {
    ExpectRefused(Parse(wire), 400, "bad_request");
  }
}

}  // namespace
}  // namespace yz::web
