// Files from the repository's web/ folder (templates, styles, messages), compiled
// into the binary by cmake/embed_assets.cmake. Thread-safety: read-only data.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace yz::web {

// The file at `path` relative to web/ ("templates/home.mustache"); nullopt if absent.
std::optional<std::string_view> FindAsset(std::string_view path);
// Every embedded path under `prefix` ("static/").
std::vector<std::string_view> AssetPaths(std::string_view prefix);
// A Content-Type for a file name by its extension.
std::string_view ContentTypeFor(std::string_view path);

}  // namespace yz::web
