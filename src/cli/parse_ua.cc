// `yzcloud parse-ua`: reads user-agent strings on stdin, one a line, and prints one
// JSON object a line (browser, os, device; collect::ToJson), parsed with uap-core's rules.
#include <unistd.h>

#include <iostream>
#include <string>

#include "cli/commands.h"
#include "collect/user_agent.h"

namespace yz::cli {
namespace {

struct ParseUaFlags {
  std::string rules{collect::kDefaultRegexesPath};
  std::size_t cache = 10000;
};

int ParseUa(const ParseUaFlags& flags) {
  auto parser = collect::UserAgentParser::Load(flags.rules, {.cache_capacity = flags.cache});
  if (!parser.ok()) {
    std::cerr << "yzcloud parse-ua: " << parser.status().message() << "\n";
    return 1;
  }
  if ((*parser)->stats().rejected > 0) {
    std::cerr << "yzcloud parse-ua: warning: " << (*parser)->stats().rejected
              << " rules RE2 cannot compile were skipped (first: "
              << (*parser)->stats().first_rejection << ")\n";
  }
  std::ios::sync_with_stdio(false);
  // Someone typing wants each answer at once; a pipe gets block-buffered output.
  const bool interactive = isatty(STDIN_FILENO) == 1;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::cout << collect::ToJson((*parser)->Parse(line)) << '\n';
    if (interactive) std::cout.flush();
  }
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace

void AddParseUa(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<ParseUaFlags>();
  CLI::App* cmd = app.add_subcommand(
      "parse-ua", "Parse user-agent lines from stdin; print one JSON object per line");
  cmd->add_option("--rules", flags->rules, "uap-core regexes.yaml")->capture_default_str();
  cmd->add_option("--cache", flags->cache, "cache entries (0: no cache)")->capture_default_str();
  cmd->callback([flags, &run] { run = [flags] { return ParseUa(*flags); }; });
}

}  // namespace yz::cli
