#include "runner/confine.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "runner/build.h"
#include "runner/error.h"
#include "runner/posix_handles.h"
#include "runner/sandbox.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Names = std::vector<std::string>;

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(ProtectionNames, ListsOnlyWhatIsInForce) {
  EXPECT_EQ(protection_names(Protections{}), Names({"rlimits"}));
  EXPECT_EQ(protection_names(Protections{false, false, false, false}), Names({}));
  EXPECT_EQ(protection_names(Protections{false, false, true, true}),
            Names({"seccomp", "rlimits", "no-network"}));
  EXPECT_EQ(protection_names(Protections{false, true, true, true}),
            Names({"landlock", "seccomp", "rlimits", "no-network", "private-tmp"}));
  EXPECT_EQ(protection_names(Protections{true, false, true, true}),
            Names({"bubblewrap", "seccomp", "rlimits", "no-network", "private-tmp"}));
  EXPECT_EQ(protection_names(Protections{true, false, false, true}),
            Names({"bubblewrap", "rlimits", "no-network", "private-tmp"}));
}

TEST(ProtectionNames, SignalNameOfSeccompKill) {
  EXPECT_EQ(signal_name(SIGSYS), "SIGSYS (forbidden system call)");
}

TEST(DetectProtections, NeverBubblewrapWhenDisallowed) {
  Protections without = detect_protections(false);
  Protections with = detect_protections(true);
  EXPECT_FALSE(without.bubblewrap);
  EXPECT_TRUE(without.rlimits);
  EXPECT_EQ(without.seccomp, with.seccomp);
  if (with.bubblewrap) {
    EXPECT_FALSE(with.landlock);  // Landlock is used only in place of bubblewrap
  }
}

// The two ways a machine confines: bubblewrap, or Landlock with seccomp in
// the child. The parameter is allow_bubblewrap.
class Confine : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    folder_ = new fs::path(fs::temp_directory_path() /
                           fmt::format("gradlings-confine-test-{}", ::getpid()));
    fs::create_directories(*folder_);
    child_ = new fs::path(*folder_ / "bin" / "confine_child");
    fs::create_directories(child_->parent_path());

    const char* cxx = std::getenv("CXX");
    std::string command = fmt::format(
        "'{}' -std=c++20 -O1 -pthread '{}/tests/runner/programs/confine_child.cpp' -o '{}'",
        (cxx != nullptr && *cxx != '\0') ? cxx : "c++", GRADLINGS_SOURCE_DIR, child_->string());
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  static void TearDownTestSuite() {
    fs::remove_all(*folder_);
    delete child_;
    delete folder_;
  }

  void SetUp() override {
    protections_ = detect_protections(GetParam());
    if (GetParam() && !protections_.bubblewrap) {
      GTEST_SKIP() << "bubblewrap is not usable here: 'bwrap' is not on PATH or its trial run "
                      "failed (no user namespaces?)";
    }
    if (!protections_.seccomp) {
      GTEST_SKIP() << "this kernel has no seccomp filters";
    }
    scratch_ = *folder_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    scratch_ = fs::path(scratch_.string() + (GetParam() ? "-bwrap" : "-fallback"));
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
  }

  // Skips the test when neither bubblewrap nor Landlock limits the file
  // system, because only the seccomp filter and rlimits are then in force.
  bool skip_without_file_isolation() { return !protections_.bubblewrap && !protections_.landlock; }

  RunResult run(const std::vector<std::string>& arguments,
                SyscallPolicy policy = SyscallPolicy::program, std::vector<fs::path> read_only = {},
                RunLimits limits = {}) {
    Confinement confinement;
    confinement.protections = protections_;
    confinement.policy = policy;
    confinement.read_only = std::move(read_only);
    limits.confinement = confinement;
    return run_sandboxed(*child_, arguments, "", limits);
  }

  static fs::path* folder_;
  static fs::path* child_;
  Protections protections_;
  fs::path scratch_;  // this test's own folder, outside every confinement
};

fs::path* Confine::folder_ = nullptr;
fs::path* Confine::child_ = nullptr;

