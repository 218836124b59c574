#include "runner/sandbox.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "runner/error.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// Compiles tests/runner/programs/sandbox_child.cpp once per test process with
// the system compiler ($CXX, else c++).
class Sandbox : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = new fs::path(fs::temp_directory_path() /
                           fmt::format("gradlings-sandbox-test-{}", ::getpid()));
    fs::create_directories(*folder_);
    child_ = new fs::path(*folder_ / "sandbox_child");

    const char* cxx = std::getenv("CXX");
    std::string command = fmt::format(
        "'{}' -std=c++20 -O0 '{}/tests/runner/programs/sandbox_child.cpp' -o '{}'",
        (cxx != nullptr && *cxx != '\0') ? cxx : "c++", GRADLINGS_SOURCE_DIR, child_->string());
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  static void TearDownTestSuite() {
    fs::remove_all(*folder_);
    delete child_;
    delete folder_;
  }

  static RunResult run(const std::vector<std::string>& arguments, const std::string& input = "",
                       const RunLimits& limits = {}) {
    return run_sandboxed(*child_, arguments, input, limits);
  }

  static fs::path* folder_;
  static fs::path* child_;
};

fs::path* Sandbox::folder_ = nullptr;
fs::path* Sandbox::child_ = nullptr;

// True once `pid` no longer runs: gone, or a zombie not yet reaped.
bool process_ended(pid_t pid) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line)) {
      return true;
    }
    if (line.substr(line.rfind(')') + 2, 1) == "Z") {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

std::size_t count_open_fds() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

TEST_F(Sandbox, ExitCodeAndOutput) {
  RunResult result = run({"exit", "7"});
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_EQ(result.output, "to stdout\nto stderr\n");
  EXPECT_EQ(result.output_bytes, 20u);
  EXPECT_EQ(result.channel, "");
}

TEST_F(Sandbox, ExitCodeZero) {
  RunResult result = run({"exit", "0"});
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(Sandbox, PassesArguments) {
  RunResult result = run({"arguments", "two words", ""});
  EXPECT_EQ(result.channel, child_->string() + "|arguments|two words||");
}

TEST_F(Sandbox, ReadsSmallInput) {
  RunResult result = run({"echo-stdin"}, "1.5 2.5\n");
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.channel, "1.5 2.5\n");
  EXPECT_EQ(result.output, "read 8 bytes\n");
}

TEST_F(Sandbox, ReadsInputOverOneMebibyte) {
  std::string input;
  for (int i = 0; input.size() < (3 << 20); ++i) {
    input += std::to_string(i) + "\n";
  }
  RunResult result = run({"echo-stdin"}, input);
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.channel.size(), input.size());
  EXPECT_TRUE(result.channel == input);
  EXPECT_EQ(result.output, fmt::format("read {} bytes\n", input.size()));
}

TEST_F(Sandbox, IgnoredInputDoesNotBlock) {
  RunResult result = run({"exit", "0"}, std::string(8 << 20, 'i'));
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.exit_code, 0);
}

TEST_F(Sandbox, ChannelSeparateFromStdout) {
  RunResult result = run({"channel"});
  std::string records;
  std::string noise;
  for (int i = 0; i < 100; ++i) {
    records += fmt::format("record {}\n", i);
    noise += fmt::format("noise {}\n", i);
  }
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.channel, records);
  EXPECT_EQ(result.output, noise);
}

TEST_F(Sandbox, SegfaultIsSignaled) {
  RunResult result = run({"segv"});
  EXPECT_EQ(result.outcome, RunOutcome::signaled);
  EXPECT_EQ(result.signal, SIGSEGV);
  EXPECT_EQ(signal_name(result.signal), "SIGSEGV");
}

TEST_F(Sandbox, AbortIsSignaled) {
  RunResult result = run({"abort"});
  EXPECT_EQ(result.outcome, RunOutcome::signaled);
  EXPECT_EQ(result.signal, SIGABRT);
  EXPECT_EQ(signal_name(result.signal), "SIGABRT");
}

