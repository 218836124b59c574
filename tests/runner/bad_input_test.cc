// Bad input on the command line: each mistake gets one exact message, exit
// status 2, and leaves the learner's files as they were.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;
using namespace lesson_support;

fs::path scratch() {
  fs::path folder = scratch_dir("bad-input");
  fs::create_directories(folder);
  return folder;
}

void write(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

TEST(BadExercise, FolderInPlaceOfFile) {
  fs::path folder = scratch() / "folder.cpp";
  fs::create_directories(folder);

  CommandOutput output = run_runner("lesson 2 --exercise " + folder.string());

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text, "runner: error: exercise '" + folder.string() +
                             "' is a folder; give the exercise.cpp file inside it\n");
}

TEST(BadExercise, NotUtf8) {
  fs::path file = scratch() / "latin1.cpp";
  std::string bytes = "// ok\n// caf\xe9\n";
  write(file, bytes);

  CommandOutput output = run_runner("lesson 2 --exercise " + file.string());

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text, "runner: error: exercise '" + file.string() +
                             "' is not UTF-8 text (line 2 has the byte 0xE9); save it as UTF-8\n");
  EXPECT_EQ(read_file(file), bytes);
}

TEST(BadExercise, NulByte) {
  fs::path file = scratch() / "nul.cpp";
  write(file, std::string("int x;\n\0\n", 9));

  CommandOutput output = run_runner("lesson 2 --exercise " + file.string());

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text, "runner: error: exercise '" + file.string() +
                             "' is not UTF-8 text (line 2 has the byte 0x00); save it as UTF-8\n");
}

TEST(BadExercise, HundredMegabytes) {
  fs::path file = scratch() / "huge.cpp";
  {
    std::ofstream out(file, std::ios::binary);
    std::string block(1 << 20, ' ');
    for (int i = 0; i < 100; ++i) {
      out << block;
    }
  }

  CommandOutput output = run_runner("lesson 2 --exercise " + file.string());
  fs::remove(file);

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text, "runner: error: exercise '" + file.string() +
                             "' is 104.9 MB, and an exercise may be at most 1 MiB; check that it "
                             "is the right file\n");
}

// Whether bwrap can make a mount namespace here, which the two tests below
// use to make a folder read-only or small without privileges.
bool bubblewrap_usable() {
  return run_program("bwrap", "--bind / / --dev /dev true 2>&1").status == 0;
}

std::string in_bubblewrap(const std::string& mounts, const std::string& command) {
  return fmt::format("--bind / / --dev /dev --proc /proc {} {} {} 2>&1", mounts,
                     GRADLINGS_RUNNER, command);
}

TEST(BadEnvironment, ReadOnlyWorkspace) {
  if (!bubblewrap_usable()) {
    GTEST_SKIP() << "bwrap cannot make a mount namespace on this machine";
  }
  fs::path workspace = scratch() / "read-only";
  fs::remove_all(workspace);
  ASSERT_EQ(run_runner("init " + workspace.string()).status, 0);
  std::string stub = read_file(workspace / "02-two-layer-network" / "exercise.cpp");

  CommandOutput output = run_program(
      "bwrap", in_bubblewrap("--ro-bind " + workspace.string() + " " + workspace.string(),
                             "--workspace " + workspace.string() + " lesson 2"));

  EXPECT_EQ(output.status, 2);
  std::string expected = "runner: error: cannot write '" + (workspace / "gradlings.json").string() +
                         "': Read-only file system; make the workspace folder writable (your "
                         "exercises are unchanged)\n";
  // The trace on stdout reaches the pipe when the runner exits, after the error.
  EXPECT_NE(output.text.find(expected), std::string::npos) << output.text;
  EXPECT_EQ(read_file(workspace / "02-two-layer-network" / "exercise.cpp"), stub);
}

TEST(BadEnvironment, FullDiskForTheCache) {
  if (!bubblewrap_usable()) {
    GTEST_SKIP() << "bwrap cannot make a mount namespace on this machine";
  }
  fs::path cache = scratch() / "small-cache";
  fs::create_directories(cache);
  fs::path exercise = kRoot / "solutions" / "02-two-layer-network" / "exercise.cpp";

  CommandOutput output = run_program(
      "bwrap", in_bubblewrap("--size 65536 --tmpfs " + cache.string() +
                                 " --setenv XDG_CACHE_HOME " + cache.string(),
                             "lesson 2 --exercise " + exercise.string()));

  EXPECT_EQ(output.status, 2);
  std::string expected = "runner: error: cache folder '" + (cache / "gradlings" / "exercise").string() +
                         "' is not writable: No space left on device (set XDG_CACHE_HOME to a "
                         "writable folder)\n";
  EXPECT_NE(output.text.find(expected), std::string::npos) << output.text;
}

TEST(BadCommandLine, UnknownCommandSuggestsOne) {
  CommandOutput output = run_runner("lesosn 2");

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text,
            "runner: error: unknown command 'lesosn' (did you mean 'lesson'?)\n"
            "run 'runner --help' for usage\n");
}

TEST(BadCommandLine, UnknownOptionSuggestsOne) {
  CommandOutput output = run_runner("lesson 2 --verbos");

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text,
            "runner: error: unknown option '--verbos' (did you mean '--verbose'?)\n"
            "run 'runner --help' for usage\n");
}

TEST(BadCommandLine, UnknownGlobalOptionSuggestsOne) {
  CommandOutput output = run_runner("--plian list");

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text,
            "runner: error: unknown option '--plian' (did you mean '--plain'?)\n"
            "run 'runner --help' for usage\n");
}

TEST(BadCommandLine, LessonOutOfRange) {
  CommandOutput output = run_runner("explain 99");

  EXPECT_EQ(output.status, 2);
  EXPECT_EQ(output.text,
            "runner: error: no lesson 99 (the lessons are 1, 2, 3, 4, 5, 6, 7, 8; 'runner list' "
            "shows them)\n");
}

}  // namespace
}  // namespace gradlings::runner
