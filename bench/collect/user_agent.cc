// User-agent parsing cost (collect/user_agent.h), on the hot path of event ingest:
// a cache miss (each rule list prefiltered by its literal atoms, then the candidate rules
// tried in order),
// the same with the rules tried one by one (the plain reading, for comparison), and a
// cache hit. Agents are those of uap-core's own suites (test_ua.yaml, test_os.yaml,
// test_device.yaml), a mix weighted towards devices and rarities; real traffic is
// mostly a few dozen desktop and phone browsers, which a cache answers.
#include "collect/user_agent.h"

#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using yz::collect::UserAgentParser;

const std::vector<std::string>& Agents() {
  static const std::vector<std::string> agents = [] {
    std::vector<std::string> out;
    for (const char* f : {"test_ua.yaml", "test_os.yaml", "test_device.yaml"}) {
      YAML::Node root = YAML::LoadFile(std::string("/usr/share/uap-core/tests/") + f);
      for (const YAML::Node& c : root["test_cases"]) {
        out.push_back(c["user_agent_string"].as<std::string>());
      }
    }
    return out;
  }();
  return agents;
}

std::unique_ptr<UserAgentParser> MakeParser(bool use_prefilter, std::size_t cache) {
  auto p = UserAgentParser::Load(yz::collect::kDefaultRegexesPath,
                                 {.cache_capacity = cache, .use_prefilter = use_prefilter});
  if (!p.ok()) return nullptr;
  return std::move(*p);
}

// Arg 1: prefiltered (FilteredRE2 atoms); 0: each rule in turn.
void BM_ParseMiss(benchmark::State& state) {
  auto parser = MakeParser(state.range(0) == 1, 0);
  if (!parser) return state.SkipWithError("cannot load uap-core rules");
  const auto& agents = Agents();
  // RE2 builds its DFAs lazily: one pass first, so the figure is the steady state
  // (the cold pass costs about three times as much).
  for (const std::string& a : agents) benchmark::DoNotOptimize(parser->ParseUncached(a));
  std::size_t i = 0;
  for (auto _ : state) {
    auto ua = parser->ParseUncached(agents[i]);
    benchmark::DoNotOptimize(ua);
    if (++i == agents.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseMiss)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);

// A desktop Chrome, the commonest agent, uncached.
void BM_ParseMissChrome(benchmark::State& state) {
  auto parser = MakeParser(state.range(0) == 1, 0);
  if (!parser) return state.SkipWithError("cannot load uap-core rules");
  const std::string chrome =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.6099.109 Safari/537.36";
  for (auto _ : state) {
    auto ua = parser->ParseUncached(chrome);
    benchmark::DoNotOptimize(ua);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseMissChrome)->Arg(1)->Arg(0)->Unit(benchmark::kMicrosecond);

// Cache hits over 1,000 distinct agents (all resident), from `threads` threads.
void BM_ParseHit(benchmark::State& state) {
  static std::unique_ptr<UserAgentParser> parser;
  if (state.thread_index() == 0) {
    parser = MakeParser(true, 10000);
    if (parser) {
      for (std::size_t i = 0; i < 1000; ++i) (void)parser->Parse(Agents()[i]);
    }
  }
  const auto& agents = Agents();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97;
  for (auto _ : state) {
    if (!parser) {
      state.SkipWithError("cannot load uap-core rules");
      break;
    }
    auto ua = parser->Parse(agents[i % 1000]);
    benchmark::DoNotOptimize(ua);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseHit)->Threads(1)->Threads(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
