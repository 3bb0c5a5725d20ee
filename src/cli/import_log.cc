// `yzcloud import-log FILE` (issue 5 point 7): imports an nginx/Apache access log
// (combined or common format) into the access log through the same protections
// as live requests (collect::Protector) and the same writer (collect::Pipeline).
//
// Shape: this thread reads FILE in chunks of whole lines (about 1 MiB each) into a
// small bounded queue; N worker threads parse (collect/combined_log.h) and protect
// each line and hand batches of rows to the pipeline, whose writer commits them
// and tells us (Done) how many arrived. Memory stays bounded by the chunk queue and
// the pipeline's row capacity, whatever the size of FILE.
//
// Malformed lines are reported on stderr as "line N: why", in file order (chunks
// finished out of order wait for their predecessors), the first 100 in detail and
// the rest counted; the import carries on. A progress bar is drawn on stderr when
// it is a terminal. The summary line is printed on stdout.
//
// A path is logged as a live request's would be (C2.1, C2.2): it is matched against
// the server's own route table (ServerRoutes), the segments its route captures are
// hidden when the inventory's redact_parameters name them ({install_id}, {token},
// {id}), and a 404 no route captured anything of keeps its first segment only
// (web::HideUnroutedPath). A line answered for a path no route has (a page another
// application behind the same proxy serves) keeps its path, as before.
//
// Visitor pseudonyms use salts that live only in this process (the server's are
// in the keystore): imported visitors can be counted per day, and can never be
// linked to live traffic or to another import. Full IPs are sealed under the
// day's log key like live ones, unless the line is older than log.ip_full's
// retention (the Protector then keeps none).
//
// A file imported before is not imported twice (collect/log_imports.h): a run
// starts after the longest earlier import of the same content, so a log that has
// grown adds only its new lines, and one with nothing new adds nothing ("nothing
// new in FILE", exit 0). A run that stops part way records nothing. Standard
// input is always read whole.
//
// Exit codes: 0 at least one line imported, or nothing new; 1 nothing imported,
// FILE unreadable, or the store failed (rows committed before stay, and are not
// recorded: importing the file again adds them again); 2 bad flags or configuration.
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "accounts/accounts.h"
#include "accounts/outbox.h"
#include "cli/commands.h"
#include "cli/privacy_setup.h"
#include "collect/combined_log.h"
#include "collect/devices.h"
#include "collect/log_imports.h"
#include "collect/pipeline.h"
#include "collect/protector.h"
#include "collect/user_agent.h"
#include "core/config.h"
#include "core/random.h"
#include "crypto/pseudonymizer.h"
#include "crypto/secret_key.h"
#include "privacy/notice_versions.h"
#include "store/database.h"
#include "store/migrations.h"
#include "web/metrics.h"
#include "web/router.h"
#include "web/routes.h"

