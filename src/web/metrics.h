// Request metrics in Prometheus text format (/metrics).
//
// Series: yzcloud_http_requests_total{route,method,status},
// yzcloud_http_request_duration_seconds (histogram by route),
// yzcloud_http_open_connections, yzcloud_http_rejected_connections_total, plus
// gauges that other parts register with AddGauge.
//
// Thread-safety: all methods are thread-safe (one mutex for the maps; the
// connection gauge is atomic).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace yz::web {

class Metrics {
 public:
  // `route` is the pattern ("/api/v1/me/sessions/{id}") so label sets stay bounded.
  void ObserveRequest(const std::string& route, const std::string& method, int status,
                      double seconds);
  void ConnectionOpened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  void ConnectionRejected() { rejected_connections_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t open_connections() const { return open_connections_.load(); }
  // Registers a gauge read at render time; `read` must be thread-safe.
  void AddGauge(std::string name, std::string help, std::function<double()> read);

  std::string Render() const;

 private:
  static constexpr double kBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1,    2.5};
  struct Histogram {
    std::uint64_t counts[std::size(kBuckets)] = {};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };

  // Orders (route, method, status) keys as string_views, so that a lookup by views
  // compares like with like (std::less<> would compare a tuple of strings with a
  // tuple of views, which clang 14 refuses with libstdc++ 12).
  struct RequestKeyLess {
    using is_transparent = void;
    using View = std::tuple<std::string_view, std::string_view, int>;
    static View AsView(const View& v) { return v; }
    static View AsView(const std::tuple<std::string, std::string, int>& k) {
      return {std::get<0>(k), std::get<1>(k), std::get<2>(k)};
    }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return AsView(a) < AsView(b);
    }
  };

  mutable std::mutex mu_;  // guards the three containers below
  // Transparent comparators: lookups by string_view allocate only on a new series.
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t, RequestKeyLess> requests_;
  std::map<std::string, Histogram, std::less<>> durations_;
  std::vector<Gauge> gauges_;
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::int64_t> rejected_connections_{0};
};

}  // namespace yz::web
