// A bounded pool of backend connections, shared by the SQLite and PostgreSQL
// backends (header-only; an implementation detail of store/, not for features).
//
// At most `max_open` connections exist at once. Take() reuses an idle connection,
// opens a new one while under the bound, and otherwise waits for one to come back;
// after `wait` it gives up with Unavailable. Put() either keeps a connection for
// reuse or, if it is broken, closes it and frees its slot.
//
// Thread-safety: all members are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/status.h"

namespace yz::store {

template <typename Conn>
class ConnectionPool {
 public:
  // Opens one new connection; called without the pool's lock held.
  using Factory = std::function<Result<std::unique_ptr<Conn>>()>;

  ConnectionPool(int max_open, Factory factory)
      : max_open_(max_open < 1 ? 1 : max_open), factory_(std::move(factory)) {}
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // A connection, or the factory's error, or Unavailable after `wait` if all
  // `max_open` connections stay in use.
  Result<std::unique_ptr<Conn>> Take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    const bool got = cv_.wait_for(lock, wait, [&] { return !idle_.empty() || open_ < max_open_; });
    if (!got) return Unavailable("database: all pooled connections are busy");
    if (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;  // reserve the slot, then open without holding the lock
    lock.unlock();
    Result<std::unique_ptr<Conn>> conn = factory_();
    if (!conn.ok()) {
      lock.lock();
      --open_;
      lock.unlock();
      cv_.notify_one();
    }
    return conn;
  }

  // Gives back a connection from Take(). A connection that is not `reusable` is
  // destroyed (closing it) and its slot freed for a fresh one.
  void Put(std::unique_ptr<Conn> conn, bool reusable) {
    {
      std::lock_guard lock(mu_);
      if (reusable) {
        idle_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    conn.reset();  // close a broken connection outside the lock
    cv_.notify_one();
  }

 private:
  const int max_open_;
  const Factory factory_;
  std::mutex mu_;  // guards idle_ and open_
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;
  int open_ = 0;  // connections in existence: idle plus taken
};

// How long Acquire() waits for a connection before answering Unavailable.
inline constexpr std::chrono::milliseconds kAcquireWait{5000};

}  // namespace yz::store
