// Per-account work moved off the request path (issue 15 defect 4).
//
// The endpoints that answer 202 whatever the login (a reset code, a misuse code, a
// new verification code) must answer an existing and an unknown login alike, in
// time too. So they check only what is the same for both (the login's form, the
// throttles), post the rest here, and answer at once; a worker thread looks the
// login up, issues the code and queues the message.
//
// The queue is bounded: when it is full, Post refuses (the caller answers 503,
// again the same for every login). Work still queued at destruction is finished
// first. Jobs report their own failures (they log them; no personal data).
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/status.h"

namespace yz::accounts {

class RequestQueue {
 public:
  explicit RequestQueue(std::size_t capacity = 10000);
  ~RequestQueue();
  RequestQueue(const RequestQueue&) = delete;
  RequestQueue& operator=(const RequestQueue&) = delete;

  // Queues `job`. Unavailable when `capacity` jobs are waiting.
  Status Post(std::function<void()> job);
  // Returns once every job posted before the call has run.
  void WaitIdle();

 private:
  void Work(std::stop_token stop);

  const std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  std::uint64_t posted_ = 0;                // guarded by mu_
  std::uint64_t done_ = 0;                  // guarded by mu_
  std::jthread worker_;                     // last: starts after the members above
};

}  // namespace yz::accounts
