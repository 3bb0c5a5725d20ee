// argon2id cost per password (crypto/password.h: t=2, m=19 MiB, p=1): what one
// registration, login or password change spends on the blocking pool.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "core/random.h"
#include "crypto/password.h"

namespace {

void BM_HashPassword(benchmark::State& state) {
  const std::string password = "Tz9!vK2#qLm4-" + yz::RandomHex(4);
  for (auto _ : state) {
    auto hash = yz::crypto::HashPassword(password);
    if (!hash.ok()) state.SkipWithError(hash.status().message().c_str());
    benchmark::DoNotOptimize(hash);
  }
}
BENCHMARK(BM_HashPassword)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_VerifyPassword(benchmark::State& state) {
  const std::string password = "Tz9!vK2#qLm4-" + yz::RandomHex(4);
  const std::string hash = yz::crypto::HashPassword(password).value();
  const bool right = state.range(0) == 1;
  for (auto _ : state) {
    bool ok = yz::crypto::VerifyPassword(hash, right ? password : "wrong password");
    if (ok != right) state.SkipWithError("VerifyPassword gave the wrong answer");
    benchmark::DoNotOptimize(ok);
  }
}
// 1: the right password; 0: a wrong one (must cost the same, see accounts.h).
BENCHMARK(BM_VerifyPassword)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (!yz::InitRandom()) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
