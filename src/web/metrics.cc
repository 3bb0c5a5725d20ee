#include "web/metrics.h"

#include <fmt/format.h>

namespace yz::web {

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status,
                             double seconds) {
  std::lock_guard lock(mu_);
  auto key = std::make_tuple(std::string_view(route), std::string_view(method), status);
  auto r = requests_.find(key);
  if (r == requests_.end()) r = requests_.emplace(std::make_tuple(route, method, status), 0).first;
  ++r->second;
  auto d = durations_.find(std::string_view(route));
  if (d == durations_.end()) d = durations_.emplace(route, Histogram{}).first;
  Histogram& h = d->second;
  for (std::size_t i = 0; i < std::size(kBuckets); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::Render() const {
  std::string out;
  auto append = [&out]<typename... Args>(fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(out), f, std::forward<Args>(args)...);
  };
  std::lock_guard lock(mu_);
  append("# HELP yzcloud_http_requests_total HTTP requests answered.\n"
         "# TYPE yzcloud_http_requests_total counter\n");
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    append("yzcloud_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n", route,
           method, status, n);
  }
  append("# HELP yzcloud_http_request_duration_seconds Time from full request to response.\n"
         "# TYPE yzcloud_http_request_duration_seconds histogram\n");
  for (const auto& [route, h] : durations_) {
    for (std::size_t i = 0; i < std::size(kBuckets); ++i) {
      append("yzcloud_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route,
             kBuckets[i], h.counts[i]);
    }
    append("yzcloud_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route,
           h.count);
    append("yzcloud_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    append("yzcloud_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  append("# HELP yzcloud_http_open_connections Client connections open now.\n"
         "# TYPE yzcloud_http_open_connections gauge\n"
         "yzcloud_http_open_connections {}\n",
         open_connections_.load());
  append("# HELP yzcloud_http_rejected_connections_total Connections refused at max_connections.\n"
         "# TYPE yzcloud_http_rejected_connections_total counter\n"
         "yzcloud_http_rejected_connections_total {}\n",
         rejected_connections_.load());
  for (const auto& g : gauges_) {
    append("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name, g.read());
  }
  return out;
}

}  // namespace yz::web
