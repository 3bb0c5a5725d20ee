// What import-log remembers of the files it imported (issue 5 point 7), on both
// backends: a file is recognised by content, an appended file resumes after the
// longest earlier import, and a changed or shortened file starts over.
#include "collect/log_imports.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "../store_fixture.h"

namespace yz::collect {
namespace {

class LogImportsTest : public yz::testing::StoreTest {
 protected:
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    StoreTest::TearDown();
  }

  // (Re)writes the log with `text` and opens it, as import-log does.
  int Log(const std::string& text) {
    if (fd_ >= 0) ::close(fd_);
    const std::string path = (dir_ / "access.log").string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EXPECT_GE(fd_, 0);
    return fd_;
  }

  LogPosition Resume(const std::string& text) {
    const int fd = Log(text);
    auto conn = db_->Acquire();
    EXPECT_TRUE(conn.ok()) << conn.status().message();
    auto p = ResumePoint(**conn, fd, text.size());
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? *p : LogPosition{};
  }

  void Record(const std::string& text, LogPosition end) {
    const int fd = Log(text);
    auto conn = db_->Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    Status s = RecordImport(**conn, fd, end, now_());
    ASSERT_TRUE(s.ok()) << s.message();
  }

  static std::string Lines(int from, int to) {  // more than 64 KiB at 1,000 lines
    std::string out;
    for (int i = from; i <= to; ++i) {
      out += "198.51.100." + std::to_string(i % 250) + " - - [29/Nov/2026:10:00:00 +0800] \"GET /" +
             std::to_string(i) + " HTTP/1.1\" 200 " + std::to_string(i) + "\n";
    }
    return out;
  }

  int fd_ = -1;
};

TEST_P(LogImportsTest, ANewFileStartsAtTheBeginning) {  // issue 5 point 7
  EXPECT_EQ(Resume(Lines(1, 10)).bytes, 0u);
}

TEST_P(LogImportsTest, AGrownFileResumesAfterTheLongestEarlierImport) {  // issue 5 point 7
  const std::string first = Lines(1, 1000), second = first + Lines(1001, 1500);
  ASSERT_GT(first.size(), 65536u) << "the tail window must not reach the head";
  Record(first, {first.size(), 1000});
  Record(second, {second.size(), 1500});
  LogPosition p = Resume(second + Lines(1501, 1600));
  EXPECT_EQ(p.bytes, second.size());
  EXPECT_EQ(p.lines, 1500u);
  // The same file, nothing appended: the whole of it was imported.
  p = Resume(second);
  EXPECT_EQ(p.bytes, second.size());
  EXPECT_EQ(p.lines, 1500u);
  // A copy cut back to the first import's end resumes there.
  EXPECT_EQ(Resume(first).lines, 1000u);
}

TEST_P(LogImportsTest, SmallFilesAreRecognisedWhole) {  // issue 5 point 7
  const std::string tiny = Lines(1, 3);                 // shorter than the 4 KiB head
  Record(tiny, {tiny.size(), 3});
  EXPECT_EQ(Resume(tiny + Lines(4, 5)).lines, 3u);
}

TEST_P(LogImportsTest, ADifferentOrRewrittenFileStartsOver) {  // issue 5 point 7
  const std::string log = Lines(1, 1000);
  Record(log, {log.size(), 1000});
  // Another log entirely.
  EXPECT_EQ(Resume(Lines(2000, 3000)).bytes, 0u);
  // Same beginning, but the lines before the recorded end differ (rewritten).
  std::string rewritten = log;
  rewritten[rewritten.size() - 10] = 'X';
  EXPECT_EQ(Resume(rewritten + Lines(1001, 1002)).bytes, 0u);
  // Same end, different first line.
  std::string other_head = log;
  other_head[0] = '2';
  EXPECT_EQ(Resume(other_head).bytes, 0u);
  // Shorter than what was imported: not the same file grown.
  EXPECT_EQ(Resume(log.substr(0, log.size() / 2)).bytes, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, LogImportsTest, yz::testing::kBothBackends,
                         yz::testing::BackendName);

}  // namespace
}  // namespace yz::collect
