#include "runner/watch.h"

#include <fcntl.h>
#include <poll.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// An empty folder of the test's own under the system's temporary folder.
fs::path fresh_folder() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path folder = fs::temp_directory_path() / fmt::format("gradlings-watch-test-{}-{}-{}",
                                                            ::getpid(), test->test_suite_name(),
                                                            test->name());
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// Writes `text` in three parts with pauses, as an editor that truncates the
// file and then writes it piece by piece does.
void write_in_parts(const fs::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  std::size_t part = text.size() / 3;
  for (std::size_t start = 0; start < text.size(); start += part) {
    std::this_thread::sleep_for(15ms);
    std::string piece = text.substr(start, part);
    ASSERT_EQ(::write(fd, piece.data(), piece.size()), static_cast<ssize_t>(piece.size()));
  }
  ::close(fd);
}

// The debounce here is longer than the runner's, so that a test thread that
// is descheduled between two writes on a busy machine still gets one save.
WatchSettings settings_for_test(bool poll) {
  WatchSettings settings;
  settings.poll = poll;
  settings.debounce = 200ms;
  settings.poll_interval = 20ms;
  return settings;
}

// Each test runs with inotify and with polling.
class FileWatcherTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    folder_ = fresh_folder();
    file_ = folder_ / "exercise.cpp";
    write_text(file_, "int first_version;\n");
  }
  void TearDown() override { fs::remove_all(folder_); }

  fs::path folder_;
  fs::path file_;
};

TEST_P(FileWatcherTest, ModeIsTheRequestedOne) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  EXPECT_EQ(watcher.polling(), GetParam());
  EXPECT_EQ(watcher.fallback_reason(), "");
  EXPECT_EQ(watcher.fd() < 0, GetParam());
}

TEST_P(FileWatcherTest, NoSaveWithoutChange) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  EXPECT_FALSE(watcher.wait(400ms));
}

TEST_P(FileWatcherTest, SeveralWritesAreOneSave) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  write_in_parts(file_, "int second_version_written_in_three_parts;\n");

  EXPECT_TRUE(watcher.wait(2000ms));
  EXPECT_FALSE(watcher.wait(400ms));
}

TEST_P(FileWatcherTest, SaveSettlesOnlyAfterDebounce) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  write_text(file_, "int second_version;\n");
  auto saved = std::chrono::steady_clock::now();

  ASSERT_TRUE(watcher.wait(2000ms));
  EXPECT_GE(std::chrono::steady_clock::now() - saved, 200ms);
}

TEST_P(FileWatcherTest, RenameOverIsOneSave) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  fs::path temporary = folder_ / ".exercise.cpp.swp";
  write_text(temporary, "int second_version;\n");
  fs::rename(temporary, file_);

  EXPECT_TRUE(watcher.wait(2000ms));
  EXPECT_FALSE(watcher.wait(400ms));
}

// vim's default: move the file to a backup, write a new file, delete the
// backup.
TEST_P(FileWatcherTest, BackupThenNewFileIsOneSave) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  fs::path backup = folder_ / "exercise.cpp~";
  fs::rename(file_, backup);
  write_text(file_, "int second_version;\n");
  fs::remove(backup);

  EXPECT_TRUE(watcher.wait(2000ms));
  EXPECT_FALSE(watcher.wait(400ms));
}

TEST_P(FileWatcherTest, SameSizeRewriteIsSave) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  auto modified = fs::last_write_time(file_);
  write_text(file_, "int second_version;\n");  // as long as the first
  fs::last_write_time(file_, modified + 1s);

  EXPECT_TRUE(watcher.wait(2000ms));
}

TEST_P(FileWatcherTest, OtherFilesAreIgnored) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  write_text(folder_ / "notes.txt", "a file beside the exercise\n");
  fs::rename(folder_ / "notes.txt", folder_ / "exercise.cpp.orig");

  EXPECT_FALSE(watcher.wait(400ms));
}

TEST_P(FileWatcherTest, DeletedFileIsNoSave) {
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  fs::remove(file_);

  EXPECT_FALSE(watcher.wait(400ms));
}