TEST_F(Sandbox, InfiniteLoopTimesOut) {
  RunLimits limits;
  limits.wall_time = milliseconds(300);
  RunResult result = run({"spin"}, "", limits);
  EXPECT_EQ(result.outcome, RunOutcome::timed_out);
  EXPECT_GE(result.elapsed, milliseconds(300));
  EXPECT_LT(result.elapsed, milliseconds(2000));
}

TEST_F(Sandbox, CancelFdKillsRunningChild) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  RunLimits limits;
  limits.cancel_fd = fds[0];
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(300));
    ASSERT_EQ(::write(fds[1], "c", 1), 1);
  });
  auto started = std::chrono::steady_clock::now();
  RunResult result = run({"sleep-with-grandchild"}, "", limits);
  auto waited = std::chrono::steady_clock::now() - started;
  canceller.join();
  ::close(fds[0]);
  ::close(fds[1]);

  // The cancel comes 300 ms after the thread starts, which is before the
  // child starts, so the child's own elapsed time may be a little shorter.
  EXPECT_EQ(result.outcome, RunOutcome::cancelled);
  EXPECT_EQ(outcome_name(result.outcome), "cancelled");
  EXPECT_GE(waited, milliseconds(300));
  EXPECT_LT(result.elapsed, milliseconds(400));
  EXPECT_EQ(result.output, "sleeping\n");  // data read before the kill is kept
  pid_t grandchild = std::stoi(result.channel);
  EXPECT_TRUE(process_ended(grandchild)) << "grandchild " << grandchild << " still runs";
}

TEST_F(Sandbox, ReadableCancelFdStopsAtOnce) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "c", 1), 1);
  RunLimits limits;
  limits.cancel_fd = fds[0];
  RunResult first = run({"spin"}, "", limits);
  RunResult second = run({"spin"}, "", limits);  // the byte is polled, not read
  ::close(fds[0]);
  ::close(fds[1]);

  EXPECT_EQ(first.outcome, RunOutcome::cancelled);
  EXPECT_LT(first.elapsed, milliseconds(100));
  EXPECT_EQ(second.outcome, RunOutcome::cancelled);
  EXPECT_LT(second.elapsed, milliseconds(100));
}

TEST_F(Sandbox, UnreadableCancelFdChangesNothing) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  RunLimits limits;
  limits.cancel_fd = fds[0];
  RunResult result = run({"exit", "7"}, "", limits);
  ::close(fds[0]);
  ::close(fds[1]);

  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_EQ(result.output, "to stdout\nto stderr\n");
}

TEST_F(Sandbox, OutputFloodStopsEarly) {
  RunLimits limits;
  RunResult result = run({"flood"}, "", limits);
  EXPECT_EQ(result.outcome, RunOutcome::output_flood);
  EXPECT_EQ(result.output, std::string(limits.kept_output_bytes, 'x'));
  EXPECT_GT(result.output_bytes, limits.max_output_bytes);
  EXPECT_LT(result.output_bytes, limits.max_output_bytes + (1 << 20));
  EXPECT_LT(result.elapsed, milliseconds(2000));
}

TEST_F(Sandbox, ChannelFloodStopsEarly) {
  RunLimits limits;
  limits.max_channel_bytes = 1 << 20;
  RunResult result = run({"channel-flood"}, "", limits);
  EXPECT_EQ(result.outcome, RunOutcome::channel_flood);
  EXPECT_GT(result.channel.size(), limits.max_channel_bytes);
  EXPECT_LT(result.channel.size(), std::size_t{2} << 20);
}

TEST_F(Sandbox, GrandchildInGroupDoesNotHang) {
  RunResult result = run({"grandchild"});
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "child done\n");
  EXPECT_LT(result.elapsed, milliseconds(2000));

  pid_t grandchild = std::stoi(result.channel);
  EXPECT_TRUE(process_ended(grandchild)) << "grandchild " << grandchild << " still runs";
}

