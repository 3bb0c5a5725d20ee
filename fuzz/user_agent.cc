// Fuzzes user-agent parsing with uap-core's real rules (collect/user_agent.h), loaded
// once from Debian's /usr/share/uap-core/regexes.yaml, and the bot test and JSON
// output built on it. The JSON must always parse (ToJson promises valid UTF-8 JSON,
// and yzcloud parse-ua prints it).
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "collect/request_facts.h"
#include "collect/user_agent.h"

namespace {

std::unique_ptr<yz::collect::UserAgentParser> parser;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // No cache: every input runs the rules (a cache hit would hide the regexes).
  auto loaded = yz::collect::UserAgentParser::Load(yz::collect::kDefaultRegexesPath,
                                                   {.cache_capacity = 0});
  if (!loaded.ok()) {
    std::fprintf(stderr, "cannot load uap-core rules: %s\n", loaded.status().ToString().c_str());
    std::abort();
  }
  parser = std::move(*loaded);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view ua(reinterpret_cast<const char*>(data), size);
  const yz::collect::UserAgent parsed = parser->ParseUncached(ua);
  (void)yz::collect::IsBot(parsed);
  (void)yz::collect::BotName(ua, parsed);
  boost::system::error_code ec;
  boost::json::parse(yz::collect::ToJson(parsed), ec);
  if (ec) std::abort();
  return 0;
}
