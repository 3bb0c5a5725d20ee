// Reading events from request bodies (issue 5 point 3): the Plausible tracker's
// POST /api/event body and the native batch body of POST /api/v1/events.
//
// Plausible's body is one JSON object, sent as text/plain by the tracker:
//   {"n": name, "u": url, "d": domain, "r": referrer|null, "p": props, ...}
// Long names (name, url, domain, referrer, props) are accepted as the older
// scripts and the Events API send them; other keys (i, $, h, v, sd, e) are
// ignored. Props may be an object or a JSON string of one.
// The batch body is {"events": [event, ...]} with 1 to kMaxBatch events of the
// same shape, each optionally with "timestamp" (Unix seconds).
//
// Props are event metadata, not personal data: at most 30, names up to 300
// bytes, values (strings, numbers, booleans) up to 2000 bytes. A prop whose
// name says it is personal (ip, email, phone, user, account, lat, lon, search,
// token...) or whose value LooksPersonal is dropped, not stored.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "collect/protector.h"
#include "core/status.h"

namespace yz::collect {

inline constexpr std::size_t kMaxBatch = 1000;

// True for text that looks like contact data or a network identity: an e-mail
// address, a phone number (7+ digits), an IP address or a MAC address.
bool LooksPersonal(std::string_view text);

// InvalidArgument with a message a client can act on.
Result<EventInput> ParsePlausibleEvent(std::string_view body);
Result<std::vector<EventInput>> ParseEventBatch(std::string_view body);

}  // namespace yz::collect
