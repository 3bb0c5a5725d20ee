// The route table: method + path pattern -> handler. Patterns are literal
// segments and `{name}` segments that capture one path segment
// ("/api/v1/me/sessions/{id}"); a final `{name...}` captures the rest of the path.
//
// Thread-safety: build the router before the server starts; afterwards it is
// read-only and shared by all threads.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/string_map.h"
#include "web/http.h"

namespace yz::web {

using Handler = std::function<Response(Request&)>;
// Answers the request; call exactly once, from any thread.
using Reply = std::function<void(Response)>;
// A handler that answers later: it runs on the I/O thread, must not block, and
// hands `reply` to whoever finishes the work (the collection writer).
using AsyncHandler = std::function<void(Request&, Reply reply)>;

// Where a handler runs. kBlocking handlers (database, hashing, anything that may
// wait) run on the worker pool; kInline ones are cheap and run on the I/O thread;
// kAsync ones start on the I/O thread and reply when their work is done.
enum class Exec { kBlocking, kInline, kAsync };

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  Exec exec = Exec::kBlocking;
  AsyncHandler async;                 // set instead of handler for Exec::kAsync
  std::vector<std::string> segments;  // the pattern split at '/', computed by Add
  bool takes_rest = false;            // the last segment is a `{name...}`
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler, Exec exec = Exec::kBlocking);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler);

  struct Match {
    const Route* route = nullptr;  // null: no route
    bool path_matched = false;     // some route has this path, with another method (405)
    std::string allow;             // methods for that path, for the Allow header
  };
  // Finds the route for `method` and `path`, filling `params` from `{name}` segments
  // (from the first route with this path when only the method is wrong, so that
  // a 405 can still be logged with its tokens redacted); `params` is cleared first,
  // and stays empty when no route has this path.
  Match Find(std::string_view method, std::string_view path,
             std::vector<std::pair<std::string, std::string>>& params) const;

  // Replaces the handler of every route run as `exec` (kBlocking or kInline) by
  // wrap(handler). Call while building, before the server starts.
  void Wrap(Exec exec, const std::function<Handler(Handler)>& wrap);

  const std::vector<Route>& routes() const { return routes_; }

 private:
  void Index(Route route);

  std::vector<Route> routes_;
  // Where Find looks, so that a request does not try every route: the routes
  // without captures by their path ("/a/b"); those with captures by the number
  // of segments a path must have to match them (a `{name...}` route is in every
  // list from its own length on), each in table order. The last list serves
  // every path of kIndexedSegments segments or more.
  static constexpr std::size_t kIndexedSegments = 16;
  StringMap<std::vector<std::size_t>> literal_;
  std::array<std::vector<std::size_t>, kIndexedSegments + 1> patterned_;
};

}  // namespace yz::web
