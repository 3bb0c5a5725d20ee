// Server-rendered pages: templates/<name>.mustache rendered inside
// templates/layout.mustache with the language's messages under `t`.
// Thread-safety: templates are parsed per call from immutable embedded text.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "web/http.h"
#include "web/i18n.h"

namespace yz::web {

// Renders page `name` for the request's language. `data` is the page's own
// values (HTML-escaped on output); `title` is the <title>. An explicit ?lang=
// choice is remembered in the yz_lang preference cookie.
Response RenderPage(const Request& req, std::string_view name, std::string_view title_key,
                    boost::json::object data = {});

// As RenderPage, with the page's template given as text instead of by name: the
// privacy notice renders the statement template frozen in a published version.
// A template that does not parse is a defect of what was published: 500.
Response RenderPageText(const Request& req, std::string_view template_text,
                        std::string_view title_key, boost::json::object data = {});

// Small helpers every page uses.
// The message `key`, or the key itself, so a missing translation shows instead of a blank.
std::string Msg(const std::map<std::string, std::string>& messages, const std::string& key);
// `text` with every "{name}" replaced by `value`.
std::string Fill(std::string text, std::string_view name, std::string_view value);
// A Unix time as "2026-11-29 10:12 UTC" (for people) and "2026-11-29T10:12:00Z"
// (for <time datetime>).
std::string UtcText(std::int64_t unix_seconds);
std::string UtcIso(std::int64_t unix_seconds);

}  // namespace yz::web
