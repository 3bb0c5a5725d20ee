#include "web/i18n.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <stdexcept>

#include "core/ascii.h"
#include "web/assets.h"

namespace yz::web {
namespace {

std::map<std::string, std::string> Load(std::string_view tag) {
  std::string path = "i18n/" + std::string(tag) + ".toml";
  auto text = FindAsset(path);
  if (!text) throw std::runtime_error("missing embedded " + path);
  std::map<std::string, std::string> out;
  for (auto&& [k, v] : toml::parse(*text, path)) {
    out.emplace(std::string(k.str()), v.value<std::string>().value_or(""));
  }
  return out;
}

}  // namespace

std::string_view LangTag(Lang lang) { return lang == Lang::kEn ? "en" : "zh-CN"; }

std::optional<Lang> ParseLang(std::string_view tag) {
  std::string t = AsciiLowered(tag);
  if (t == "en" || t.starts_with("en-")) return Lang::kEn;
  if (t == "zh" || t.starts_with("zh-")) return Lang::kZhCN;
  return std::nullopt;
}

Lang PickLanguage(const Request& req) {
  if (auto q = req.QueryValue("lang")) {
    if (auto l = ParseLang(*q)) return *l;
  }
  if (auto c = req.CookieValue("yz_lang")) {
    if (auto l = ParseLang(*c)) return *l;
  }
  // Accept-Language: "en-US,en;q=0.9,zh;q=0.8" -> the best-rated language we speak.
  std::string_view al = req.HeaderValue("accept-language");
  std::optional<Lang> best;
  double best_q = -1;
  while (!al.empty()) {
    auto comma = al.find(',');
    std::string_view item = al.substr(0, comma);
    al = comma == std::string_view::npos ? std::string_view{} : al.substr(comma + 1);
    double q = 1.0;
    auto semi = item.find(';');
    if (semi != std::string_view::npos) {
      auto qpos = item.find("q=", semi);
      if (qpos != std::string_view::npos) q = std::atof(std::string(item.substr(qpos + 2)).c_str());
      item = item.substr(0, semi);
    }
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    auto l = ParseLang(item);
    if (l && q > best_q) {
      best = l;
      best_q = q;
    }
  }
  return best.value_or(Lang::kZhCN);
}

const std::map<std::string, std::string>& Messages(Lang lang) {
  static const auto zh = Load("zh-CN");
  static const auto en = Load("en");
  return lang == Lang::kEn ? en : zh;
}

}  // namespace yz::web
