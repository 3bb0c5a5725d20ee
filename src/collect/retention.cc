#include "collect/retention.h"

#include "collect/protector.h"
#include "collect/records.h"

namespace yz::collect {
Retention::Retention(store::Database& db, privacy::Gate& gate, const privacy::Inventory& inventory,
                     std::function<std::int64_t()> now)
    : db_(db),
      gate_(gate),
      ip_full_seconds_(inventory.RetentionSeconds("log.ip_full")),
      access_seconds_(inventory.RetentionSeconds("log.request_time")),
      event_seconds_(inventory.RetentionSeconds("log.url_path")),
      now_(std::move(now)) {}

Result<RetentionReport> Retention::Run() {
  RetentionReport report;
  const std::int64_t now = now_();
  const std::int64_t today = DayOf(now);
  ASSIGN_OR_RETURN(auto conn, db_.Acquire());

  // A day's rows are all older than the retention once the day's end is.
  const std::int64_t last_key_day = DayOf(now - ip_full_seconds_) - 1;
  const store::Value key_params[] = {last_key_day};
  ASSIGN_OR_RETURN(auto key_days,
                   conn->Query("SELECT day FROM log_days WHERE key_destroyed_at IS NULL "
                               "AND day <= $1 ORDER BY day",
                               key_params));
  for (const auto& row : key_days) {
    const std::int64_t day = row.Int(0);
    RETURN_IF_ERROR(gate_.Erase(LogKeySubject(day)));
    // The day's rows are one id range (records.h).
    const store::Value range[] = {DayRowIdBase(day), DayRowIdBase(day + 1)};
    RETURN_IF_ERROR(conn->Exec("UPDATE request_log SET ip_sealed = NULL, account_sealed = NULL "
                               "WHERE id >= $1 AND id < $2",
                               range)
                        .status());
    const store::Value p[] = {day, now};
    RETURN_IF_ERROR(
        conn->Exec("UPDATE log_days SET key_destroyed_at = $2 WHERE day = $1", p).status());
    ++report.keys_destroyed;
  }

  // The salt of day D serves D and the first hours of D+1; gone once D+1 ended.
  const store::Value salt_params[] = {today - 2};
  ASSIGN_OR_RETURN(auto salt_days,
                   conn->Query("SELECT day FROM log_days WHERE salt_destroyed_at IS NULL "
                               "AND day <= $1 ORDER BY day",
                               salt_params));
  for (const auto& row : salt_days) {
    const std::int64_t day = row.Int(0);
    RETURN_IF_ERROR(gate_.Erase(SaltSubject(day)));
    const store::Value p[] = {day, now};
    RETURN_IF_ERROR(
        conn->Exec("UPDATE log_days SET salt_destroyed_at = $2 WHERE day = $1", p).status());
    ++report.salts_destroyed;
  }

  // Rows before the cut lie in the cut's day or before, so only the ids up to the
  // end of that day are read (records.h).
  auto delete_before = [&](const char* table, std::int64_t before) {
    const store::Value cut[] = {before, DayRowIdBase(DayOf(before) + 1)};
    return conn->Exec(std::string("DELETE FROM ") + table + " WHERE id < $2 AND at < $1", cut);
  };
  ASSIGN_OR_RETURN(report.access_rows_deleted, delete_before("request_log", now - access_seconds_));
  ASSIGN_OR_RETURN(report.events_deleted, delete_before("events", now - event_seconds_));
  return report;
}

}  // namespace yz::collect
