#include "web/router.h"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <span>

namespace yz::web {
namespace {

// A request path's segments: inline up to 16 (nearly every path), so that finding
// a route allocates nothing.
using PathSegments = boost::container::small_vector<std::string_view, 16>;

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}.
template <typename Out>
void Split(std::string_view path, Out& out) {
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
}

// "/a/b" for {"a","b"}, "/" for {}: the key of a path in Router::literal_.
template <typename Segs>
std::string Joined(const Segs& segments) {
  if (segments.empty()) return "/";
  std::string out;
  for (const auto& s : segments) {
    out += '/';
    out.append(s);
  }
  return out;
}

// Whether `path` is already its own Joined(Segments(path)): no empty segment,
// no trailing slash. Nearly every request's path is.
bool IsJoined(std::string_view path) {
  if (path == "/") return true;
  if (path.empty() || path.front() != '/' || path.back() == '/') return false;
  return path.find("//") == std::string_view::npos;
}

bool IsCapture(std::string_view p) { return p.size() > 2 && p.front() == '{' && p.back() == '}'; }

bool IsRestCapture(std::string_view p) { return IsCapture(p) && p.ends_with("...}"); }

// Whether route segments `ps` match the path's segments `xs`.
bool Matches(const std::vector<std::string>& ps, std::span<const std::string_view> xs) {
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const std::string_view p = ps[i];
    if (i >= xs.size()) return false;
    if (IsRestCapture(p)) return true;
    if (!IsCapture(p) && p != xs[i]) return false;
  }
  return ps.size() == xs.size();
}

// The captures of a route that Matches: `{name}` segments, and `{name...}` the rest
// of `path` from its segment on.
void Capture(const std::vector<std::string>& ps, std::string_view path,
             std::span<const std::string_view> xs,
             std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const std::string_view p = ps[i];
    if (IsRestCapture(p)) {
      std::string_view rest = path.substr(static_cast<std::size_t>(xs[i].data() - path.data()));
      params.emplace_back(std::string(p.substr(1, p.size() - 5)), std::string(rest));
      return;
    }
    if (IsCapture(p)) {
      params.emplace_back(std::string(p.substr(1, p.size() - 2)), std::string(xs[i]));
    }
  }
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, Exec exec) {
  Index({std::move(method), std::move(pattern), std::move(handler), exec, {}, {}});
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  Index({std::move(method), std::move(pattern), nullptr, Exec::kAsync, std::move(handler), {}});
}

void Router::Index(Route route) {
  Split(route.pattern, route.segments);
  route.takes_rest = !route.segments.empty() && IsRestCapture(route.segments.back());
  const std::size_t i = routes_.size();
  if (std::any_of(route.segments.begin(), route.segments.end(),
                  [](const std::string& s) { return IsCapture(s); })) {
    const std::size_t n = std::min(route.segments.size(), kIndexedSegments);
    for (std::size_t k = n; k <= (route.takes_rest ? kIndexedSegments : n); ++k) {
      patterned_[k].push_back(i);
    }
  } else {
    literal_[Joined(route.segments)].push_back(i);
  }
  routes_.push_back(std::move(route));
}

void Router::Wrap(Exec exec, const std::function<Handler(Handler)>& wrap) {
  for (Route& r : routes_) {
    if (r.exec == exec && r.handler) r.handler = wrap(std::move(r.handler));
  }
}

Router::Match Router::Find(std::string_view method, std::string_view path,
                           std::vector<std::pair<std::string, std::string>>& params) const {
  Match m;
  params.clear();
  PathSegments xs;
  Split(path, xs);
  static const std::vector<std::size_t> kNone;
  const auto hit = IsJoined(path) ? literal_.find(path) : literal_.find(Joined(xs));
  const std::vector<std::size_t>& literal = hit == literal_.end() ? kNone : hit->second;
  const std::vector<std::size_t>& patterned = patterned_[std::min(xs.size(), kIndexedSegments)];
  // The candidates in table order, as if every route were tried in turn.
  std::size_t a = 0, b = 0;
  while (a < literal.size() || b < patterned.size()) {
    const bool take_literal =
        b == patterned.size() || (a < literal.size() && literal[a] < patterned[b]);
    const Route& r = routes_[take_literal ? literal[a++] : patterned[b++]];
    if (!r.takes_rest && r.segments.size() != xs.size()) continue;
    if (!Matches(r.segments, xs)) continue;
    const bool method_ok = r.method == method || (method == "HEAD" && r.method == "GET");
    // The route's parts; for a 405, those of the first route with the path, so
    // that the access log still redacts them.
    if (!m.route && (method_ok || !m.path_matched)) Capture(r.segments, path, xs, params);
    if (method_ok && !m.route) m.route = &r;
    m.path_matched = true;
    if (m.allow.find(r.method) == std::string::npos) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += r.method;
    }
  }
  return m;
}

}  // namespace yz::web