TEST_P(FileWatcherTest, NewFileReplacesOld) {
  fs::path other = folder_ / "second" / "exercise.cpp";
  fs::create_directories(other.parent_path());
  write_text(other, "int other;\n");
  FileWatcher watcher(settings_for_test(GetParam()));
  watcher.watch(file_);
  watcher.watch(other);

  write_text(file_, "int second_version_of_the_old_file;\n");
  EXPECT_FALSE(watcher.wait(400ms));
  write_text(other, "int second_version_of_the_new_file;\n");
  EXPECT_TRUE(watcher.wait(2000ms));
}

INSTANTIATE_TEST_SUITE_P(Modes, FileWatcherTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Polling" : "Inotify"; });

TEST(FileWatcherFallback, MissingFolderFallsBackToPolling) {
  fs::path folder = fresh_folder();
  fs::path file = folder / "later" / "exercise.cpp";
  FileWatcher watcher(settings_for_test(false));
  watcher.watch(file);

  EXPECT_TRUE(watcher.polling());
  EXPECT_EQ(watcher.fallback_reason(),
            fmt::format("inotify_add_watch failed on '{}': No such file or directory",
                        (folder / "later").string()));

  fs::create_directories(file.parent_path());
  write_text(file, "int created;\n");
  EXPECT_TRUE(watcher.wait(2000ms));
  fs::remove_all(folder);
}

TEST(KeyReader, PipeKeysArriveInOrder) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  KeyReader keys(fds[0]);
  EXPECT_FALSE(keys.is_terminal());
  EXPECT_EQ(keys.read_available(), "");

  ASSERT_EQ(::write(fds[1], "nhq", 3), 3);
  EXPECT_EQ(keys.read_available(), "nhq");
  EXPECT_FALSE(keys.at_end());

  ::close(fds[1]);
  EXPECT_EQ(keys.read_available(), "");
  EXPECT_TRUE(keys.at_end());
  ::close(fds[0]);
}

// A pseudo-terminal in canonical mode with echo, as a shell leaves it.
struct Pty {
  Pty() {
    EXPECT_EQ(::openpty(&controller, &terminal, nullptr, nullptr, nullptr), 0);
    EXPECT_EQ(::tcgetattr(terminal, &original), 0);
  }
  ~Pty() {
    ::close(controller);
    ::close(terminal);
  }
  tcflag_t local_flags() const {
    termios mode{};
    ::tcgetattr(terminal, &mode);
    return mode.c_lflag;
  }

  int controller = -1;
  int terminal = -1;
  termios original{};
};

TEST(KeyReader, TerminalModeIsRestored) {
  Pty pty;
  ASSERT_NE(pty.original.c_lflag & ICANON, 0u);
  ASSERT_NE(pty.original.c_lflag & ECHO, 0u);
  {
    KeyReader keys(pty.terminal);
    EXPECT_TRUE(keys.is_terminal());
    EXPECT_EQ(pty.local_flags() & (ICANON | ECHO), 0u);
    EXPECT_NE(pty.local_flags() & ISIG, 0u);  // Ctrl-C still sends SIGINT

    ASSERT_EQ(::write(pty.controller, "l", 1), 1);  // no Enter needed
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(keys.read_available(), "l");
  }
  EXPECT_EQ(pty.local_flags(), pty.original.c_lflag);
}

TEST(KeyReader, TerminalModeIsRestoredOnSignal) {
  for (int signal : {SIGINT, SIGTERM}) {
    Pty pty;
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      KeyReader keys(pty.terminal);
      ::raise(signal);
      ::_exit(0);  // not reached: the signal ends the process
    }

    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status)) << strsignal(signal);
    EXPECT_EQ(WTERMSIG(status), signal);
    EXPECT_EQ(pty.local_flags(), pty.original.c_lflag) << strsignal(signal);
  }
}

