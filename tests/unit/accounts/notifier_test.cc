// The outbox queue on both backends (SQLite temp files, the PostgreSQL of
// YZCLOUD_TEST_PG), the outbox file channel, and SMTP against a small SMTP server in
// Python that this test starts on loopback.
#include "accounts/notifier.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "../store_fixture.h"
#include "accounts/outbox.h"

extern char** environ;

namespace yz::accounts {
namespace {

using store::Backend;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class NotifierTest : public yz::testing::GateTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(GateTest::SetUp());
    outbox_ = std::make_unique<Outbox>(*db_, *gate_, now_);
  }
  void TearDown() override {
    outbox_.reset();
    GateTest::TearDown();
  }

  static Message CodeMessage(std::string account, std::string to, std::string code) {
    return Message{std::move(account), std::move(to), "永州工业云验证码",
                   "您的验证码是 " + code + "，10 分钟内有效。", code};
  }

  std::unique_ptr<Outbox> outbox_;
};

TEST_P(NotifierTest, QueuesSealedMessagesAndListsThemThroughTheGate) {  // C1.1, C2.4
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-1", "13800138000", "493817")).ok());
  clock_ += 5;
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-2", "wang@example.cn", "120934")).ok());
  auto listed = outbox_->List("cli:outbox");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].account, "acct-1");
  EXPECT_EQ((*listed)[0].to, "13800138000");
  EXPECT_EQ((*listed)[0].subject, "永州工业云验证码");
  EXPECT_EQ((*listed)[0].code, "493817");
  EXPECT_EQ((*listed)[0].created_at, 1'800'000'000);
  EXPECT_EQ((*listed)[1].to, "wang@example.cn");
  EXPECT_EQ((*listed)[1].created_at, 1'800'000'005);
  // Reading someone's messages is an access the account holder can see.
  auto accesses = gate_->Accesses("acct-1");
  ASSERT_TRUE(accesses.ok());
  ASSERT_EQ(accesses->size(), 1u);
  EXPECT_EQ((*accesses)[0].field, "notification.message");
  EXPECT_EQ((*accesses)[0].actor, "cli:outbox");
}

TEST_P(NotifierTest, AppendsOneJsonLinePerMessageToAPrivateFile) {  // C4.1
  FileNotifier file(dir_ / "outbox.jsonl");
  Message code = CodeMessage("acct-1", "13800138000", "493817");
  code.created_at = 1'800'000'000;
  ASSERT_TRUE(file.Send(code).ok());
  ASSERT_TRUE(
      file.Send(Message{"acct-1", "13800138000", "安全提醒", "有人登录了您的账号", ""}).ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "outbox.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::istringstream lines(ReadFile(dir_ / "outbox.jsonl"));
  std::vector<boost::json::object> objects;
  for (std::string line; std::getline(lines, line);) {
    objects.push_back(boost::json::parse(line).as_object());
  }
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].at("to").as_string(), "13800138000");
  EXPECT_EQ(objects[0].at("code").as_string(), "493817");
  EXPECT_EQ(objects[0].at("created_at").as_int64(), 1'800'000'000);
  EXPECT_EQ(objects[1].at("subject").as_string(), "安全提醒");
  EXPECT_EQ(objects[1].at("code").as_string(), "");
  EXPECT_FALSE(objects[0].contains("account"));
}

TEST_P(NotifierTest, TheOutboxTableHoldsNoPlaintext) {  // C2.4, C4.1
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-1", "13800138000", "493817")).ok());
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-2", "wang.xiaoming@example.cn", "120934")).ok());
  const std::vector<std::string> secrets = {"13800138000", "wang.xiaoming@example.cn", "493817",
                                            "120934", "验证码"};
  // Every column of every row, as the backend returns it.
  for (const store::Row& row : Query("SELECT * FROM outbox")) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      const std::string cell = row.Text(i);
      for (const auto& s : secrets) EXPECT_EQ(cell.find(s), std::string::npos) << s;
    }
  }
  if (GetParam() == Backend::kSqlite) {
    // The bytes on disk: the database file after a checkpoint, and what is left of the WAL.
    FlushToFiles();
    const std::string file = ReadFile(dir_ / "data.db") + ReadFile(dir_ / "data.db-wal");
    ASSERT_FALSE(file.empty());
    for (const auto& s : secrets) EXPECT_EQ(file.find(s), std::string::npos) << s;
  }
}

