#include "runner/build.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runner/error.h"
#include "runner/hash.h"
#include "runner/sandbox.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kLessonHeader = "#pragma once\nint square(int x);\n";
constexpr const char* kHarness =
    "#include <cstdio>\n#include \"lesson.h\"\nint main() { std::printf(\"%d\\n\", square(7)); }\n";
constexpr const char* kExercise = "#include \"lesson.h\"\nint square(int x) { return x * x; }\n";

// Sets an environment variable for one scope, or unsets it when value is
// nullopt, and restores the old value afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) {
      old_ = old;
    }
    set(value);
  }
  ~ScopedEnv() { set(old_); }

 private:
  void set(const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name_, value->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

  const char* name_;
  std::optional<std::string> old_;
};

// Lays out a lesson (header, harness, exercise) in a fresh folder, with a
// compiler wrapper that counts its runs before calling the system compiler.
class Build : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    folder_ = fs::temp_directory_path() /
              fmt::format("gradlings-build-test-{}-{}", ::getpid(), test->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_ / "include");
    write("include/lesson.h", kLessonHeader);
    write("harness.cpp", kHarness);
    write("exercise.cpp", kExercise);

    counter_ = folder_ / "compiler-runs";
    fs::path compiler = folder_ / "counting-c++";
    write("counting-c++", fmt::format("#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"\n",
                                      counter_.string(), resolve_compiler("").string()));
    ::chmod(compiler.c_str(), 0755);

    request_.exercise = folder_ / "exercise.cpp";
    request_.harness = folder_ / "harness.cpp";
    request_.include_dirs = {folder_ / "include"};
    request_.compiler = compiler.string();
    request_.cache_dir = folder_ / "cache";
  }

  void TearDown() override { fs::remove_all(folder_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(folder_ / name, std::ios::binary) << text;
  }

  std::size_t compiler_runs() const {
    std::ifstream in(counter_);
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line);) {
      ++lines;
    }
    return lines;
  }

  // Returns the sorted names of the files in a cache subfolder.
  std::vector<std::string> cache_files(const std::string& subfolder) const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(request_.cache_dir / subfolder)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  static std::string run_output(const BuildResult& build) {
    return run_sandboxed(build.executable, {}, "").output;
  }

  fs::path folder_;
  fs::path counter_;
  BuildRequest request_;
};

void set_age(const fs::path& file, std::chrono::minutes age) {
  fs::last_write_time(file, fs::file_time_type::clock::now() - age);
}

TEST_F(Build, CompilesAndRuns) {
  BuildResult build = build_exercise(request_);
  ASSERT_TRUE(build.ok) << build.log;
  EXPECT_FALSE(build.cached);
  EXPECT_EQ(build.log, "");
  EXPECT_EQ(build.executable.parent_path(), request_.cache_dir / "exercise");
  EXPECT_NE(build.command.find(request_.exercise.string()), std::string::npos) << build.command;
  EXPECT_NE(build.harness_command.find(" -c "), std::string::npos) << build.harness_command;
  EXPECT_EQ(compiler_runs(), 2u);
  EXPECT_EQ(run_output(build), "49\n");
}

TEST_F(Build, SecondBuildCachedWithoutCompiler) {
  BuildResult first = build_exercise(request_);
  ASSERT_TRUE(first.ok) << first.log;
  struct stat first_stat {};
  ASSERT_EQ(::stat(first.executable.c_str(), &first_stat), 0);

  BuildResult second = build_exercise(request_);
  EXPECT_TRUE(second.ok);
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(second.executable, first.executable);
  EXPECT_EQ(second.command, "");
  EXPECT_EQ(second.harness_command, "");
  EXPECT_EQ(compiler_runs(), 2u);

  struct stat second_stat {};
  ASSERT_EQ(::stat(second.executable.c_str(), &second_stat), 0);
  EXPECT_EQ(second_stat.st_ino, first_stat.st_ino);
  EXPECT_EQ(run_output(second), "49\n");
}

