// Collection over HTTP (issue 5 points 1, 3 and 6): the access-log hook every
// request passes through, and the event endpoints.
//
//   POST /api/event        the Plausible tracker's body, answered 202 "ok"
//   POST /api/v1/events    {"events": [...]} (1..1000), answered 202 {"accepted": n}
//   GET  /api/v1/stats/{site}?day=YYYY-MM-DD   visitors, page views, events by
//                          name and bot hits of one day: aggregates only
//
// The event handlers parse and protect on the I/O thread (collect/protector.h),
// then queue the rows with the request's own access-log row (collect/pipeline.h)
// and answer 202 only after the writer committed them; a full queue answers 503
// with Retry-After. Both event endpoints allow any origin (CORS), as trackers run
// on the enterprises' own sites.
//
// Thread-safety: handlers and the hook run on any I/O thread; what they use is
// thread-safe.
#pragma once

#include "web/routes.h"
#include "web/server.h"

namespace yz::web {

void AddEventRoutes(Router& r, App& app);

// The access log (C2.1): one protected row per request, queued without waiting.
// If the row cannot be queued (the writer is behind), it is counted in
// yzcloud_access_log_dropped_total rather than delaying the response.
Server::AccessHook AccessLogHook(App& app);

}  // namespace yz::web
