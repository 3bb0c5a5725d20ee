#include "web/router.h"

namespace yz::web {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {}.
template <typename S = std::string_view>
std::vector<S> Segments(std::string_view path) {
  std::vector<S> out;
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
  return out;
}

bool MatchPattern(const std::vector<std::string>& ps, std::string_view path,
                  const std::vector<std::string_view>& xs,
                  std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  for (std::size_t i = 0; i < ps.size(); ++i) {
    std::string_view p = ps[i];
    bool capture = p.size() > 2 && p.front() == '{' && p.back() == '}';
    if (capture && p.ends_with("...}")) {
      if (i >= xs.size()) return false;
      std::string_view rest = path.substr(static_cast<std::size_t>(xs[i].data() - path.data()));
      params.emplace_back(std::string(p.substr(1, p.size() - 5)), std::string(rest));
      return true;
    }
    if (i >= xs.size()) return false;
    if (capture) {
      params.emplace_back(std::string(p.substr(1, p.size() - 2)), std::string(xs[i]));
    } else if (p != xs[i]) {
      return false;
    }
  }
  return ps.size() == xs.size();
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, Exec exec) {
  auto segments = Segments<std::string>(pattern);
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(handler), exec, {}, std::move(segments)});
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  auto segments = Segments<std::string>(pattern);
  routes_.push_back({std::move(method), std::move(pattern), nullptr, Exec::kAsync,
                     std::move(handler), std::move(segments)});
}

Router::Match Router::Find(std::string_view method, std::string_view path,
                           std::vector<std::pair<std::string, std::string>>& params) const {
  Match m;
  std::vector<std::pair<std::string, std::string>> scratch;
  const auto xs = Segments(path);
  for (const auto& r : routes_) {
    if (!MatchPattern(r.segments, path, xs, scratch)) continue;
    bool method_ok = r.method == method || (method == "HEAD" && r.method == "GET");
    if (method_ok && !m.route) {
      m.route = &r;
      params = scratch;
    } else if (!m.route && !m.path_matched) {
      params = scratch;  // a 405 still names the path's parts (the access log redacts them)
    }
    m.path_matched = true;
    if (m.allow.find(r.method) == std::string::npos) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += r.method;
    }
  }
  return m;
}

}  // namespace yz::web