TEST_F(Build, ChangedExerciseByteRebuilds) {
  BuildResult first = build_exercise(request_);
  ASSERT_TRUE(first.ok) << first.log;

  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x + x; }\n");
  BuildResult second = build_exercise(request_);
  ASSERT_TRUE(second.ok) << second.log;
  EXPECT_FALSE(second.cached);
  EXPECT_NE(second.executable, first.executable);
  EXPECT_EQ(second.harness_command, "");  // the harness object is reused
  EXPECT_EQ(compiler_runs(), 3u);
  EXPECT_EQ(run_output(second), "14\n");
}

TEST_F(Build, ChangedHeaderRebuildsHarness) {
  ASSERT_TRUE(build_exercise(request_).ok);

  write("include/lesson.h", std::string(kLessonHeader) + "// edited\n");
  BuildResult second = build_exercise(request_);
  EXPECT_TRUE(second.ok) << second.log;
  EXPECT_FALSE(second.cached);
  EXPECT_NE(second.harness_command, "");
  EXPECT_EQ(compiler_runs(), 4u);
}

TEST_F(Build, ChangedFlagsRebuild) {
  ASSERT_TRUE(build_exercise(request_).ok);

  request_.flags = {"-std=c++20", "-O0"};
  BuildResult second = build_exercise(request_);
  EXPECT_TRUE(second.ok) << second.log;
  EXPECT_FALSE(second.cached);
  EXPECT_EQ(compiler_runs(), 4u);
}

TEST_F(Build, SyntaxErrorGivesLog) {
  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x * ; }\n");
  BuildResult build = build_exercise(request_);
  EXPECT_FALSE(build.ok);
  EXPECT_FALSE(build.cached);
  EXPECT_EQ(build.executable, fs::path());
  EXPECT_NE(build.log.find("exercise.cpp:2:"), std::string::npos) << build.log;
  EXPECT_NE(build.log.find("error:"), std::string::npos) << build.log;
  EXPECT_EQ(cache_files("exercise").size(), 1u);  // the failure log only
}

TEST_F(Build, SyntaxErrorCachedWithLog) {
  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x * ; }\n");
  BuildResult first = build_exercise(request_);
  BuildResult second = build_exercise(request_);
  EXPECT_FALSE(second.ok);
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(second.log, first.log);
  EXPECT_EQ(compiler_runs(), 2u);
}

TEST_F(Build, WarningsKeptOnSuccess) {
  request_.flags = {"-std=c++20", "-O1", "-Wall"};
  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { int unused; return x * x; }\n");
  BuildResult first = build_exercise(request_);
  ASSERT_TRUE(first.ok) << first.log;
  EXPECT_NE(first.log.find("unused variable"), std::string::npos) << first.log;

  BuildResult second = build_exercise(request_);
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(second.log, first.log);
}

TEST_F(Build, TimedOutCompileNotCached) {
  ASSERT_TRUE(build_exercise(request_).ok);  // caches the harness object
  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x * x * 1; }\n");

  request_.compile_time_limit = 1ms;
  BuildResult slow = build_exercise(request_);
  EXPECT_FALSE(slow.ok);
  EXPECT_NE(slow.log.find("compiler stopped after 1 ms (compile_time_limit)"), std::string::npos)
      << slow.log;

  request_.compile_time_limit = 60s;
  BuildResult retry = build_exercise(request_);
  EXPECT_TRUE(retry.ok) << retry.log;
  EXPECT_FALSE(retry.cached);
}

// The harness compile is cancelled first, so the build stops there without
// an Error, and with nothing cached a later build compiles both files.
TEST_F(Build, CancelledCompileNotCached) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "c", 1), 1);
  request_.cancel_fd = fds[0];
  BuildResult cancelled = build_exercise(request_);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_TRUE(cancelled.cancelled);
  EXPECT_FALSE(cancelled.ok);
  EXPECT_EQ(cancelled.executable, fs::path());
  EXPECT_EQ(cache_files("harness"), std::vector<std::string>{});
  EXPECT_EQ(cache_files("exercise"), std::vector<std::string>{});

  request_.cancel_fd = -1;
  BuildResult retry = build_exercise(request_);
  ASSERT_TRUE(retry.ok) << retry.log;
  EXPECT_FALSE(retry.cancelled);
  EXPECT_FALSE(retry.cached);
  EXPECT_NE(retry.harness_command, "");  // the harness object was compiled, not reused
  EXPECT_EQ(run_output(retry), "49\n");
}

