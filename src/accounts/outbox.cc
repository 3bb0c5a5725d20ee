#include "accounts/outbox.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <utility>

#include "core/random.h"

namespace yz::accounts {
namespace {

constexpr std::string_view kField = "notification.message";
constexpr std::string_view kTable = "outbox";
constexpr std::string_view kColumn = "sealed";

Result<Message> FromJson(std::string_view account, std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return Internal("outbox: a message does not parse as JSON");
  const boost::json::object& o = v.get_object();
  auto str = [&o](std::string_view key) -> std::string {
    const boost::json::value* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  Message m;
  m.account = std::string(account);
  m.to = str("to");
  m.subject = str("subject");
  m.body = str("body");
  m.code = str("code");
  if (const boost::json::value* t = o.if_contains("created_at"); t && t->is_int64()) {
    m.created_at = t->get_int64();
  }
  return m;
}

}  // namespace

Outbox::Outbox(store::Database& db, privacy::Gate& gate, std::function<std::int64_t()> now)
    : db_(db), gate_(gate), now_(std::move(now)) {}

Status Outbox::Enqueue(store::Connection& conn, const Message& message) {
  Message m = message;
  m.created_at = now_();
  // The row id is not known before the insert, so the ciphertext is bound to a
  // random message id instead: a sealed message moved to another row fails to open.
  const std::string message_id = RandomHex(16);
  ASSIGN_OR_RETURN(
      std::vector<std::uint8_t> sealed,
      gate_.Seal(m.account, kField, MessageJson(m), crypto::Binding{kTable, kColumn, message_id}));
  const store::Value params[] = {message_id, m.account, store::Blob(std::move(sealed)),
                                 m.created_at};
  return conn
      .Exec(
          "INSERT INTO outbox (message_id, account, sealed, created_at, attempts, "
          "next_attempt_at) VALUES ($1, $2, $3, $4, 0, $4)",
          params)
      .status();
}

Status Outbox::Send(const Message& message) {
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  RETURN_IF_ERROR(Enqueue(*conn, message));
  Wake();
  return Status::Ok();
}

void Outbox::Wake() {
  {
    std::lock_guard lock(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

std::uint64_t Outbox::Wakes() {
  std::lock_guard lock(mu_);
  return wakes_;
}

void Outbox::WaitForWork(std::stop_token stop, std::chrono::milliseconds timeout,
                         std::uint64_t seen) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, stop, timeout, [&] { return wakes_ != seen; });
}

Result<Message> Outbox::Open(const Queued& row) {
  ASSIGN_OR_RETURN(std::string json, gate_.Open(row.account, kField, row.sealed,
                                                crypto::Binding{kTable, kColumn, row.message_id},
                                                privacy::Purpose::kService, row.account));
  return FromJson(row.account, json);
}

Result<std::vector<Message>> Outbox::List(std::string_view actor) {
  store::Rows rows;
  {
    ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    ASSIGN_OR_RETURN(rows,
                     conn->Query("SELECT message_id, account, sealed FROM outbox ORDER BY id"));
  }
  std::vector<Message> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) {
    const std::string message_id = row.Text(0);
    const std::string account = row.Text(1);
    const store::Blob sealed = row.Bytes(2);
    auto json = gate_.Open(account, kField, sealed, crypto::Binding{kTable, kColumn, message_id},
                           privacy::Purpose::kService, actor);
    // An erased account's data key is gone: its messages no longer open.
    if (!json.ok() && json.status().code() == Code::kPermissionDenied) continue;
    if (!json.ok()) return json.status();
    ASSIGN_OR_RETURN(Message m, FromJson(account, *json));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace yz::accounts
