#include "collect/log_imports.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "crypto/digest.h"

namespace yz::collect {
namespace {

constexpr std::uint64_t kHeadBytes = 4096;
constexpr std::uint64_t kTailBytes = 65536;

// SHA-256 of bytes [from, from + n) of `fd`.
Result<store::Blob> HashRange(int fd, std::uint64_t from, std::uint64_t n) {
  std::string bytes(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, bytes.data() + got, n - got, static_cast<off_t>(from + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Unavailable(std::string("cannot read the log: ") + std::strerror(errno));
    if (r == 0) return FailedPrecondition("the log is shorter than it was a moment ago");
    got += static_cast<std::size_t>(r);
  }
  const auto digest = crypto::Sha256(bytes);
  return store::Blob(digest.begin(), digest.end());
}

std::uint64_t HeadLength(std::uint64_t bytes) { return std::min(bytes, kHeadBytes); }
std::uint64_t TailLength(std::uint64_t bytes) { return std::min(bytes, kTailBytes); }

}  // namespace

Result<LogPosition> ResumePoint(store::Connection& conn, int fd, std::uint64_t size) {
  const store::Value p[] = {static_cast<std::int64_t>(size)};
  ASSIGN_OR_RETURN(store::Rows rows,
                   conn.Query("SELECT bytes, lines, head_hash, tail_hash FROM log_imports "
                              "WHERE bytes > 0 AND bytes <= $1 ORDER BY bytes DESC, id DESC",
                              p));
  std::map<std::uint64_t, store::Blob> heads;  // by head length: computed once each
  for (const store::Row& row : rows) {
    const auto bytes = static_cast<std::uint64_t>(row.Int(0));
    const std::uint64_t head_length = HeadLength(bytes);
    auto head = heads.find(head_length);
    if (head == heads.end()) {
      ASSIGN_OR_RETURN(store::Blob hash, HashRange(fd, 0, head_length));
      head = heads.emplace(head_length, std::move(hash)).first;
    }
    if (head->second != row.Bytes(2)) continue;
    ASSIGN_OR_RETURN(store::Blob tail, HashRange(fd, bytes - TailLength(bytes), TailLength(bytes)));
    if (tail != row.Bytes(3)) continue;
    return LogPosition{bytes, static_cast<std::uint64_t>(row.Int(1))};
  }
  return LogPosition{};
}

Status RecordImport(store::Connection& conn, int fd, LogPosition end, std::int64_t now) {
  if (end.bytes == 0) return Status::Ok();
  ASSIGN_OR_RETURN(store::Blob head, HashRange(fd, 0, HeadLength(end.bytes)));
  ASSIGN_OR_RETURN(store::Blob tail,
                   HashRange(fd, end.bytes - TailLength(end.bytes), TailLength(end.bytes)));
  const store::Value p[] = {static_cast<std::int64_t>(end.bytes),
                            static_cast<std::int64_t>(end.lines), std::move(head), std::move(tail),
                            now};
  return conn
      .Exec(
          "INSERT INTO log_imports (bytes, lines, head_hash, tail_hash, imported_at) "
          "VALUES ($1, $2, $3, $4, $5)",
          p)
      .status();
}

}  // namespace yz::collect