TEST_F(Build, MissingCompilerThrows) {
  request_.compiler = "clang++-99";
  try {
    build_exercise(request_);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "compiler 'clang++-99' not found (set CXX to a C++20 compiler, e.g. CXX=g++)");
  }
}

TEST_F(Build, MissingCompilerFromCxxThrows) {
  ScopedEnv cxx("CXX", "clang++-99");
  request_.compiler = "";
  try {
    build_exercise(request_);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "compiler 'clang++-99' not found (set CXX to a C++20 compiler, e.g. CXX=g++)");
  }
}

TEST_F(Build, CompilerFoundThroughPath) {
  ScopedEnv path("PATH", fmt::format("{}/nowhere::{}", folder_.string(), folder_.string()));
  EXPECT_EQ(resolve_compiler("counting-c++"), folder_ / "counting-c++");

  write("not-executable", "");
  EXPECT_THROW(resolve_compiler("not-executable"), Error);
  EXPECT_THROW(resolve_compiler((folder_ / "not-executable").string()), Error);
}

TEST_F(Build, HarnessErrorThrows) {
  write("harness.cpp", "int main() { return }\n");
  try {
    build_exercise(request_);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    std::string message = error.what();
    std::string expected_start = fmt::format(
        "lesson harness '{}' failed to compile with '{}' (set CXX to a C++20 "
        "compiler, e.g. CXX=g++):\n",
        request_.harness.string(), request_.compiler);
    EXPECT_EQ(message.substr(0, expected_start.size()), expected_start);
    EXPECT_NE(message.find("harness.cpp:1:"), std::string::npos) << message;
  }
  EXPECT_EQ(cache_files("harness").size(), 0u);
}

// A compiler from before C++20 rejects the -std option itself, and naming
// that is clearer than the harness's log.
TEST_F(Build, CompilerWithoutCxx20Named) {
  write("old-c++",
        "#!/bin/sh\necho \"c++: error: unrecognized command-line option '-std=c++20'\" >&2\n"
        "exit 1\n");
  fs::path compiler = folder_ / "old-c++";
  ::chmod(compiler.c_str(), 0755);
  request_.compiler = compiler.string();

  std::string message;
  try {
    build_exercise(request_);
  } catch (const Error& error) {
    message = error.what();
  }
  EXPECT_EQ(message,
            fmt::format("the compiler '{}' does not know C++20 ('-std=c++20'); set CXX to g++ 10 "
                        "or clang 10 or newer, e.g. CXX=g++",
                        compiler.string()));
}

TEST_F(Build, MissingExerciseThrows) {
  request_.exercise = folder_ / "missing.cpp";
  try {
    build_exercise(request_);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot open '" + request_.exercise.string() + "': No such file or directory");
  }
}

TEST_F(Build, MissingIncludeFolderThrows) {
  request_.include_dirs.push_back(folder_ / "no-such-folder");
  try {
    build_exercise(request_);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "include folder '" + (folder_ / "no-such-folder").string() + "' not found");
  }
}

TEST_F(Build, UncreatableCacheThrows) {
  write("plain-file", "");
  request_.cache_dir = folder_ / "plain-file" / "cache";
  try {
    build_exercise(request_);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              fmt::format("cannot create cache folder '{}': Not a directory (set XDG_CACHE_HOME "
                          "to a writable folder)",
                          (request_.cache_dir / "harness").string()));
  }
}

TEST_F(Build, PrunesLeastRecentlyUsed) {
  request_.max_cached_builds = 2;
  BuildResult a = build_exercise(request_);
  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x + x; }\n");
  BuildResult b = build_exercise(request_);
  ASSERT_TRUE(a.ok);
  ASSERT_TRUE(b.ok);
  set_age(a.executable, 60min);
  set_age(b.executable, 30min);

  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x - x; }\n");
  BuildResult c = build_exercise(request_);
  ASSERT_TRUE(c.ok) << c.log;
  EXPECT_FALSE(fs::exists(a.executable));
  EXPECT_TRUE(fs::exists(b.executable));
  EXPECT_TRUE(fs::exists(c.executable));
  EXPECT_EQ(cache_files("exercise").size(), 2u);
}

