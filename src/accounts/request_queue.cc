#include "accounts/request_queue.h"

#include <utility>

namespace yz::accounts {

RequestQueue::RequestQueue(std::size_t capacity)
    : capacity_(capacity), worker_([this](std::stop_token stop) { Work(stop); }) {}

RequestQueue::~RequestQueue() {
  worker_.request_stop();
  cv_.notify_all();
  // jthread joins here; Work drains the queue before it returns.
}

Status RequestQueue::Post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    if (jobs_.size() >= capacity_) return Unavailable("too many requests queued; try again soon");
    jobs_.push_back(std::move(job));
    ++posted_;
  }
  cv_.notify_one();
  return Status::Ok();
}

void RequestQueue::WaitIdle() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = posted_;
  idle_cv_.wait(lock, [&] { return done_ >= target; });
}

void RequestQueue::Work(std::stop_token stop) {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, stop, [&] { return !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop requested and nothing left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
    ++done_;
    idle_cv_.notify_all();
  }
}

}  // namespace yz::accounts