namespace yz::cli {
namespace {

constexpr std::size_t kChunkBytes = 1 << 20;    // lines handed to a worker at once
constexpr std::size_t kMaxLineBytes = 1 << 20;  // a longer line is reported, not parsed
constexpr std::size_t kBatchRows = 4000;        // rows per pipeline submission
constexpr std::size_t kReportedLines = 100;     // malformed lines shown in detail
// The salts cover every day of any log (days are never "too old" for this run).
constexpr int kSaltKeepDays = 1'000'000;

struct ImportFlags {
  ConfigFlags config;
  std::string file;
  std::string site;
  std::string rules{collect::kDefaultRegexesPath};
  std::string threads;              // empty: DefaultIoThreads() (one per core but one)
  std::vector<std::string> extras;  // what CLI11 could not place: a usage error
};

// Whole lines of FILE, numbered from first_line; or, with no data, a line the
// reader refused (too long).
struct Chunk {
  std::uint64_t seq = 0;
  std::uint64_t first_line = 1;
  std::string data;
  std::vector<std::pair<std::uint64_t, std::string_view>> refused;
};

// A bounded FIFO of chunks between the reader and the workers.
class ChunkQueue {
 public:
  explicit ChunkQueue(std::size_t capacity) : capacity_(capacity) {}
  // Waits for room; false once closed.
  bool Push(Chunk chunk) {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
    if (closed_) return false;
    queue_.push_back(std::move(chunk));
    ready_.notify_one();
    return true;
  }
  // Waits for a chunk; nullopt once closed and drained.
  std::optional<Chunk> Pop() {
    std::unique_lock lock(mu_);
    ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    Chunk c = std::move(queue_.front());
    queue_.pop_front();
    space_.notify_one();
    return c;
  }
  // No more pushes; `drop` also discards what is queued (the import failed).
  void Close(bool drop) {
    std::lock_guard lock(mu_);
    closed_ = true;
    if (drop) queue_.clear();
    ready_.notify_all();
    space_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mu_;  // guards everything below
  std::condition_variable ready_, space_;
  std::deque<Chunk> queue_;
  bool closed_ = false;
};

// Counters, the first fatal error, the ordered malformed-line report and the
// progress bar. Everything written to stderr goes through here, under one lock.
class Progress {
 public:
  Progress(std::uint64_t total_bytes, bool bar)
      : total_bytes_(total_bytes), bar_(bar), start_(std::chrono::steady_clock::now()) {}

  std::atomic<std::uint64_t> lines{0};      // parsed or refused
  std::atomic<std::uint64_t> bytes{0};      // of the lines above
  std::atomic<std::uint64_t> committed{0};  // rows the pipeline committed
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<bool> failed{false};

  void Fail(const Status& s) {
    std::lock_guard lock(mu_);
    if (!error_.ok()) return;
    error_ = s;
    failed = true;
  }
  Status error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

  // A worker finished chunk `seq`; prints its malformed lines once every earlier
  // chunk's are printed.
  void ChunkDone(std::uint64_t seq, std::vector<std::pair<std::uint64_t, std::string_view>> bad) {
    malformed += bad.size();
    std::lock_guard lock(mu_);
    pending_.emplace(seq, std::move(bad));
    for (auto it = pending_.begin(); it != pending_.end() && it->first == next_seq_;
         it = pending_.erase(it), ++next_seq_) {
      for (const auto& [line, why] : it->second) {
        if (++reported_ > kReportedLines) continue;
        ClearBarLocked();
        std::cerr << "line " << line << ": " << why << "\n";
      }
    }
  }

  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // Redraws the bar (a no-op when stderr is not a terminal).
  void Draw() {
    if (!bar_) return;
    std::lock_guard lock(mu_);
    const double s = std::max(Seconds(), 1e-3);
    const std::uint64_t n = lines.load();
    char text[160];
    if (total_bytes_ > 0) {
      const double done = std::min(1.0, static_cast<double>(bytes.load()) / total_bytes_);
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(done * kWidth);
      std::string bar(filled, '#');
      bar.resize(kWidth, '-');
      std::snprintf(text, sizeof text, "\r\033[K[%s] %3d%%  %llu lines  %.0f lines/s", bar.c_str(),
                    static_cast<int>(done * 100), static_cast<unsigned long long>(n), n / s);
    } else {
      std::snprintf(text, sizeof text, "\r\033[K%llu lines  %.0f lines/s",
                    static_cast<unsigned long long>(n), n / s);
    }
    std::cerr << text << std::flush;
    shown_ = true;
  }

  // Removes the bar and says how many malformed lines were not shown.
  void Finish() {
    std::lock_guard lock(mu_);
    ClearBarLocked();
    if (reported_ > kReportedLines) {
      std::cerr << "... and " << reported_ - kReportedLines << " more malformed lines\n";
    }
  }

 private:
  void ClearBarLocked() {
    if (!shown_) return;
    std::cerr << "\r\033[K";
    shown_ = false;
  }