TEST_F(Sandbox, GrandchildOutsideGroupDoesNotHang) {
  RunResult result = run({"escaped-grandchild"});
  EXPECT_EQ(result.outcome, RunOutcome::exited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "child done\n");
  EXPECT_LT(result.elapsed, milliseconds(2000));

  // setsid() took it out of reach of the group kill, so clean it up here.
  pid_t grandchild = std::stoi(result.channel);
  ASSERT_GT(grandchild, 0);
  ::kill(grandchild, SIGKILL);
}

TEST_F(Sandbox, HugeAllocationFails) {
  RunResult result = run({"allocate"});
  bool failed = (result.outcome == RunOutcome::exited && result.exit_code != 0) ||
                result.outcome == RunOutcome::signaled;
  EXPECT_TRUE(failed) << "outcome " << outcome_name(result.outcome) << ", exit code "
                      << result.exit_code << ", output: " << result.output;
  EXPECT_EQ(result.output.find("allocated"), std::string::npos);
}

TEST_F(Sandbox, OnlyStandardFdsAndChannelOpen) {
  // A descriptor the parent leaves open without O_CLOEXEC must not leak.
  int leaked = ::dup(STDOUT_FILENO);
  RunResult result = run({"fds"});
  ::close(leaked);
  EXPECT_EQ(result.channel, "0 1 2 3 ");
}

TEST_F(Sandbox, ParentKeepsNoFds) {
  std::size_t before = count_open_fds();
  run({"exit", "0"});
  run({"segv"});
  EXPECT_THROW(run_sandboxed(*folder_ / "missing", {}, ""), Error);
  EXPECT_EQ(count_open_fds(), before);
}

TEST_F(Sandbox, SetsResourceLimits) {
  RunLimits limits;
  limits.wall_time = milliseconds(2500);
  limits.memory_bytes = 512 << 20;
  RunResult result = run({"limits"}, "", limits);
  EXPECT_EQ(result.channel, fmt::format("core=0 as={} cpu=4/5", 512 << 20));
}

TEST_F(Sandbox, OwnGroupAndDefaultSignals) {
  // The parent ignores SIGPIPE and blocks SIGUSR1, but the child must get
  // neither.
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  sigset_t usr1;
  sigset_t previous_mask;
  ::sigemptyset(&usr1);
  ::sigaddset(&usr1, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &usr1, &previous_mask);

  RunResult result = run({"process"});

  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  ::sigaction(SIGPIPE, &previous, nullptr);
  EXPECT_EQ(result.channel, "group_leader=yes sigpipe=default usr1_blocked=no");
}

TEST_F(Sandbox, MissingExecutableThrows) {
  fs::path missing = *folder_ / "missing";
  try {
    run_sandboxed(missing, {}, "");
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "failed to start '" + missing.string() + "': No such file or directory");
  }
}

TEST_F(Sandbox, NotAProgramThrows) {
  fs::path text = *folder_ / "notes.txt";
  std::ofstream(text) << "not a program\n";
  ::chmod(text.c_str(), 0755);
  try {
    run_sandboxed(text, {}, "");
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "failed to start '" + text.string() + "': Exec format error");
  }
}

TEST_F(Sandbox, ConcurrentRunsStaySeparate) {
  std::vector<RunResult> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back(
        [&results, i] { results[i] = run({"echo-stdin"}, fmt::format("input {}", i)); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].channel, fmt::format("input {}", i));
  }
}

TEST(SignalName, KnownAndUnknown) {
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(signal_name(SIGFPE), "SIGFPE");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGXCPU), "SIGXCPU");
  EXPECT_EQ(signal_name(0), "signal 0");
  EXPECT_EQ(signal_name(SIGRTMIN + 1), fmt::format("signal {}", SIGRTMIN + 1));
}

}  // namespace
}  // namespace gradlings::runner
