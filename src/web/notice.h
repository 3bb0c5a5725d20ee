// The published privacy notice and its history (C6.1: every revision is published
// prominently; C2.1-C2.4, C3.5, C5.1: what the notice says). A notice is rendered
// from a published version (privacy/notice_versions.h): its frozen inventory text and
// its frozen statement template, so version N reads as it did the day it was published
// and always matches the inventory the gate enforced then.
//
//   GET /privacy                               the latest version (HTML)
//   GET /privacy/versions                      every version, with a compare form
//   GET /privacy/versions/{n}                  version n as published
//   GET /privacy/versions/{a}/diff/{b}         what changed from version a to b
//   GET /privacy/versions/diff?from=a&to=b     303 to the above (the compare form)
//   GET /api/v1/privacy/versions[/{n}|/{a}/diff/{b}]   the same as JSON
//
// A version number that is not a positive integer answers 400, an unknown one 404,
// both with the JSON error envelope. Every handler reads the database: run them on
// the worker pool.
//
// Thread-safety: handlers may run concurrently. Parsed inventories of published
// versions are cached by their SHA-256 (content-addressed and immutable, so a cached
// entry is never stale) under a mutex in notice.cc.
#pragma once

#include <string_view>

#include "core/status.h"
#include "privacy/notice_versions.h"
#include "web/http.h"

namespace yz::web {

// The texts this binary ships: policy/inventory.toml and templates/privacy.mustache,
// both embedded. Internal error if either is missing (a build defect). `yzcloud serve`
// publishes them as version 1 on first start; `yzcloud policy publish` by default.
struct ShippedNotice {
  std::string_view inventory;
  std::string_view statement;
};
Result<ShippedNotice> ShippedNoticeTexts();

// HTML pages, in the request's language (same rules as every page).
Response PrivacyNotice(privacy::NoticeVersions& versions, const Request& req);
Response PrivacyVersionPage(privacy::NoticeVersions& versions, const Request& req);
Response PrivacyVersionsPage(privacy::NoticeVersions& versions, const Request& req);
Response PrivacyDiffPage(privacy::NoticeVersions& versions, const Request& req);
Response PrivacyCompareRedirect(const Request& req);

// JSON: the list, one version with its texts, and the diff between two versions.
Response PrivacyVersionsJson(privacy::NoticeVersions& versions);
Response PrivacyVersionJson(privacy::NoticeVersions& versions, const Request& req);
Response PrivacyDiffJson(privacy::NoticeVersions& versions, const Request& req);

}  // namespace yz::web