  const std::uint64_t total_bytes_;  // 0: unknown (a pipe)
  const bool bar_;
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mu_;  // guards everything below, and stderr
  Status error_;
  std::map<std::uint64_t, std::vector<std::pair<std::uint64_t, std::string_view>>> pending_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t reported_ = 0;
  bool shown_ = false;
};

// The route table `serve` builds (web::BuildRoutes), for naming the parts of an
// imported path exactly as the server names a live request's. Only Router::Find is
// used: no handler ever runs, so the services the table is built over are inert
// stand-ins (an outbox nothing writes to, a random install-id key), wired as
// `serve` wires them so that every feature's routes are in the table. Built once per run (the account
// service's constructor hashes one dummy password, a few tens of milliseconds).
class ServerRoutes {
 public:
  ServerRoutes(store::Database& db, PrivacyStack& privacy, collect::Protector& protector,
               collect::Pipeline& pipeline)
      : outbox_(db, *privacy.gate, UnixNow),
        notices_(db, UnixNow),
        accounts_(db, *privacy.gate, *privacy.consents, outbox_, {}, UnixNow),
        devices_(db, *privacy.gate, *privacy.consents, *privacy.inventory,
                 crypto::SecretKey::Random(), std::to_string(privacy.notice_version), UnixNow),
        app_{db,
             metrics_,
             notices_,
             *privacy.gate,
             *privacy.consents,
             accounts_,
             std::to_string(privacy.notice_version),
             &devices_,
             &protector,
             &pipeline},
        router_(web::BuildRoutes(app_)) {}

  const web::Router& router() const { return router_; }