TEST_P(NotifierTest, AMessageMovedToAnotherRowNoLongerOpens) {  // C2.4, C4.1
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-1", "13800138000", "111111")).ok());
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-1", "13800138000", "222222")).ok());
  auto conn = db_->Acquire();
  ASSERT_TRUE((*conn)
                  ->ExecScript("UPDATE outbox SET sealed = (SELECT sealed FROM outbox "
                               "WHERE id = (SELECT MIN(id) FROM outbox)) "
                               "WHERE id = (SELECT MAX(id) FROM outbox)")
                  .ok());
  auto listed = outbox_->List("cli:outbox");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].code, "111111");
}

TEST_P(NotifierTest, AnErasedAccountsMessagesAreSkipped) {  // C2.4 (crypto-shredding)
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-1", "13800138000", "111111")).ok());
  ASSERT_TRUE(outbox_->Send(CodeMessage("acct-2", "13900139000", "222222")).ok());
  ASSERT_TRUE(gate_->Erase("acct-1").ok());
  auto listed = outbox_->List("cli:outbox");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].account, "acct-2");
}

TEST_P(NotifierTest, MakeNotifierWithoutSmtpWritesTheOutboxFile) {  // C1.1
  Config config;
  config.data_dir = (dir_ / "data").string();
  auto notifier = MakeNotifier(config);
  ASSERT_TRUE(notifier.ok()) << notifier.status().ToString();
  ASSERT_TRUE((*notifier)->Send(CodeMessage("acct-1", "wang@example.cn", "333333")).ok());
  EXPECT_NE(ReadFile(dir_ / "data" / "outbox.jsonl").find("333333"), std::string::npos);
}

// issue 15 defect 7: a file that cannot be written is an error that names no recipient.
TEST_P(NotifierTest, AnUnwritableFileIsUnavailableWithoutTheRecipient) {   // C4.1
  std::filesystem::create_directories(dir_ / "blocked" / "outbox.jsonl");  // a dir in its place
  FileNotifier file(dir_ / "blocked" / "outbox.jsonl");
  Status s = file.Send(CodeMessage("acct-1", "wang@example.cn", "333333"));
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message().find("wang@example.cn"), std::string::npos);
}

TEST_P(NotifierTest, MakeNotifierRefusesABadSmtpConfiguration) {
  Config config;
  config.data_dir = dir_.string();
  config.smtp_url = "http://mail.example.cn";
  config.smtp_from = "noreply@example.cn";
  EXPECT_EQ(MakeNotifier(config).status().code(), Code::kInvalidArgument);
  config.smtp_url = "smtp://127.0.0.1:25";
  config.smtp_from = "";
  EXPECT_EQ(MakeNotifier(config).status().code(), Code::kInvalidArgument);
}

// --- SMTP ---------------------------------------------------------------------------

// Enough of RFC 5321 for libcurl: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
// Prints its port, writes each received message as JSON (envelope plus the parsed
// headers and body) to OUT_DIR/N.json, and exits by itself after 60 s.
constexpr const char* kSmtpServer = R"py(
import asyncio, email, email.policy, json, os, sys
out_dir = sys.argv[1]
count = 0
async def session(reader, writer):
    global count
    def send(line):
        writer.write((line + "\r\n").encode())
    send("220 test ESMTP")
    mail_from, rcpt = None, []
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = line.decode("utf-8", "replace").rstrip("\r\n")
        verb = cmd[:4].upper()
        if verb == "EHLO" or verb == "HELO":
            send("250 test")
        elif verb == "MAIL":
            mail_from, rcpt = cmd[10:].strip(), []
            send("250 OK")
        elif verb == "RCPT":
            rcpt.append(cmd[8:].strip())
            send("250 OK")
        elif verb == "DATA":
            send("354 go ahead")
            await writer.drain()
            data = b""
            while True:
                l = await reader.readline()
                if l in (b".\r\n", b".\n", b""):
                    break
                data += l[1:] if l.startswith(b".") else l
            msg = email.message_from_bytes(data, policy=email.policy.default)
            count += 1
            with open(os.path.join(out_dir, "%d.json.tmp" % count), "w") as f:
                json.dump({"mail_from": mail_from, "rcpt": rcpt, "from": str(msg["from"]),
                           "to": str(msg["to"]), "subject": str(msg["subject"]),
                           "body": msg.get_content()}, f)
            os.rename(os.path.join(out_dir, "%d.json.tmp" % count),
                      os.path.join(out_dir, "%d.json" % count))
            send("250 queued")
        elif verb == "QUIT":
            send("221 bye")
            await writer.drain()
            break
        elif verb in ("RSET", "NOOP"):
            send("250 OK")
        else:
            send("502 not implemented")
        await writer.drain()
    writer.close()
