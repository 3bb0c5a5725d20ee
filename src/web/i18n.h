// Interface languages: zh-CN (default) and English. Messages live in
// web/i18n/<tag>.toml, parsed once on first use. Thread-safety: read-only after
// the first call (guarded by a function-local static).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "web/http.h"

namespace yz::web {

enum class Lang { kZhCN, kEn };

// "zh-CN" or "en".
std::string_view LangTag(Lang lang);
// Parses a tag loosely ("en-US" -> kEn, "zh-Hans" -> kZhCN); nullopt if neither.
std::optional<Lang> ParseLang(std::string_view tag);
// ?lang= first, then the yz_lang cookie, then Accept-Language (by q-value), else zh-CN.
Lang PickLanguage(const Request& req);
// Every message of a language, key -> text.
const std::map<std::string, std::string>& Messages(Lang lang);

}  // namespace yz::web
