// Fuzzes the access-log line parser of `yzcloud import-log` (collect/combined_log.h)
// on each line of the input, and the reductions the importer applies next to what
// it returns (collect/request_facts.h): the client's network, the referrer's
// domain, the stored text of path and query.
//
// Checks its promises: a parsed line has a status in 100..599, a path that starts
// with '/' (or is "*", as in "OPTIONS * HTTP/1.1"), and a reason for every refusal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collect/combined_log.h"
#include "collect/request_facts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  yz::collect::CombinedLogParser parser;
  yz::collect::LogLine line;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view text = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!parser.Parse(text, line)) {
      if (parser.error().empty()) std::abort();
      continue;
    }
    if (line.status < 100 || line.status > 599) std::abort();
    if (line.path != "*" && (line.path.empty() || line.path.front() != '/')) std::abort();
    (void)yz::collect::TruncateIp(line.client);
    (void)yz::collect::UrlDomain(line.referer);
    (void)yz::collect::Storable(line.path);
    (void)yz::collect::Storable(line.query);
    (void)yz::collect::Storable(line.user_agent);
  }
  return 0;
}
