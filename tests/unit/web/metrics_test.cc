#include "web/metrics.h"

#include <gtest/gtest.h>

namespace yz::web {
namespace {

TEST(MetricsTest, RendersPrometheusCountersAndHistograms) {
  Metrics m;
  m.ObserveRequest("/healthz", "GET", 200, 0.0004);
  m.ObserveRequest("/healthz", "GET", 200, 0.02);
  m.ConnectionOpened();
  m.AddGauge("yzcloud_test_gauge", "A test gauge.", [] { return 7.0; });
  std::string text = m.Render();
  EXPECT_NE(text.find("yzcloud_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"),
            std::string::npos) << text;
  EXPECT_NE(text.find("yzcloud_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("yzcloud_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("yzcloud_http_open_connections 1"), std::string::npos);
  EXPECT_NE(text.find("yzcloud_test_gauge 7"), std::string::npos);
}

}  // namespace
}  // namespace yz::web
