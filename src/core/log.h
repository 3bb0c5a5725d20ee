// Process-wide logging set-up over spdlog. Call SetUpLogging once at start-up;
// afterwards spdlog's free functions (spdlog::info...) are thread-safe.
#pragma once

#include <string>

#include "core/status.h"

namespace yz {

// `level` is one of trace, debug, info, warn, error, off. Logs go to stderr so that
// stdout stays for machine-readable output (the "listening on" line, CLI JSON).
Status SetUpLogging(const std::string& level);

}  // namespace yz