TEST_F(Build, CacheHitCountsAsUse) {
  request_.max_cached_builds = 2;
  BuildResult a = build_exercise(request_);
  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x + x; }\n");
  BuildResult b = build_exercise(request_);
  ASSERT_TRUE(a.ok);
  ASSERT_TRUE(b.ok);
  set_age(a.executable, 60min);
  set_age(b.executable, 30min);

  write("exercise.cpp", kExercise);
  ASSERT_TRUE(build_exercise(request_).cached);  // uses a again

  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x - x; }\n");
  ASSERT_TRUE(build_exercise(request_).ok);
  EXPECT_TRUE(fs::exists(a.executable));
  EXPECT_FALSE(fs::exists(b.executable));
}

TEST_F(Build, PruneRemovesWholeEntry) {
  // A failed build's log and a build's warnings log count with their entry.
  request_.max_cached_builds = 1;
  write("exercise.cpp", "#include \"lesson.h\"\nint square(int x) { return x * ; }\n");
  ASSERT_FALSE(build_exercise(request_).ok);
  ASSERT_EQ(cache_files("exercise").size(), 1u);
  set_age(request_.cache_dir / "exercise" / cache_files("exercise")[0], 10min);

  write("exercise.cpp", kExercise);
  BuildResult fixed = build_exercise(request_);
  ASSERT_TRUE(fixed.ok) << fixed.log;
  EXPECT_EQ(cache_files("exercise"), std::vector<std::string>{fixed.executable.filename()});
}

TEST_F(Build, PrunesHarnessObjects) {
  request_.max_cached_harnesses = 1;
  ASSERT_TRUE(build_exercise(request_).ok);
  set_age(request_.cache_dir / "harness" / cache_files("harness")[0], 10min);

  request_.flags = {"-std=c++20", "-O0"};
  ASSERT_TRUE(build_exercise(request_).ok);
  EXPECT_EQ(cache_files("harness").size(), 1u);
}

TEST_F(Build, RemovesStaleTemporaryFiles) {
  fs::create_directories(request_.cache_dir / "exercise");
  fs::path stale = request_.cache_dir / "exercise" / ".tmp-1-2-3";
  fs::path fresh = request_.cache_dir / "exercise" / ".tmp-4-5-6";
  std::ofstream(stale) << "half an executable";
  std::ofstream(fresh) << "another runner's compile in progress";
  set_age(stale, 120min);

  ASSERT_TRUE(build_exercise(request_).ok);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
}

TEST_F(Build, ConcurrentBuildsAgree) {
  std::vector<BuildResult> builds(3);
  std::vector<std::thread> threads;
  for (BuildResult& build : builds) {
    threads.emplace_back([this, &build] { build = build_exercise(request_); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const BuildResult& build : builds) {
    ASSERT_TRUE(build.ok) << build.log;
    EXPECT_EQ(build.executable, builds[0].executable);
  }
  EXPECT_EQ(run_output(builds[0]), "49\n");
  for (const std::string& name : cache_files("exercise")) {
    EXPECT_FALSE(name.starts_with(".tmp-")) << name;
  }
}

TEST(DefaultCacheDir, PrefersXdgCacheHome) {
  ScopedEnv xdg("XDG_CACHE_HOME", "/var/cache/someone");
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(default_cache_dir(), fs::path("/var/cache/someone/gradlings"));
}

TEST(DefaultCacheDir, FallsBackToHome) {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
    EXPECT_EQ(default_cache_dir(), fs::path("/home/someone/.cache/gradlings"));
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "relative/cache");  // the XDG spec ignores relative paths
    EXPECT_EQ(default_cache_dir(), fs::path("/home/someone/.cache/gradlings"));
  }
}

TEST(DefaultCacheDir, NoHomeThrows) {
  ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
  ScopedEnv home("HOME", std::nullopt);
  try {
    default_cache_dir();
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "cannot choose a cache folder: HOME is not set (set XDG_CACHE_HOME to a "
                 "writable folder)");
  }
}

}  // namespace
}  // namespace gradlings::runner