// Returns how many live processes (not zombies) have a command line that
// contains `command_line` (arguments separated by NUL bytes), after giving
// killed ones up to 2 s to end.
int running_children_with(const std::string& command_line) {
  int running = 0;
  for (int attempt = 0; attempt < 200; ++attempt) {
    running = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
      std::ifstream file(entry.path() / "cmdline");
      std::string text(std::istreambuf_iterator<char>(file), {});
      std::ifstream stat(entry.path() / "stat");
      std::string status;
      std::getline(stat, status);
      bool zombie =
          status.rfind(')') != std::string::npos && status.substr(status.rfind(')') + 2, 1) == "Z";
      if (text.find(command_line) != std::string::npos && !zombie) {
        ++running;
      }
    }
    if (running == 0) {
      return 0;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return running;
}

TEST_P(Confine, ProtectionNamesOfMode) {
  if (GetParam()) {
    EXPECT_EQ(protection_names(protections_),
              Names({"bubblewrap", "seccomp", "rlimits", "no-network", "private-tmp"}));
  } else if (protections_.landlock) {
    EXPECT_EQ(protection_names(protections_),
              Names({"landlock", "seccomp", "rlimits", "no-network", "private-tmp"}));
  } else {
    EXPECT_EQ(protection_names(protections_), Names({"seccomp", "rlimits", "no-network"}));
  }
}

TEST_P(Confine, HelloRunsNormally) {
  RunResult result = run({"hello"});
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output, "hello\n");
}

TEST_P(Confine, EnvironmentIsCleared) {
  ::setenv("GRADLINGS_CONFINE_TEST_SECRET", "leaked", 1);
  RunResult result = run({"environment"});
  ::unsetenv("GRADLINGS_CONFINE_TEST_SECRET");

  ASSERT_EQ(outcome_name(result.outcome), "exited");
  if (GetParam()) {
    EXPECT_EQ(result.channel,
              "PATH=/usr/bin:/bin\nLANG=C.UTF-8\nTMPDIR=/tmp\nPWD=/tmp/work\ncwd=/tmp/work\n");
    return;
  }
  // Without bubblewrap the private folder is a fresh temporary folder.
  std::string channel = result.channel;
  std::size_t tmpdir = channel.find("TMPDIR=");
  ASSERT_NE(tmpdir, std::string::npos) << channel;
  std::string private_tmp = channel.substr(tmpdir + 7, channel.find('\n', tmpdir) - tmpdir - 7);
  ASSERT_TRUE(private_tmp.ends_with("/tmp")) << channel;
  std::string private_folder = private_tmp.substr(0, private_tmp.size() - 4);
  EXPECT_EQ(channel,
            fmt::format("PATH=/usr/bin:/bin\nLANG=C.UTF-8\nTMPDIR={}\nPWD={}/work\ncwd={}/work\n",
                        private_tmp, private_folder, private_folder));
  EXPECT_FALSE(fs::exists(private_folder)) << "the private folder outlived the run";
}

TEST_P(Confine, NetworkConnectIsKilled) {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(listener.valid());
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
  int port = ntohs(address.sin_port);

  for (SyscallPolicy policy : {SyscallPolicy::program, SyscallPolicy::compiler}) {
    RunResult result = run({"connect", std::to_string(port)}, policy);
    EXPECT_EQ(outcome_name(result.outcome), "signaled");
    EXPECT_EQ(signal_name(result.signal), "SIGSYS (forbidden system call)");
    EXPECT_EQ(result.channel, "");
  }
  EXPECT_LT(::accept(listener.get(), nullptr, nullptr), 0) << "the child reached the listener";
  EXPECT_EQ(errno, EAGAIN);
}

