// The write half of collection (issue 5 point 6): a bounded queue in front of one
// writer thread that commits many submissions in one transaction.
//
// Submit() never blocks and never touches the database: the caller (an I/O
// thread, or the log importer) hands over rows that are already protected, and
// `done` is called once they are committed (Ok) or could not be (the error). A
// caller answers 2xx only from `done` with Ok, so a 2xx means the rows are
// durable. With Options::fsync (the default) that means on disk: the writer's
// connection commits with synchronous=FULL on SQLite (the WAL is fsynced) and
// synchronous_commit=on on PostgreSQL. Without it, committed to the operating
// system (SQLite synchronous=NORMAL in WAL mode; PostgreSQL
// synchronous_commit=off): a killed yzcloud loses nothing, a machine that loses
// power may lose the last moments.
//
// Memory stays bounded: the queue holds at most `capacity` rows; Submit returns
// false (nothing queued, `done` not called) when a submission does not fit, and
// the caller answers 503 with Retry-After. One submission larger than the whole
// capacity is refused the same way.
//
// The writer takes every queued submission (up to `max_batch_rows` rows) into
// one transaction, with multi-row INSERTs, and numbers request_log and events
// rows day by day (records.h). Rows arrive checked and protected, so
// a failed transaction means the store failed (disk full, database gone): every
// submission in it gets the error, none of it is stored, and the callers answer
// 503 for the client to retry.
//
// Thread-safety: Submit and Stats from any thread; Stop once, from the owner.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collect/records.h"
#include "core/status.h"
#include "store/database.h"

namespace yz::collect {

class Pipeline {
 public:
  using Done = std::function<void(const Status&)>;

  struct Options {
    std::size_t capacity = 200'000;       // rows queued at most
    std::size_t max_batch_rows = 20'000;  // rows per transaction at most
    bool fsync = true;                    // see above
  };

  struct Stats {
    std::uint64_t queued_rows = 0;     // waiting now
    std::uint64_t committed_rows = 0;  // since start
    std::uint64_t rejected = 0;        // submissions refused as full
    std::uint64_t failed = 0;          // submissions whose commit failed
    std::uint64_t transactions = 0;
  };

  Pipeline(store::Database& db, Options options);
  explicit Pipeline(store::Database& db) : Pipeline(db, Options{}) {}
  ~Pipeline();  // Stop()
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Queues `batch`; false if it does not fit (or Stop was called). `done` runs on
  // the writer thread: keep it short (post elsewhere for real work).
  bool Submit(Batch batch, Done done);
  // Queues `batch`, waiting while the queue is full (the log importer, which
  // has nobody to answer 503 to). False only after Stop.
  bool SubmitWait(Batch batch, Done done);

  // Writes everything queued, then ends the writer. Later Submits return false.
  void Stop();

  Stats stats() const;

 private:
  struct Item {
    Batch batch;
    Done done;
  };
  void Run();
  Status Write(store::Connection& conn, std::deque<Item>& items);

  store::Database& db_;
  const Options options_;
  mutable std::mutex mu_;          // guards everything below
  std::condition_variable wake_;   // work arrived or stopping
  std::condition_variable space_;  // rows left the queue
  std::deque<Item> queue_;
  std::size_t queued_rows_ = 0;
  bool stopping_ = false;
  Stats stats_;
  // The writer thread's own: multi-row INSERTs by row count, and the days it
  // already recorded in log_days.
  std::vector<std::string> access_sql_, event_sql_;
  std::set<std::int64_t> known_days_;

  std::thread writer_;  // last: starts after the members it uses
};

}  // namespace yz::collect
