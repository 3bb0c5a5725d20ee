#include "accounts/notifier.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <system_error>
#include <utility>

#include "core/random.h"

namespace yz::accounts {

std::string MessageJson(const Message& m) {
  boost::json::object o;
  o["to"] = m.to;
  o["subject"] = m.subject;
  o["body"] = m.body;
  o["code"] = m.code;
  o["created_at"] = m.created_at;
  return boost::json::serialize(o);
}

namespace {

// Appends `line` to `path` in one write(2) with O_APPEND, so lines from several
// threads or processes do not interleave. The file holds codes in the clear for
// whoever delivers them, so it is created 0600 and tightened to 0600 if found wider.
Status AppendLine(const std::filesystem::path& path, const std::string& line) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Unavailable("outbox file " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) ::fchmod(fd, 0600);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return Unavailable("outbox file " + path.string() + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    return Unavailable("outbox file " + path.string() + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// --- SMTP -------------------------------------------------------------------------

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(in[i]) << 16) |
                   (static_cast<unsigned char>(in[i + 1]) << 8) |
                   static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    const auto n = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const auto n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// A Subject header value: as is when plain printable ASCII, otherwise RFC 2047
// encoded words of at most 45 bytes each (75 characters encoded), cut between
// UTF-8 characters.
std::string EncodeHeader(std::string_view text) {
  bool plain = text.find("=?") == std::string_view::npos;
  for (char c : text) plain = plain && c >= 0x20 && c < 0x7F;
  if (plain) return std::string(text);
  std::string out;
  while (!text.empty()) {
    std::size_t cut = std::min<std::size_t>(45, text.size());
    while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(0, cut)) + "?=";
    text.remove_prefix(cut);
  }
  return out;
}

// An address we put in a header and in MAIL FROM / RCPT TO: no whitespace, no
// control characters, nothing that would open another header or address.
bool SafeAddress(std::string_view a) {
  if (a.empty() || a.size() > 254 || a.find('@') == std::string_view::npos) return false;
  for (char c : a) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
        c == '(' || c == ')' || c == '\\') {
      return false;
    }
  }
  return true;
}

std::string RfcDate(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// The whole RFC 5322 message; the body is base64 so any text (Chinese, lines
// starting with '.', long lines) travels unchanged.
std::string MimeMessage(const Message& m, const std::string& from) {
  std::string out;
  out += "Date: " + RfcDate(m.created_at) + "\r\n";
  out += "From: <" + from + ">\r\n";
  out += "To: <" + m.to + ">\r\n";
  out += "Message-ID: <" + RandomHex(16) + "@" + from.substr(from.find('@') + 1) + ">\r\n";
  out += "Subject: " + EncodeHeader(m.subject) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  const std::string body = Base64(m.body);
  for (std::size_t i = 0; i < body.size(); i += 76) out += body.substr(i, 76) + "\r\n";
  return out;
}

struct Upload {
  const std::string* data;
  std::size_t pos = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, up->data->size() - up->pos);
  std::memcpy(buffer, up->data->data() + up->pos, n);
  up->pos += n;
  return n;
}

class SmtpNotifier final : public Notifier {
 public:
  SmtpNotifier(std::unique_ptr<FileNotifier> file, std::string url, std::string from,
               std::string user, std::string password)
      : file_(std::move(file)),
        url_(std::move(url)),
        from_(std::move(from)),
        user_(std::move(user)),
        password_(std::move(password)) {}

  Status Send(const Message& message) override {
    // No SMS gateway in this deployment: phone numbers go to the outbox file.
    if (message.to.find('@') == std::string::npos) return file_->Send(message);
    if (!SafeAddress(message.to)) return InvalidArgument("notifier: not a usable e-mail address");
    const Message& m = message;
    const std::string mime = MimeMessage(m, from_);
    Upload upload{&mime};

    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return Unavailable("smtp: cannot initialise libcurl");
    const std::string mail_from = "<" + from_ + ">";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
        curl_slist_append(nullptr, ("<" + m.to + ">").c_str()), &curl_slist_free_all);
    if (!rcpt) return Unavailable("smtp: out of memory");
    char error[CURL_ERROR_SIZE] = {};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded server
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    // STARTTLS whenever the server offers it; required before sending a password.
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     static_cast<long>(user_.empty() ? CURLUSESSL_TRY : CURLUSESSL_ALL));
    if (!user_.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, user_.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, password_.c_str());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mime.size()));
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      long response = 0;
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
      // Neither curl's message nor ours names the recipient: logs stay free of it.
      return Unavailable(std::string("smtp: ") + curl_easy_strerror(rc) +
                         (response ? " (server answered " + std::to_string(response) + ")" : ""));
    }
    return Status::Ok();
  }

 private:
  std::unique_ptr<FileNotifier> file_;
  const std::string url_;
  const std::string from_;
  const std::string user_;
  const std::string password_;
};

}  // namespace

FileNotifier::FileNotifier(std::filesystem::path file) : file_(std::move(file)) {}

Status FileNotifier::Send(const Message& message) {
  return AppendLine(file_, MessageJson(message) + "\n");
}

Result<std::unique_ptr<Notifier>> MakeNotifier(const Config& config) {
  auto file = std::make_unique<FileNotifier>(config.OutboxFile());
  if (config.smtp_url.empty()) return std::unique_ptr<Notifier>(std::move(file));
  if (!config.smtp_url.starts_with("smtp://") && !config.smtp_url.starts_with("smtps://")) {
    return InvalidArgument("smtp_url: must start with smtp:// or smtps://");
  }
  if (!SafeAddress(config.smtp_from)) {
    return InvalidArgument("smtp_from: must be an e-mail address when smtp_url is set");
  }
  static std::once_flag curl_init;
  CURLcode init = CURLE_OK;
  std::call_once(curl_init, [&init] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) return Unavailable("smtp: cannot initialise libcurl");
  // The password never sits in yzcloud.toml; it comes from the environment.
  const char* password = std::getenv("YZCLOUD_SMTP_PASSWORD");
  return std::unique_ptr<Notifier>(
      std::make_unique<SmtpNotifier>(std::move(file), config.smtp_url, config.smtp_from,
                                     config.smtp_user, password ? password : ""));
}

}  // namespace yz::accounts