async def main():
    server = await asyncio.start_server(session, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(60)
asyncio.run(main())
)py";

class SmtpServer {
 public:
  explicit SmtpServer(const std::filesystem::path& dir) : dir_(dir) {
    std::filesystem::create_directories(dir_ / "mail");
    std::ofstream(dir_ / "smtp_server.py") << kSmtpServer;
    int out[2];
    if (::pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const std::string script = (dir_ / "smtp_server.py").string();
    const std::string mail = (dir_ / "mail").string();
    char* argv[] = {const_cast<char*>("python3"), const_cast<char*>(script.c_str()),
                    const_cast<char*>(mail.c_str()), nullptr};
    if (posix_spawnp(&pid_, "python3", &actions, nullptr, argv, environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    port_ = std::atoi(line.c_str());
  }
  ~SmtpServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  // The n-th message received (1-based), waiting up to 10 s for it.
  boost::json::object Received(int n) const {
    const auto path = dir_ / "mail" / (std::to_string(n) + ".json");
    for (int i = 0; i < 200 && !std::filesystem::exists(path); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!std::filesystem::exists(path)) return {};
    return boost::json::parse(ReadFile(path)).as_object();
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// SMTP does not depend on the backend: SQLite only.
class SmtpNotifierTest : public NotifierTest {};

TEST_P(SmtpNotifierTest, SendsEmailAndPhonesStillGoToTheOutbox) {  // C1.1
  SmtpServer server(dir_ / "smtp");
  ASSERT_GT(server.port(), 0) << "python3 SMTP test server did not start";
  Config config;
  config.data_dir = dir_.string();
  config.smtp_url = "smtp://127.0.0.1:" + std::to_string(server.port());
  config.smtp_from = "noreply@yzcloud.example.cn";
  auto notifier = MakeNotifier(config);
  ASSERT_TRUE(notifier.ok()) << notifier.status().ToString();

  Message m = CodeMessage("acct-1", "wang@example.cn", "493817");
  m.body += "\n.\n行首的点也照样送达。";  // a lone '.' must not end the DATA early
  Status sent = (*notifier)->Send(m);
  ASSERT_TRUE(sent.ok()) << sent.ToString();
  boost::json::object got = server.Received(1);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.at("mail_from").as_string(), "<noreply@yzcloud.example.cn>");
  ASSERT_EQ(got.at("rcpt").as_array().size(), 1u);
  EXPECT_EQ(got.at("rcpt").as_array()[0].as_string(), "<wang@example.cn>");
  EXPECT_EQ(got.at("to").as_string(), "wang@example.cn");
  EXPECT_EQ(got.at("subject").as_string(), "永州工业云验证码");
  std::string body(got.at("body").as_string());
  std::erase(body, '\r');
  EXPECT_EQ(body, m.body);
  // E-mail went over SMTP only; nothing in the outbox file.
  EXPECT_EQ(ReadFile(dir_ / "outbox.jsonl").find("493817"), std::string::npos);

  ASSERT_TRUE((*notifier)->Send(CodeMessage("acct-1", "13800138000", "120934")).ok());
  EXPECT_NE(ReadFile(dir_ / "outbox.jsonl").find("120934"), std::string::npos);
}

TEST_P(SmtpNotifierTest, ServerDownIsUnavailableAndHeaderInjectionIsRefused) {  // C1.1
  Config config;
  config.data_dir = dir_.string();
  config.smtp_url = "smtp://127.0.0.1:1";  // nothing listens on port 1
  config.smtp_from = "noreply@yzcloud.example.cn";
  auto notifier = MakeNotifier(config);
  ASSERT_TRUE(notifier.ok());
  Status s = (*notifier)->Send(CodeMessage("acct-1", "wang@example.cn", "493817"));
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message().find("wang@example.cn"), std::string::npos);
  EXPECT_EQ((*notifier)->Send(CodeMessage("acct-1", "bad\r\nBcc: x@y.z", "1")).code(),
            Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, NotifierTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Sqlite, SmtpNotifierTest, ::testing::Values(Backend::kSqlite),
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::accounts
