#include "web/assets.h"

#include <utility>

namespace yz::web {
namespace assets_data {
extern const std::pair<std::string_view, std::string_view> kFiles[];
extern const std::size_t kCount;
}  // namespace assets_data

std::optional<std::string_view> FindAsset(std::string_view path) {
  for (std::size_t i = 0; i < assets_data::kCount; ++i) {
    if (assets_data::kFiles[i].first == path) return assets_data::kFiles[i].second;
  }
  return std::nullopt;
}

std::vector<std::string_view> AssetPaths(std::string_view prefix) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < assets_data::kCount; ++i) {
    if (assets_data::kFiles[i].first.starts_with(prefix)) out.push_back(assets_data::kFiles[i].first);
  }
  return out;
}

std::string_view ContentTypeFor(std::string_view path) {
  struct Type { std::string_view ext, type; };
  static constexpr Type kTypes[] = {
      {".css", "text/css; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},             {".png", "image/png"},
      {".ico", "image/x-icon"},              {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"}, {".html", "text/html; charset=utf-8"},
  };
  for (const auto& t : kTypes) {
    if (path.ends_with(t.ext)) return t.type;
  }
  return "application/octet-stream";
}

}  // namespace yz::web
