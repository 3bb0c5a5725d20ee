#include "core/config.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include "core/toml.h"

extern char** environ;

namespace yz {

std::int64_t DefaultIoThreads() {
  const std::int64_t cores = std::thread::hardware_concurrency();
  return std::max<std::int64_t>(1, cores - 1);
}

namespace {

enum class Kind { kString, kInt, kStringList };

struct KeySpec {
  const char* name;
  Kind kind;
  std::string Config::*str = nullptr;
  std::int64_t Config::*num = nullptr;
  std::vector<std::string> Config::*list = nullptr;
  std::int64_t min = 0;
  std::int64_t max = 0;
};

KeySpec Str(const char* n, std::string Config::*f) { return {n, Kind::kString, f}; }
KeySpec Int(const char* n, std::int64_t Config::*f, std::int64_t lo, std::int64_t hi) {
  return {n, Kind::kInt, nullptr, f, nullptr, lo, hi};
}
KeySpec List(const char* n, std::vector<std::string> Config::*f) {
  return {n, Kind::kStringList, nullptr, nullptr, f};
}

const KeySpec kKeys[] = {
    Str("listen", &Config::listen),
    Int("port", &Config::port, 0, 65535),
    Int("threads", &Config::threads, 1, 256),
    Int("workers", &Config::workers, 1, 256),
    Str("data_dir", &Config::data_dir),
    Str("database", &Config::database),
    Int("db_pool", &Config::db_pool, 1, 512),
    Str("key_dir", &Config::key_dir),
    Str("keystore", &Config::keystore),
    Int("key_cache", &Config::key_cache, 0, 10000000),
    Int("adult_age", &Config::adult_age, 14, 30),
    Int("session_idle_seconds", &Config::session_idle_seconds, 60, 365LL * 24 * 3600),
    Int("session_max_seconds", &Config::session_max_seconds, 60, 365LL * 24 * 3600),
    List("trusted_proxies", &Config::trusted_proxies),
    Int("max_connections", &Config::max_connections, 1, 1000000),
    Int("max_header_bytes", &Config::max_header_bytes, 1024, 1024 * 1024),
    Int("max_body_bytes", &Config::max_body_bytes, 1024, 1024LL * 1024 * 1024),
    Int("request_timeout_ms", &Config::request_timeout_ms, 100, 3600 * 1000),
    Int("shutdown_grace_ms", &Config::shutdown_grace_ms, 0, 60 * 1000),
    Str("log_level", &Config::log_level),
    Str("public_url", &Config::public_url),
    Str("smtp_url", &Config::smtp_url),
    Str("smtp_from", &Config::smtp_from),
    Str("smtp_user", &Config::smtp_user),
    Str("outbox_file", &Config::outbox_file),
    Str("collect_sync", &Config::collect_sync),
    // At least two full batches (1,000 events and their access row each), so
    // that a full batch is never refused by the queue's size alone.
    Int("collect_queue_rows", &Config::collect_queue_rows, 2000, 100000000),
};

const KeySpec* FindKey(std::string_view name) {
  for (const auto& k : kKeys) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

Status Bad(const std::string& source, const std::string& key, const std::string& why) {
  return InvalidArgument(source + ": " + key + ": " + why);
}

Status SetInt(Config& c, const KeySpec& k, std::int64_t v, const std::string& source) {
  if (v < k.min || v > k.max) {
    return Bad(source, k.name,
               "must be " + std::to_string(k.min) + ".." + std::to_string(k.max) + ", got " +
                   std::to_string(v));
  }
  c.*k.num = v;
  return Status::Ok();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

std::string Where(const std::string& source, const toml::node& node) {
  return source + ":" + std::to_string(node.source().begin.line);
}

}  // namespace

std::string Config::DatabaseUrl() const {
  if (!database.empty()) return database;
  return (std::filesystem::path(data_dir) / "yzcloud.db").string();
}

std::string Config::KeyDir() const {
  if (!key_dir.empty()) return key_dir;
  return (std::filesystem::path(data_dir) / "keys").string();
}

std::string Config::KeystoreUrl() const {
  if (!keystore.empty()) return keystore;
  const std::string data = DatabaseUrl();
  if (data.starts_with("postgres://") || data.starts_with("postgresql://")) {
    // The same database, but the keystore's own schema (see kKeystoreSchema).
    return data + (data.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           kKeystoreSchema;
  }
  return (std::filesystem::path(data_dir) / "keys.db").string();
}

std::string Config::OutboxFile() const {
  if (!outbox_file.empty()) return outbox_file;
  return (std::filesystem::path(data_dir) / "outbox.jsonl").string();
}

Status ApplyValue(Config& c, const std::string& key, const std::string& value,
                  const std::string& source) {
  const KeySpec* k = FindKey(key);
  if (!k) return Bad(source, key, "unknown key");
  switch (k->kind) {
    case Kind::kString:
      c.*k->str = value;
      return Status::Ok();
    case Kind::kStringList:
      c.*k->list = SplitList(value);
      return Status::Ok();
    case Kind::kInt: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || p != value.data() + value.size()) {
        return Bad(source, key, "must be an integer, got '" + value + "'");
      }
      return SetInt(c, *k, v, source);
    }
  }
  return Internal("unreachable");
}

Status ApplyToml(Config& c, const std::string& text, const std::string& source) {
  ASSIGN_OR_RETURN(toml::table table, ParseToml(text, source));
  for (auto&& [name, node] : table) {
    std::string key(name.str());
    std::string where = Where(source, node);
    const KeySpec* k = FindKey(key);
    if (!k) return Bad(where, key, "unknown key");
    switch (k->kind) {
      case Kind::kString:
        if (!node.is_string()) return Bad(where, key, "must be a string");
        c.*k->str = node.value<std::string>().value();
        break;
      case Kind::kInt:
        if (!node.is_integer()) return Bad(where, key, "must be an integer");
        RETURN_IF_ERROR(SetInt(c, *k, node.value<std::int64_t>().value(), where));
        break;
      case Kind::kStringList: {
        const toml::array* arr = node.as_array();
        if (!arr) return Bad(where, key, "must be an array of strings");
        std::vector<std::string> items;
        for (auto&& item : *arr) {
          if (!item.is_string()) return Bad(where, key, "must be an array of strings");
          items.push_back(item.value<std::string>().value());
        }
        c.*k->list = std::move(items);
        break;
      }
    }
  }
  return Status::Ok();
}

Status ApplyTomlFile(Config& c, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("config file not found: " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ApplyToml(c, ss.str(), path);
}

Status ApplyEnv(Config& c, const std::map<std::string, std::string>& env) {
  for (const auto& [name, value] : env) {
    if (!name.starts_with("YZ_") || name == "YZ_CONFIG") continue;
    std::string key = name.substr(3);
    for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    RETURN_IF_ERROR(ApplyValue(c, key, value, "environment " + name));
  }
  return Status::Ok();
}

std::map<std::string, std::string> YzEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (!kv.starts_with("YZ_")) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

}  // namespace yz
