// A deliberately small HTTP/1.1 client over a raw socket, so integration tests
// can send exactly the bytes they mean (malformed lines, huge headers, one byte
// a second) and see exactly what comes back.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace yz::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; the last of repeated ones
  std::vector<std::string> set_cookies;        // every Set-Cookie header, in order
  std::string body;
  bool complete = false;  // the whole body per Content-Length arrived

  // The Set-Cookie header that sets cookie `name`, or nullopt.
  std::optional<std::string> Cookie(const std::string& name) const;
  // The value that header gives the cookie, or nullopt.
  std::optional<std::string> CookieValue(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(int port);
  ~HttpClient();
  bool connected() const { return fd_ >= 0; }
  // Sends raw bytes; false if the peer closed.
  bool SendRaw(const std::string& bytes);
  // Reads one response; nullopt if the connection closed before a status line
  // or nothing arrived within `timeout`.
  // `head_only`: the response to a HEAD request, which has no body whatever its
  // Content-Length says.
  std::optional<HttpResponse> ReadResponse(
      std::chrono::milliseconds timeout = std::chrono::seconds(5), bool head_only = false);
  // True when the server closed the connection (read returns 0 or reset) within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout);
  // One request on this (keep-alive) connection.
  std::optional<HttpResponse> Request(const std::string& method, const std::string& target,
                                      const std::string& body = "",
                                      const std::map<std::string, std::string>& headers = {});

 private:
  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection.
std::optional<HttpResponse> Fetch(int port, const std::string& method, const std::string& target,
                                  const std::string& body = "",
                                  const std::map<std::string, std::string>& headers = {});

}  // namespace yz::testing
