// TOML parsing with the project's error shape: toml++'s exception becomes an
// InvalidArgument naming "SOURCE:LINE: problem". Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <toml++/toml.h>

#include "core/status.h"

namespace yz {

Result<toml::table> ParseToml(std::string_view text, const std::string& source);

}  // namespace yz
