// Notifiers are delivery channels: they hand one message (a one-time code, a link,
// a security notice) to a phone number or an e-mail address, now.
//
// Messages are not sent from the request that causes them: they are queued in the
// `outbox` table in the same transaction as the change (outbox.h), and the delivery
// worker (delivery.h) hands them to a Notifier afterwards, retrying on failure.
//
// FileNotifier, the default, appends each message as a JSON line to the outbox
// file (mode 0600) that a developer reads. SmtpNotifier (config `smtp_url`) sends
// e-mail through an SMTP server with libcurl; messages to phone numbers still go to
// the file (no SMS gateway is configured in this deployment).
//
// Thread-safety: implementations are thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"

namespace yz::accounts {

struct Message {
  std::string account;          // the gate subject the message concerns
  std::string to;               // phone number or e-mail address
  std::string subject;          // a short title
  std::string body;             // plain text, in the recipient's language
  std::string code;             // the one-time code or link token it carries; may be empty
  std::int64_t created_at = 0;  // Unix seconds; set when queued
};

// A message as one JSON object: the outbox file's line and the outbox table's
// sealed value (the fields `yzcloud outbox` prints, and the time it was queued).
std::string MessageJson(const Message& m);

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Delivers `message` now. Unavailable if it cannot (the worker retries later);
  // the status message names no recipient, so it can be logged.
  virtual Status Send(const Message& message) = 0;
};

class FileNotifier final : public Notifier {
 public:
  explicit FileNotifier(std::filesystem::path file);
  Status Send(const Message& message) override;

 private:
  std::filesystem::path file_;
};

// The channel the configuration asks for: SMTP for e-mail when `smtp_url` is set,
// with the outbox file for everything else. InvalidArgument for a bad SMTP setting.
Result<std::unique_ptr<Notifier>> MakeNotifier(const Config& config);

}  // namespace yz::accounts