 private:
  accounts::Outbox outbox_;  // never written: no handler runs
  web::Metrics metrics_;
  privacy::NoticeVersions notices_;
  accounts::AccountService accounts_;
  collect::DeviceService devices_;
  web::App app_;
  const web::Router router_;  // read-only: shared by the workers
};

// Parses and protects the lines of chunks until the queue is drained.
void Work(ChunkQueue& queue, const web::Router& routes, collect::Protector& protector,
          collect::Pipeline& pipeline, Progress& progress, const std::string& run_id,
          const std::string& site) {
  pthread_setname_np(pthread_self(), "import-worker");  // in top -H and perf
  collect::CombinedLogParser parser;
  collect::LogLine line;
  collect::Batch batch;
  std::string request_id;
  std::vector<std::pair<std::string, std::string>> route_params;  // of the line's path
  std::string unrouted;  // the path of a line no route serves, cut to its first segment
  auto submit = [&] {
    const std::size_t rows = batch.access.size();
    if (rows == 0) return;
    auto done = [&progress, rows](const Status& s) {
      if (s.ok()) {
        progress.committed += rows;
      } else {
        progress.Fail(s);
      }
    };
    if (!pipeline.SubmitWait(std::move(batch), done)) {
      progress.Fail(Unavailable("the writer stopped"));
    }
    batch = collect::Batch{};
    batch.access.reserve(kBatchRows);
  };
  batch.access.reserve(kBatchRows);
  while (std::optional<Chunk> chunk = queue.Pop()) {
    if (progress.failed) continue;  // drain without work
    const std::size_t refused = chunk->refused.size();
    auto bad = std::move(chunk->refused);
    std::uint64_t number = chunk->first_line;
    std::string_view rest = chunk->data;
    collect::Protector::Keys keys;  // looked up once per day of the chunk
    while (!rest.empty() && !progress.failed) {
      const std::size_t nl = rest.find('\n');
      const std::string_view text = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      const std::uint64_t n = number++;
      if (!parser.Parse(text, line)) {
        bad.emplace_back(n, parser.error());
        continue;
      }
      request_id.assign(run_id);
      request_id += '-';
      request_id += std::to_string(n);
      collect::RequestFacts facts;
      facts.at = line.at;
      facts.request_id = request_id;
      facts.ip = line.client;
      facts.user_agent = line.user_agent;
      facts.referer = line.referer;
      facts.method = line.method;
      facts.path = line.path;
      facts.query = line.query;
      facts.status = line.status;
      facts.site = site;
      // C2.1, C2.2: the segments the server's route would capture are hidden,
      // and a path nobody serves keeps its first segment only, as for a live request.
      routes.Find(line.method, line.path, route_params);
      facts.route_params = route_params;
      web::HideUnroutedPath(facts, unrouted);
      const Status protected_row = protector.Access(facts, "import", keys, batch.access);
      if (protected_row.code() == Code::kInvalidArgument) {
        bad.emplace_back(n, "date lies in the future");
        continue;
      }
      if (!protected_row.ok()) {
        progress.Fail(protected_row);
        break;
      }
      if (batch.access.size() >= kBatchRows) submit();
    }
    progress.lines += number - chunk->first_line + refused;
    progress.bytes += chunk->data.size();
    progress.ChunkDone(chunk->seq, std::move(bad));
  }
  if (!progress.failed) submit();
}

// The newlines in `data`. memchr jumps from line to line with vector
// instructions; std::count looks at every byte and was ~1,000 instructions a
// log line, on a thread that shares the cores with the workers.
std::uint64_t CountLines(std::string_view data) {
  std::uint64_t n = 0;
  for (const char *p = data.data(), *end = p + data.size();
       (p = static_cast<const char*>(std::memchr(p, '\n', end - p))) != nullptr; ++p) {
    ++n;
  }
  return n;
}

// Reads `fd` into chunks of whole lines until EOF, an error or a failed import;
// `line` is the number of the first line read, and then of the line after the last.
Status Read(int fd, ChunkQueue& queue, Progress& progress, std::uint64_t& line) {
  std::string carry;  // the start of a line the last read cut
  std::uint64_t seq = 0;
  bool skipping = false;  // inside a line longer than kMaxLineBytes
  for (bool eof = false; !eof && !progress.failed;) {
    Chunk chunk;
    chunk.data = std::move(carry);
    carry.clear();
    const std::size_t kept = chunk.data.size();
    chunk.data.resize(kept + kChunkBytes);
    std::size_t got = kept;
    while (got < chunk.data.size()) {
      const ssize_t n = ::read(fd, chunk.data.data() + got, chunk.data.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Unavailable(std::string("read failed: ") + std::strerror(errno));
      if (n == 0) {
        eof = true;
        break;
      }
      got += static_cast<std::size_t>(n);
    }
    chunk.data.resize(got);
    if (skipping) {
      const std::size_t nl = chunk.data.find('\n');
      if (nl == std::string::npos) continue;
      chunk.data.erase(0, nl + 1);
      skipping = false;
    }
    const std::size_t last_nl = chunk.data.rfind('\n');
    if (!eof) {
      if (last_nl == std::string::npos) {
        if (chunk.data.size() < kMaxLineBytes) {
          carry = std::move(chunk.data);
          continue;
        }
        // A line this long is no log line; say so and skip the rest of it.
        Chunk refused{.seq = seq++, .first_line = line++};
        refused.refused.emplace_back(refused.first_line, "line longer than 1 MiB");
        if (!queue.Push(std::move(refused))) break;
        skipping = true;
        continue;
      }
      carry.assign(chunk.data, last_nl + 1);
      chunk.data.resize(last_nl + 1);
    }
    if (chunk.data.empty()) continue;
    chunk.seq = seq++;
    chunk.first_line = line;
    line += CountLines(chunk.data);
    if (chunk.data.back() != '\n') ++line;  // the last line, without newline
    if (!queue.Push(std::move(chunk))) break;
  }
  return Status::Ok();
}

int Fail(const Status& s) {
  std::cerr << "yzcloud import-log: " << s.message() << "\n";
  return 1;
}

int Import(const ImportFlags& flags) {
  // Usage errors exit 2 (CLI11's own codes are 100 and up), so they are checked here.
  auto usage = [](const std::string& why) {
    std::cerr << "yzcloud import-log: " << why << "\nRun with --help for more information.\n";
    return 2;
  };
  if (!flags.extras.empty()) return usage("unexpected argument " + flags.extras.front());
  if (flags.file.empty()) return usage("FILE is required (`-` reads stdin)");
  // One per core but one, which the SQLite writer keeps busy (bench/README.md).
  unsigned workers = static_cast<unsigned>(DefaultIoThreads());
  if (!flags.threads.empty()) {
    const char* end = flags.threads.data() + flags.threads.size();
    auto [p, ec] = std::from_chars(flags.threads.data(), end, workers);
    if (ec != std::errc() || p != end || workers < 1 || workers > 256) {
      return usage("--threads must be 1..256");
    }
  }
  Config config;
  if (!flags.config.Load(config)) return 2;
  // The file first: a wrong path should fail before anything is created.
  const bool from_stdin = flags.file == "-";
  const int fd = from_stdin ? STDIN_FILENO : ::open(flags.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(NotFound("cannot open " + flags.file + ": " + std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    return Fail(InvalidArgument("cannot read " + flags.file + ": not a file"));
  }
  std::uint64_t total_bytes = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
  const bool tracked = S_ISREG(st.st_mode) && !from_stdin;  // see collect/log_imports.h
  if (!from_stdin) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  // Compiling uap-core's rules takes about a quarter of a second: meanwhile, open the store.
  auto ua_loading = std::async(std::launch::async,
                               [&flags] { return collect::UserAgentParser::Load(flags.rules); });
  auto db = store::Open(config.DatabaseUrl(), 4);
  if (!db.ok()) return Fail(db.status());
  if (Status s = store::Migrate(**db); !s.ok()) return Fail(s);
  auto privacy = OpenPrivacyStack(config, **db, UnixNow);
  if (!privacy.ok()) {
    return Fail(Status(privacy.status().code(),
                       privacy.status().message() +
                           "; or publish it with `yzcloud policy publish` before importing"));
  }
  if ((*privacy)->inventory->Find("log.ip_full") == nullptr) {
    return Fail(FailedPrecondition("published notice version " +
                                   std::to_string((*privacy)->notice_version) +
                                   " does not declare log.ip_full: publish the current one with "
                                   "`yzcloud policy publish`"));
  }
  // A file imported before continues where that import ended (collect/log_imports.h).
  // Standard input is read whole, every time: it names no file.
  collect::LogPosition start;
  if (tracked) {
    auto conn = (*db)->Acquire();
    if (!conn.ok()) return Fail(conn.status());
    auto resume = collect::ResumePoint(**conn, fd, total_bytes);
    if (!resume.ok()) return Fail(resume.status());
    start = *resume;
  }
  if (start.bytes > 0 && start.bytes == total_bytes) {
    std::cout << "nothing new in " << flags.file << ": its " << start.lines
              << " lines were imported before" << std::endl;
    return 0;
  }
  if (start.bytes > 0) {
    std::cerr << flags.file << ": lines 1-" << start.lines
              << " were imported before; importing from line " << start.lines + 1 << "\n";
    if (::lseek(fd, static_cast<off_t>(start.bytes), SEEK_SET) < 0) {
      return Fail(Unavailable("cannot seek in " + flags.file + ": " + std::strerror(errno)));
    }
    total_bytes -= start.bytes;
  }
  auto ua = ua_loading.get();
  if (!ua.ok()) return Fail(ua.status());

  crypto::Pseudonymizer salts(&std::chrono::system_clock::now, kSaltKeepDays);
  collect::Protector protector(*(*privacy)->gate, *(*privacy)->inventory, salts, UnixNow);
  protector.SetParser(ua->get());

  Progress progress(total_bytes, isatty(STDERR_FILENO) == 1);
  ChunkQueue queue(2 * workers);
  const std::string run_id = RandomHex(4);
  Status read_status;
  std::uint64_t next_line = start.lines + 1;
  {
    collect::Pipeline pipeline(**db, {.capacity = 16 * kBatchRows, .max_batch_rows = 20'000});
    const ServerRoutes routes(**db, **privacy, protector, pipeline);
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < workers; ++i) {
      threads.emplace_back(Work, std::ref(queue), std::cref(routes.router()), std::ref(protector),
                           std::ref(pipeline), std::ref(progress), std::cref(run_id),
                           std::cref(flags.site));
    }
    std::atomic<bool> running{true};
    std::thread ticker([&] {
      while (running) {
        progress.Draw();
        for (int i = 0; i < 10 && running; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
    });
    read_status = Read(fd, queue, progress, next_line);
    if (!read_status.ok()) progress.Fail(read_status);
    queue.Close(/*drop=*/progress.failed);
    for (auto& t : threads) t.join();
    pipeline.Stop();  // commits what is queued; every Done has run after this
    running = false;
    ticker.join();
  }
  progress.Finish();

  const double seconds = progress.Seconds();
  const std::uint64_t imported = progress.committed, malformed = progress.malformed;
  char summary[200];
  std::snprintf(
      summary, sizeof summary, "imported %llu lines (%llu malformed) in %.1f s, %.0f lines/s",
      static_cast<unsigned long long>(imported), static_cast<unsigned long long>(malformed),
      seconds, static_cast<double>(progress.lines) / std::max(seconds, 1e-3));
  std::cout << summary << std::endl;
  if (Status s = progress.error(); !s.ok()) {
    return Fail(Status(s.code(), "stopped: " + s.message() + " (the " + std::to_string(imported) +
                                     " lines imported before stay; importing the file again "
                                     "would add them again)"));
  }
  if (imported == 0) return Fail(InvalidArgument("no line of " + flags.file + " was imported"));
  if (tracked) {
    // Everything up to where reading stopped (EOF) went through the pipeline.
    const off_t end = ::lseek(fd, 0, SEEK_CUR);
    auto conn = (*db)->Acquire();
    Status recorded =
        end < 0     ? Unavailable(std::string("lseek: ") + std::strerror(errno))
        : conn.ok() ? collect::RecordImport(
                          **conn, fd, {static_cast<std::uint64_t>(end), next_line - 1}, UnixNow())
                    : conn.status();
    if (!recorded.ok()) {
      return Fail(Status(recorded.code(),
                         "the lines are imported, but the import could not be "
                         "recorded (importing " +
                             flags.file + " again would repeat them): " + recorded.message()));
    }
  }
  return 0;
}

}  // namespace

void AddImportLog(CLI::App& app, std::function<int()>& run) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "import-log",
      "Import an nginx/Apache access log (combined or common format) through the collector's "
      "protections");
  cmd->add_option("FILE", flags->file,
                  "Access log to import (only lines added since an earlier import of it); - reads "
                  "stdin");
  cmd->add_option("--site", flags->site, "Site the log belongs to (its domain); default none");
  cmd->add_option("--threads", flags->threads,
                  "Parsing threads (default: one per core but one, at least one)");
  cmd->add_option("--rules", flags->rules, "uap-core regexes.yaml")->capture_default_str();
  cmd->add_option("--config", flags->config.config_file, "TOML configuration file");
  flags->config.Add(cmd, "--data-dir", "data_dir", "Folder for the SQLite store and keys");
  flags->config.Add(cmd, "--database", "database", "SQLite path or postgres://URL");
  flags->config.Add(cmd, "--key-dir", "key_dir", "Folder of the master and blind-index keys");
  flags->config.Add(cmd, "--keystore", "keystore", "SQLite path or postgres://URL of the keystore");
  cmd->allow_extras();
  cmd->callback([flags, cmd, &run] {
    flags->extras = cmd->remaining();
    run = [flags] { return Import(*flags); };
  });
}

}  // namespace yz::cli
