// GET /privacy: the published privacy notice, generated from the shipped data
// inventory (policy/inventory.toml, embedded in the binary) so that what the
// product says matches what the privacy gate enforces (C6.1, C2.1-C2.4, C3.5, C5.1).
// Thread-safety: the inventory is parsed once (function-local static) and is
// immutable afterwards; rendering keeps no shared mutable state.
#pragma once

#include "web/http.h"

namespace yz::web {

// Renders the notice in the request's language (same rules as every page).
// A shipped inventory that fails to parse is a build defect: the handler then
// answers 500 rather than publishing a notice that disagrees with the gate.
Response PrivacyNotice(const Request& req);

}  // namespace yz::web