TEST_P(Confine, ForkBombIsKilledAtOnce) {
  RunLimits limits;
  limits.wall_time = milliseconds(10'000);
  RunResult result = run({"fork-bomb"}, SyscallPolicy::program, {}, limits);
  EXPECT_EQ(outcome_name(result.outcome), "signaled");
  EXPECT_EQ(result.signal, SIGSYS);
  EXPECT_EQ(result.output, "");
  EXPECT_LT(result.elapsed, milliseconds(2'000));
}

TEST_P(Confine, ThreadsStillWork) {
  RunResult result = run({"thread"});
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_EQ(result.channel, "thread set 42");
}

TEST_P(Confine, ProgramCannotWriteFiles) {
  fs::path outside = scratch_ / "outside.txt";
  RunResult result = run({"write", outside.string()});
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_EQ(result.channel, fmt::format("write {} failed: Permission denied", outside.string()));
  EXPECT_FALSE(fs::exists(outside));

  result = run({"write-tmp"});
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_TRUE(result.channel.starts_with("write ")) << result.channel;
  EXPECT_TRUE(result.channel.ends_with("/scratch.txt failed: Permission denied")) << result.channel;
}

TEST_P(Confine, CompilerWritesOnlyPrivateTmp) {
  if (skip_without_file_isolation()) {
    GTEST_SKIP() << "neither bubblewrap nor Landlock is available to limit writes";
  }
  fs::path outside = scratch_ / "outside.txt";
  RunResult result = run({"write", outside.string()}, SyscallPolicy::compiler);
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  // bubblewrap hides the folder; Landlock denies the write.
  EXPECT_EQ(result.channel,
            fmt::format("write {} failed: {}", outside.string(),
                        GetParam() ? "No such file or directory" : "Permission denied"));
  EXPECT_FALSE(fs::exists(outside));

  result = run({"write-tmp"}, SyscallPolicy::compiler);
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_TRUE(result.channel.ends_with("/scratch.txt ok")) << result.channel;
  EXPECT_FALSE(fs::exists("/tmp/scratch.txt"));
}

TEST_P(Confine, ReadsOnlyListedPaths) {
  if (skip_without_file_isolation()) {
    GTEST_SKIP() << "neither bubblewrap nor Landlock is available to limit reads";
  }
  fs::path secret = scratch_ / "solutions" / "answer.txt";
  fs::path allowed = scratch_ / "lesson" / "notes.txt";
  write_text(secret, "secret-7f3a9c\n");
  write_text(allowed, "notes-18b2e4\n");

  RunResult result =
      run({"read", secret.string()}, SyscallPolicy::program, {allowed.parent_path()});
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_EQ(result.output.find("secret-7f3a9c"), std::string::npos) << result.output;
  EXPECT_EQ(result.channel,
            fmt::format("read {} failed: {}", secret.string(),
                        GetParam() ? "No such file or directory" : "Permission denied"));

  result = run({"read", allowed.string()}, SyscallPolicy::program, {allowed.parent_path()});
  EXPECT_EQ(result.output, "notes-18b2e4\n");
  EXPECT_EQ(result.channel, fmt::format("read {} ok", allowed.string()));

  result = run({"read", "/etc/hostname"});
  EXPECT_TRUE(result.channel.starts_with("read /etc/hostname failed: ")) << result.channel;
}

TEST_P(Confine, AllocationPastLimitFails) {
  RunLimits limits;
  limits.memory_bytes = 256 << 20;
  RunResult result = run({"allocate", "512"}, SyscallPolicy::program, {}, limits);
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_EQ(result.channel, "bad_alloc");

  result = run({"allocate", "16"}, SyscallPolicy::program, {}, limits);
  EXPECT_EQ(result.channel, "allocated 16 MB");
}

TEST_P(Confine, SpinningProgramTimesOut) {
  RunLimits limits;
  limits.wall_time = milliseconds(300);
  RunResult result = run({"spin"}, SyscallPolicy::program, {}, limits);
  EXPECT_EQ(outcome_name(result.outcome), "timed_out");
  EXPECT_LT(result.elapsed, milliseconds(2'000));
  EXPECT_EQ(running_children_with(child_->string() + '\0' + "spin"), 0)
      << "the program outlived its sandbox";
}

TEST_P(Confine, MissingExecutableThrows) {
  Confinement confinement;
  confinement.protections = protections_;
  RunLimits limits;
  limits.confinement = confinement;
  fs::path missing = scratch_ / "no-such-program";
  try {
    run_sandboxed(missing, {}, "", limits);
    FAIL() << "no Error thrown";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              fmt::format("failed to start '{}': No such file or directory", missing.string()));
  }
}

// A lesson laid out like a class: a harness, a student's exercise, another
// student's exercise and a solutions folder, each in its own folder.
class ConfinedBuild : public Confine {
 protected:
  void SetUp() override {
    Confine::SetUp();
    if (IsSkipped()) {
      return;
    }
    write_text(scratch_ / "lesson" / "harness.cpp",
               "int exercise_value();\nint main() { return exercise_value(); }\n");
    write_text(scratch_ / "lesson" / "include" / "lesson.h", "constexpr int kBase = 40;\n");
    write_text(scratch_ / "solutions" / "02" / "solution.h", "constexpr int kAnswer = 42;\n");
    write_text(scratch_ / "students" / "bob" / "02" / "exercise.cpp",
               "int exercise_value() { return 7; }\n");
  }

  BuildRequest request(const std::string& exercise_text, bool confined = true) {
    fs::path exercise = scratch_ / "students" / "alice" / "02" / "exercise.cpp";
    write_text(exercise, exercise_text);
    BuildRequest request;
    request.exercise = exercise;
    request.harness = scratch_ / "lesson" / "harness.cpp";
    request.include_dirs = {scratch_ / "lesson" / "include"};
    request.cache_dir = scratch_ / (confined ? "cache" : "plain-cache");
    request.compile_time_limit = milliseconds(60'000);
    if (confined) {
      Confinement confinement;
      confinement.protections = protections_;
      request.confinement = confinement;
    }
    return request;
  }
};

TEST_P(ConfinedBuild, CleanExerciseCompilesAndRuns) {
  BuildResult build = build_exercise(
      request("#include \"lesson.h\"\nint exercise_value() { return kBase + 2; }\n"));
  ASSERT_TRUE(build.ok) << build.log;
  EXPECT_TRUE(build.executable.string().starts_with((scratch_ / "cache").string()));

  RunResult result = run_sandboxed(build.executable, {}, "");
  EXPECT_EQ(outcome_name(result.outcome), "exited");
  EXPECT_EQ(result.exit_code, 42);

  // Nothing is left of the private output folders.
  for (const auto& entry : fs::recursive_directory_iterator(scratch_ / "cache")) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".tmp-")) << entry.path();
  }
}

TEST_P(ConfinedBuild, IncludeOfSolutionFails) {
  if (skip_without_file_isolation()) {
    GTEST_SKIP() << "neither bubblewrap nor Landlock is available to hide files from the compiler";
  }
  fs::path solution = scratch_ / "solutions" / "02" / "solution.h";
  std::string exercise = fmt::format(
      "#include \"{}\"\nint exercise_value() {{ return kAnswer; }}\n", solution.string());

  BuildResult plain = build_exercise(request(exercise, false));
  ASSERT_TRUE(plain.ok) << "the include should work unconfined:\n" << plain.log;

  BuildResult build = build_exercise(request(exercise));
  EXPECT_FALSE(build.ok);
  EXPECT_NE(build.log.find(solution.string()), std::string::npos) << build.log;
  EXPECT_NE(build.log.find("fatal error"), std::string::npos) << build.log;
}

TEST_P(ConfinedBuild, IncludeOfOtherStudentFails) {
  if (skip_without_file_isolation()) {
    GTEST_SKIP() << "neither bubblewrap nor Landlock is available to hide files from the compiler";
  }
  std::string exercise = "#include \"../../bob/02/exercise.cpp\"\n";

  BuildResult plain = build_exercise(request(exercise, false));
  ASSERT_TRUE(plain.ok) << "the include should work unconfined:\n" << plain.log;

  BuildResult build = build_exercise(request(exercise));
  EXPECT_FALSE(build.ok);
  EXPECT_NE(build.log.find("../../bob/02/exercise.cpp"), std::string::npos) << build.log;
  EXPECT_NE(build.log.find("fatal error"), std::string::npos) << build.log;
}

std::string mode_name(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "Bubblewrap" : "Fallback";
}

INSTANTIATE_TEST_SUITE_P(Modes, Confine, ::testing::Bool(), mode_name);
INSTANTIATE_TEST_SUITE_P(Modes, ConfinedBuild, ::testing::Bool(), mode_name);

}  // namespace
}  // namespace gradlings::runner