// Runs run_watch_loop in a thread on three lessons, numbered 1 to 3, whose
// exercises are files in a scratch folder. Keys go in through a pipe, and the
// hooks log each call.
class WatchLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fresh_folder();
    for (int number : {1, 2, 3}) {
      fs::create_directories(folder_ / std::to_string(number));
      write_text(exercise(number - 1), "int stub;\n");
    }
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    key_read_ = fds[0];
    key_write_ = fds[1];

    options_.lesson_numbers = {1, 2, 3};
    options_.settings.debounce = 30ms;
    options_.settings.poll_interval = 20ms;
    options_.key_fd = key_read_;
    hooks_.open_lesson = [this](int index) {
      log(fmt::format("open {}", index));
      return exercise_for_lesson(index);
    };
    hooks_.check = [this](int index, int cancel_fd) {
      log(fmt::format("check {}", index));
      CheckRunning running(*this);
      if (during_check_) {
        auto action = std::exchange(during_check_, nullptr);
        action();
      }
      if (slow_checks_ > 0) {
        --slow_checks_;
        // A check that runs for 5 s unless cancelled, as a program in an
        // endless loop does.
        pollfd entry{cancel_fd, POLLIN, 0};
        if (::poll(&entry, 1, 5000) == 1) {
          log(fmt::format("cancelled {}", index));
          return true;  // which the loop must ignore
        }
      }
      return passing_.contains(index);
    };
    hooks_.show_hint = [this](int index) { log(fmt::format("hint {}", index)); };
    hooks_.show_list = [this] { log("list"); };
    hooks_.print = [this](const std::string& text) {
      std::lock_guard lock(mutex_);
      output_ += text;
    };
  }

  void TearDown() override {
    if (key_write_ >= 0) {
      ::close(key_write_);
    }
    if (loop_.valid()) {
      loop_.wait();
    }
    ::close(key_read_);
    fs::remove_all(folder_);
  }

  fs::path exercise(int index) const {
    return folder_ / std::to_string(index + 1) / "exercise.cpp";
  }

  // The file that open_lesson returns; tests may point it elsewhere.
  virtual fs::path exercise_for_lesson(int index) const { return exercise(index); }

  void log(const std::string& event) {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
    logged_.notify_all();
  }

  void start() {
    loop_ = std::async(std::launch::async, [this] { run_watch_loop(options_, hooks_); });
  }

  void press(const std::string& keys) {
    ASSERT_EQ(::write(key_write_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }

  // Waits until the hooks have logged `count` events, for at most 5 s, and
  // returns the log.
  std::vector<std::string> events_after(std::size_t count) {
    std::unique_lock lock(mutex_);
    logged_.wait_for(lock, 5s, [&] { return events_.size() >= count; });
    return events_;
  }

  // Counts a check hook as running for its lifetime.
  class CheckRunning {
   public:
    explicit CheckRunning(WatchLoopTest& test) : test_(test) {
      std::lock_guard lock(test_.mutex_);
      ++test_.checks_running_;
    }
    ~CheckRunning() {
      std::lock_guard lock(test_.mutex_);
      --test_.checks_running_;
      test_.logged_.notify_all();
    }

   private:
    WatchLoopTest& test_;
  };

  // Waits for a running check to end, then presses q, and returns whether
  // the loop ended within 2 s. A q pressed during a check would cancel it,
  // and the check would print no status. The 50 ms let the loop print the
  // status after the hook returns.
  bool quit() {
    {
      std::unique_lock lock(mutex_);
      logged_.wait_for(lock, 5s, [&] { return checks_running_ == 0; });
    }
    std::this_thread::sleep_for(50ms);
    press("q");
    return loop_.wait_for(2s) == std::future_status::ready;
  }

  std::string output() {
    std::lock_guard lock(mutex_);
    return output_;
  }

  fs::path folder_;
  int key_read_ = -1;
  int key_write_ = -1;
  WatchOptions options_;
  WatchHooks hooks_;
  std::set<int> passing_;                 // indexes of lessons whose check passes
  std::function<void()> during_check_;    // run once, inside the next check
  int slow_checks_ = 0;                   // how many of the next checks wait for a cancel
  int checks_running_ = 0;                // check hooks that have not yet returned
  std::future<void> loop_;

  std::mutex mutex_;
  std::condition_variable logged_;
  std::vector<std::string> events_;
  std::string output_;
};

TEST_F(WatchLoopTest, StartsWithCheckOfFirstLesson) {
  options_.first = 1;
  start();

  EXPECT_EQ(events_after(2), (std::vector<std::string>{"open 1", "check 1"}));
  ASSERT_TRUE(quit());
  EXPECT_EQ(output(), fmt::format("\nWatching {}: each save checks it again.\n{}\n",
                                  exercise(1).string(), kWatchKeys));
}

TEST_F(WatchLoopTest, QuitKeyEndsLoop) {
  start();
  events_after(2);
  ASSERT_TRUE(quit());
  EXPECT_EQ(events_after(2), (std::vector<std::string>{"open 0", "check 0"}));
}

TEST_F(WatchLoopTest, EndOfKeysEndsLoop) {
  start();
  events_after(2);
  ::close(key_write_);
  key_write_ = -1;
  EXPECT_EQ(loop_.wait_for(2s), std::future_status::ready);
}

TEST_F(WatchLoopTest, SaveChecksAgain) {
  start();
  events_after(2);
  write_text(exercise(0), "int saved;\n");

  EXPECT_EQ(events_after(3), (std::vector<std::string>{"open 0", "check 0", "check 0"}));
  EXPECT_NE(output().find("\nSaved: checking lesson 1 again...\n"), std::string::npos);
  ASSERT_TRUE(quit());
}

TEST_F(WatchLoopTest, PollingChecksOnSave) {
  options_.settings.poll = true;
  start();
  events_after(2);
  write_text(exercise(0), "int saved;\n");

  EXPECT_EQ(events_after(3), (std::vector<std::string>{"open 0", "check 0", "check 0"}));
  ASSERT_TRUE(quit());
}

TEST_F(WatchLoopTest, PassWaitsForNextKey) {
  passing_ = {0};
  start();
  events_after(2);
  write_text(exercise(0), "int saved_after_the_pass;\n");
  EXPECT_EQ(events_after(3), (std::vector<std::string>{"open 0", "check 0", "check 0"}));

  press("n");
  EXPECT_EQ(events_after(5),
            (std::vector<std::string>{"open 0", "check 0", "check 0", "open 1", "check 1"}));
  ASSERT_TRUE(quit());
  EXPECT_NE(output().find(fmt::format("\nLesson 1 passed. Press n to go on to lesson 2.\n{}\n",
                                      kWatchKeys)),
            std::string::npos);
}

TEST_F(WatchLoopTest, NextOnLastLessonStays) {
  options_.first = 2;
  passing_ = {2};
  start();
  events_after(2);
  press("n");
  ASSERT_TRUE(quit());

  EXPECT_EQ(events_after(2), (std::vector<std::string>{"open 2", "check 2"}));
  EXPECT_EQ(output(), fmt::format("\nLesson 3 passed, and it is the last lesson.\n{}\n"
                                  "\nLesson 3 is the last lesson.\n{}\n",
                                  kWatchKeys, kWatchKeys));
}

TEST_F(WatchLoopTest, KeysCallTheirHooks) {
  start();
  events_after(2);
  press("hlrH\x1b[A");  // H works as h, and an arrow key's bytes are ignored
  EXPECT_EQ(events_after(6), (std::vector<std::string>{"open 0", "check 0", "hint 0", "list",
                                                       "check 0", "hint 0"}));
  press("x");
  ASSERT_TRUE(quit());
  EXPECT_NE(output().find(fmt::format("\nThe key 'x' does nothing here. {}\n", kWatchKeys)),
            std::string::npos);
}

TEST_F(WatchLoopTest, SaveDuringCheckIsCheckedAfter) {
  during_check_ = [this] {
    std::this_thread::sleep_for(50ms);
    write_text(exercise(0), "int saved_while_checking;\n");
    std::this_thread::sleep_for(50ms);
  };
  start();

  EXPECT_EQ(events_after(3), (std::vector<std::string>{"open 0", "check 0", "check 0"}));
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(quit());
  EXPECT_EQ(events_after(3).size(), 3u);  // and no check after that
}

// The loop's time from `q` to its return, with a check that takes 5 s
// unless it is cancelled.
TEST_F(WatchLoopTest, QuitDuringSlowCheckEndsPromptly) {
  slow_checks_ = 1;
  start();
  events_after(2);  // the check has begun
  std::this_thread::sleep_for(100ms);

  auto pressed = std::chrono::steady_clock::now();
  press("hq");  // the hint before q is dropped
  ASSERT_EQ(loop_.wait_for(2s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - pressed, 500ms);
  EXPECT_EQ(events_after(3), (std::vector<std::string>{"open 0", "check 0", "cancelled 0"}));
  EXPECT_EQ(output(), "");  // no verdict status for the cancelled check
}

TEST_F(WatchLoopTest, SaveDuringSlowCheckChecksOnceMore) {
  slow_checks_ = 1;
  start();
  events_after(2);
  std::this_thread::sleep_for(100ms);
  auto saved = std::chrono::steady_clock::now();
  write_text(exercise(0), "int saved_while_checking;\n");

  EXPECT_EQ(events_after(4),
            (std::vector<std::string>{"open 0", "check 0", "cancelled 0", "check 0"}));
  EXPECT_LT(std::chrono::steady_clock::now() - saved, 1s);
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(quit());
  EXPECT_EQ(events_after(4).size(), 4u);  // and no check after that
  EXPECT_EQ(output(), fmt::format("\nSaved: checking lesson 1 again...\n"
                                  "\nWatching {}: each save checks it again.\n{}\n",
                                  exercise(0).string(), kWatchKeys));
}

TEST_F(WatchLoopTest, NextDuringSlowCheckMovesOn) {
  slow_checks_ = 1;
  start();
  events_after(2);
  press("n");

  EXPECT_EQ(events_after(5), (std::vector<std::string>{"open 0", "check 0", "cancelled 0",
                                                       "open 1", "check 1"}));
  ASSERT_TRUE(quit());
  EXPECT_EQ(output(), fmt::format("\nWatching {}: each save checks it again.\n{}\n",
                                  exercise(1).string(), kWatchKeys));
}

// n on the last lesson, h, l and r wait for the check, which is not cancelled.
TEST_F(WatchLoopTest, OtherKeysDuringCheckWaitForIt) {
  options_.first = 2;
  during_check_ = [this] {
    press("nhlr");
    std::this_thread::sleep_for(200ms);
  };
  start();

  EXPECT_EQ(events_after(5),
            (std::vector<std::string>{"open 2", "check 2", "hint 2", "list", "check 2"}));
  ASSERT_TRUE(quit());
  std::string watching = fmt::format("\nWatching {}: each save checks it again.\n{}\n",
                                     exercise(2).string(), kWatchKeys);
  EXPECT_EQ(output(), fmt::format("{}\nLesson 3 is the last lesson.\n{}\n\n\n{}\n\n\n{}\n{}",
                                  watching, kWatchKeys, kWatchKeys, kWatchKeys, watching));
}

class WatchLoopFallbackTest : public WatchLoopTest {
 protected:
  // Exercises in folders that do not exist, which inotify cannot watch.
  fs::path exercise_for_lesson(int index) const override {
    return folder_ / "missing" / std::to_string(index + 1) / "exercise.cpp";
  }
};

TEST_F(WatchLoopFallbackTest, FallbackNoticeShownOnce) {
  start();
  events_after(2);
  press("n");
  events_after(4);
  ASSERT_TRUE(quit());

  std::string notice = fmt::format(
      "File events are unavailable here (inotify_add_watch failed on '{}': No such file or "
      "directory), so the file is polled every 20 ms instead.\n",
      (folder_ / "missing" / "1").string());
  std::string text = output();
  ASSERT_NE(text.find(notice), std::string::npos) << text;
  EXPECT_EQ(text.find("File events are unavailable"), text.rfind("File events are unavailable"));
}

}  // namespace
}  // namespace gradlings::runner
