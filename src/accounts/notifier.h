// Notifiers deliver one-time codes and links (registration, password reset,
// guardian consent, misuse reports) to a phone number or an e-mail address.
//
// OutboxNotifier, the default, delivers locally: each message is sealed through
// the gate (field `notification.message`, subject = the account it concerns) into
// the `outbox` table, and appended as a JSON line to the outbox file (mode 0600) that
// a developer or `yzcloud outbox` reads. SmtpNotifier (config `smtp_url`) sends
// e-mail through an SMTP server with libcurl; messages to phone numbers still go to
// the outbox (no SMS gateway is configured in this deployment).
//
// Thread-safety: implementations are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "privacy/gate.h"
#include "store/database.h"

namespace yz::accounts {

struct Message {
  std::string account;          // the gate subject the message concerns
  std::string to;               // phone number or e-mail address
  std::string subject;          // a short title
  std::string body;             // plain text, in the recipient's language
  std::string code;             // the one-time code or link token it carries; may be empty
  std::int64_t created_at = 0;  // Unix seconds; set by the notifier
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Delivers `message` (or queues it durably). Unavailable if it cannot.
  virtual Status Send(const Message& message) = 0;
};

class OutboxNotifier final : public Notifier {
 public:
  OutboxNotifier(store::Database& db, privacy::Gate& gate, std::filesystem::path file,
                 std::function<std::int64_t()> now);
  Status Send(const Message& message) override;
  // Every message still readable (an erased account's messages no longer open and
  // are skipped), oldest first, read through the gate for `actor`.
  Result<std::vector<Message>> List(std::string_view actor);

 private:
  store::Database& db_;
  privacy::Gate& gate_;
  std::filesystem::path file_;
  std::function<std::int64_t()> now_;
};

// The notifier the configuration asks for: SMTP for e-mail when `smtp_url` is set,
// with the outbox for everything else.
Result<std::unique_ptr<Notifier>> MakeNotifier(const Config& config, store::Database& db,
                                               privacy::Gate& gate,
                                               std::function<std::int64_t()> now);

}  // namespace yz::accounts
