// Account pages (zh-CN and English): register, verify, login, logout, the account
// profile with its registration record and history, sessions, password change
// and reset, security (recent logins, misuse report), misuse report without a
// session, account deletion, and the guardian's consent page.
//
// Every form posts to a handler here that checks CSRF (csrf.h), calls one
// AccountService method, and answers 303 to a page on success or re-renders the
// form with a message (4xx) on failure. Pages that need a session redirect to
// /login?next=PATH without one.
//
// Cookies refused (C2.3): GET /login without the yz_csrf cookie sets it and
// redirects once to /login?cookie_check=1; if the cookie still does not come back,
// the page says that login needs cookies. POST /login without the cookie answers
// 400 with the same message instead of trying to log in. Other pages keep working.
//
// Thread-safety: handlers are stateless; the service is thread-safe.
#pragma once

#include "web/router.h"
#include "web/routes.h"

namespace yz::web {

// Registers the pages and their form handlers (called by AddAccountRoutes).
void AddAccountPages(Router& r, App& app);

}  // namespace yz::web
