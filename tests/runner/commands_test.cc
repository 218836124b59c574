// The workspace commands end to end, with the runner installed by `cmake
// --install` into a temporary prefix and run from folders outside the
// checkout: init, lesson, next, list, verify, reset and solution.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

fs::path scratch() { return scratch_dir("commands-test"); }

// Each test process installs into a prefix of its own, because ctest runs
// the tests of this file in parallel processes.
fs::path prefix() { return scratch() / ("prefix-" + std::to_string(getpid())); }

class RemovePrefix : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(prefix()); }
};
const auto* const kRemovePrefix = ::testing::AddGlobalTestEnvironment(new RemovePrefix);

// The installed runner, installed once for the whole test process.
const fs::path& installed_runner() {
  static const fs::path runner = [] {
    fs::path folder = prefix();
    fs::remove_all(folder);
    CommandOutput install =
        run_program(CMAKE_COMMAND, "--install '" + std::string(GRADLINGS_BUILD_DIR) +
                                       "' --prefix '" + folder.string() + "'");
    EXPECT_EQ(0, install.status) << install.text;
    return folder / "bin" / "runner";
  }();
  return runner;
}

// Runs the installed runner with `arguments` in `folder`, stdin closed.
CommandOutput run_in(const fs::path& folder, const std::string& arguments) {
  return run_program("cd", "'" + folder.string() + "' && '" + installed_runner().string() + "' " +
                               arguments + " </dev/null");
}

// A new empty folder outside the checkout.
fs::path fresh(const std::string& name) {
  fs::path dir = scratch() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A workspace made by `runner init` in a new folder; returns its path.
fs::path initialised(const std::string& name) {
  fs::path dir = fresh(name);
  CommandOutput init = run_in(dir, "init");
  EXPECT_EQ(0, init.status) << init.text;
  return dir / "gradlings";
}

void put_solution(const fs::path& workspace, const std::string& slug) {
  fs::copy_file(kRoot / "solutions" / slug / "exercise.cpp", workspace / slug / "exercise.cpp",
                fs::copy_options::overwrite_existing);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(InstalledRunner, InitThenLessonTwoFromEmptyFolder) {
  fs::path dir = fresh("init-then-lesson");
  CommandOutput init = run_in(dir, "init");
  ASSERT_EQ(0, init.status) << init.text;
  EXPECT_TRUE(contains(init.text, "Created a gradlings workspace in gradlings with 8 lessons"))
      << init.text;
  fs::path workspace = dir / "gradlings";
  EXPECT_EQ(read_file(kRoot / "lessons" / "02-two-layer-network" / "exercise.cpp"),
            read_file(workspace / "02-two-layer-network" / "exercise.cpp"));
  EXPECT_TRUE(fs::exists(workspace / "gradlings.json"));

  std::string commands = read_file(workspace / "compile_commands.json");
  fs::path harness = installed_runner().parent_path().parent_path() / "share" / "gradlings" /
                     "lessons" / "harness";
  EXPECT_TRUE(contains(commands, "\"-I" + harness.string() + "\"")) << commands;
  EXPECT_TRUE(contains(commands, "\"-Werror=return-type\"")) << commands;

  CommandOutput lesson = run_in(workspace, "lesson 2 --plain");
  EXPECT_EQ(1, lesson.status) << lesson.text;
  EXPECT_TRUE(
      contains(lesson.text, "Not implemented yet: forward(), loss(), backward(), update()."))
      << lesson.text;

  put_solution(workspace, "02-two-layer-network");
  CommandOutput passed = run_in(workspace / "02-two-layer-network", "lesson 2 --plain");
  EXPECT_EQ(0, passed.status) << passed.text;
  EXPECT_TRUE(contains(passed.text, "ok Lesson 2 passed: every value is right.")) << passed.text;
}

TEST(InstalledRunner, OutsideWorkspaceSaysHowToMakeOne) {
  fs::path dir = fresh("outside");
  CommandOutput list = run_in(dir, "list");
  EXPECT_EQ(2, list.status);
  EXPECT_EQ("runner: error: no gradlings workspace in '" + dir.string() +
                "' or any folder above it (run 'runner init' to create one, or 'cd' into "
                "yours)\n",
            list.text);
}

TEST(InstalledRunner, InitRefusesFolderWithOtherFiles) {
  fs::path dir = fresh("init-busy");
  fs::create_directories(dir / "notes");
  std::ofstream(dir / "notes" / "todo.txt") << "keep me\n";
  CommandOutput init = run_in(dir, "init notes");
  EXPECT_EQ(2, init.status);
  EXPECT_EQ(
      "runner: error: 'notes' already exists and is not a gradlings workspace (give "
      "'runner init' a new folder name)\n",
      init.text);
  EXPECT_EQ("keep me\n", read_file(dir / "notes" / "todo.txt"));
}

TEST(InstalledRunner, InitAgainKeepsWork) {
  fs::path workspace = initialised("init-twice");
  put_solution(workspace, "01-chain-rule");
  CommandOutput again = run_in(workspace.parent_path(), "init");
  EXPECT_EQ(0, again.status) << again.text;
  EXPECT_EQ("'gradlings' is already a workspace; every lesson's exercise is there.\n", again.text);
  EXPECT_EQ(read_file(kRoot / "solutions" / "01-chain-rule" / "exercise.cpp"),
            read_file(workspace / "01-chain-rule" / "exercise.cpp"));
}

TEST(InstalledRunner, ListShowsProgressBar) {
  fs::path workspace = initialised("list");
  put_solution(workspace, "01-chain-rule");
  ASSERT_EQ(0, run_in(workspace, "lesson 1").status);
  run_in(workspace, "lesson 2");

  CommandOutput list = run_in(workspace, "list --plain");
  EXPECT_EQ(0, list.status) << list.text;
  EXPECT_TRUE(contains(list.text, "  1  The chain rule                     ok passed\n"))
      << list.text;
  EXPECT_TRUE(
      contains(list.text, "  2  The two-layer network              XX not implemented yet\n"))
      << list.text;
  EXPECT_TRUE(contains(list.text, "  3  Learning XOR                       .. not started\n"))
      << list.text;
  EXPECT_TRUE(contains(list.text, "[###.................] 1/8 lessons\n")) << list.text;
}

TEST(InstalledRunner, NextChecksFirstUnfinishedLesson) {
  fs::path workspace = initialised("next");
  put_solution(workspace, "01-chain-rule");
  CommandOutput first = run_in(workspace, "next --plain");
  EXPECT_EQ(0, first.status) << first.text;
  EXPECT_TRUE(contains(first.text, "Lesson 1 passed")) << first.text;

  CommandOutput second = run_in(workspace, "next --plain");
  EXPECT_EQ(1, second.status) << second.text;
  EXPECT_TRUE(contains(second.text, "Lesson 2: The two-layer network")) << second.text;
  EXPECT_TRUE(contains(second.text, "Not implemented yet")) << second.text;
}

TEST(InstalledRunner, VerifyStopsAtFirstUnfinishedLesson) {
  fs::path workspace = initialised("verify");
  put_solution(workspace, "01-chain-rule");
  put_solution(workspace, "03-xor");

  CommandOutput verify = run_in(workspace, "verify --plain");
  EXPECT_EQ(1, verify.status) << verify.text;
  EXPECT_TRUE(
      contains(verify.text, "Not implemented yet: forward(), loss(), backward(), update()."))
      << verify.text;
  EXPECT_TRUE(contains(verify.text, "  1  The chain rule                     ok passed"))
      << verify.text;
  EXPECT_TRUE(
      contains(verify.text, "  2  The two-layer network              XX not implemented yet"))
      << verify.text;
  EXPECT_TRUE(contains(verify.text, "  3  Learning XOR                       .. not checked\n"))
      << verify.text;
  EXPECT_TRUE(contains(verify.text, "Stopped at lesson 2: not implemented yet.")) << verify.text;
  EXPECT_FALSE(contains(verify.text, "Lesson 3: Learning XOR")) << verify.text;
}

TEST(InstalledRunner, ResetRestoresStubAndKeepsBackup) {
  fs::path workspace = initialised("reset");
  put_solution(workspace, "02-two-layer-network");
  ASSERT_EQ(0, run_in(workspace, "lesson 2").status);

  CommandOutput rejected = run_in(workspace, "reset 2");
  EXPECT_EQ(2, rejected.status);
  EXPECT_EQ(
      "runner: error: 'runner reset 2' asks before it replaces your work, and there is no "
      "terminal to ask on (add --yes to confirm)\n",
      rejected.text);

  CommandOutput reset = run_in(workspace, "reset 2 --yes");
  EXPECT_EQ(0, reset.status) << reset.text;
  fs::path exercise = workspace / "02-two-layer-network" / "exercise.cpp";
  EXPECT_EQ(read_file(kRoot / "lessons" / "02-two-layer-network" / "exercise.cpp"),
            read_file(exercise));

  std::vector<fs::path> backups;
  for (const auto& entry : fs::directory_iterator(exercise.parent_path())) {
    if (entry.path().extension() == ".bak") {
      backups.push_back(entry.path());
    }
  }
  ASSERT_EQ(1u, backups.size());
  EXPECT_EQ(read_file(kRoot / "solutions" / "02-two-layer-network" / "exercise.cpp"),
            read_file(backups[0]));
  EXPECT_TRUE(
      contains(reset.text, "Lesson 2: restored the stub in " +
                               (fs::path("02-two-layer-network") / "exercise.cpp").string() +
                               "; your file is kept as "))
      << reset.text;

  CommandOutput list = run_in(workspace, "list --plain");
  EXPECT_TRUE(contains(list.text, "  2  The two-layer network              .. not started"))
      << list.text;
}

TEST(InstalledRunner, ResetAllNeedsNoNumber) {
  fs::path workspace = initialised("reset-all");
  put_solution(workspace, "01-chain-rule");
  CommandOutput both = run_in(workspace, "reset 1 --all --yes");
  EXPECT_EQ(2, both.status);
  EXPECT_EQ(
      "runner: error: reset needs a lesson number or --all, not both (runner reset 2, "
      "runner reset --all)\n",
      both.text);

  CommandOutput all = run_in(workspace, "reset --all --yes");
  EXPECT_EQ(0, all.status) << all.text;
  EXPECT_TRUE(contains(all.text, "Lesson 1: restored the stub")) << all.text;
  EXPECT_TRUE(contains(
      all.text,
      "Lesson 8: " + (fs::path("08-mini-batches") / "exercise.cpp").string() + " is the stub.\n"))
      << all.text;
}

TEST(InstalledRunner, SolutionOnlyAfterPassOrWithForce) {
  fs::path workspace = initialised("solution");
  std::string solution = read_file(kRoot / "solutions" / "01-chain-rule" / "exercise.cpp");

  CommandOutput rejected = run_in(workspace, "solution 1");
  EXPECT_EQ(1, rejected.status);
  EXPECT_EQ(
      "runner: lesson 1 has not passed yet, so its solution stays hidden: working it out is "
      "what teaches.\n'runner hint 1' gives the next step; 'runner solution 1 --force' "
      "shows it anyway.\n",
      rejected.text);

  CommandOutput forced = run_in(workspace, "solution 1 --force");
  EXPECT_EQ(0, forced.status);
  std::size_t warning = forced.text.find("runner: warning: lesson 1 has not passed yet.");
  std::size_t code = forced.text.find(solution);
  EXPECT_NE(std::string::npos, warning) << forced.text;
  EXPECT_NE(std::string::npos, code) << forced.text;
  EXPECT_LT(warning, code);

  put_solution(workspace, "01-chain-rule");
  ASSERT_EQ(0, run_in(workspace, "lesson 1").status);
  CommandOutput shown = run_in(workspace, "solution 1");
  EXPECT_EQ(0, shown.status);
  EXPECT_FALSE(contains(shown.text, "warning")) << shown.text;
  EXPECT_TRUE(contains(shown.text, solution)) << shown.text;
}

TEST(InstalledRunner, InitInsideWorkspaceAddsToIt) {
  fs::path workspace = initialised("init-inside");
  fs::remove_all(workspace / "03-xor");
  CommandOutput again = run_in(workspace / "01-chain-rule", "init");
  EXPECT_EQ(0, again.status) << again.text;
  EXPECT_EQ(
      "'" + workspace.string() + "' is already a workspace; added the stubs of 1 new lesson.\n",
      again.text);
  EXPECT_TRUE(fs::exists(workspace / "03-xor" / "exercise.cpp"));
  EXPECT_FALSE(fs::exists(workspace / "01-chain-rule" / "gradlings"));
}

TEST(InstalledRunner, InitOfFolderInsideWorkspaceRefused) {
  fs::path workspace = initialised("init-nested");
  CommandOutput nested = run_in(workspace / "02-two-layer-network", "init sub");
  EXPECT_EQ(2, nested.status);
  EXPECT_EQ("runner: error: 'sub' would be inside the workspace '" + workspace.string() +
                "' (run 'runner init' outside it, or plain 'runner init' in it to add new "
                "lessons' stubs)\n",
            nested.text);
  EXPECT_FALSE(fs::exists(workspace / "02-two-layer-network" / "sub"));

  CommandOutput beside = run_in(workspace.parent_path(), "init second");
  EXPECT_EQ(0, beside.status) << beside.text;
}

TEST(InstalledRunner, FirstCheckShowsExplanation) {
  fs::path workspace = initialised("explanation");
  CommandOutput first = run_in(workspace, "lesson 1 --plain");
  EXPECT_TRUE(contains(first.text, "Lesson 1: The chain rule\n\n")) << first.text;
  EXPECT_TRUE(contains(first.text,
                       "Your exercise: " + (fs::path("01-chain-rule") / "exercise.cpp").string() +
                           ".\n"
                           "Write it from the top down, deleting each not_implemented() call as "
                           "you go.\n"
                           "'runner explain 1' shows the text above again. Its first check "
                           "follows.\n"))
      << first.text;

  CommandOutput second = run_in(workspace, "lesson 1 --plain");
  EXPECT_FALSE(contains(second.text, "Its first check follows.")) << second.text;
}

TEST(InstalledRunner, BadWorkspaceOptionIsNamed) {
  fs::path dir = fresh("bad-workspace");
  fs::path workspace = initialised("bad-workspace-real");
  std::ofstream(dir / "notes.txt") << "not a folder\n";

  CommandOutput missing = run_in(dir, "--workspace nowhere list");
  EXPECT_EQ(2, missing.status);
  EXPECT_EQ(
      "runner: error: --workspace 'nowhere' does not exist (check the path, or run 'runner "
      "init nowhere' to create a workspace there)\n",
      missing.text);

  CommandOutput file = run_in(dir, "--workspace notes.txt list");
  EXPECT_EQ(2, file.status);
  EXPECT_EQ(
      "runner: error: --workspace 'notes.txt' is a file, not a folder (pass the folder that "
      "contains gradlings.json)\n",
      file.text);

  CommandOutput inner =
      run_in(dir, "--workspace '" + (workspace / "01-chain-rule").string() + "' list");
  EXPECT_EQ(2, inner.status);
  EXPECT_EQ("runner: error: --workspace '" + (workspace / "01-chain-rule").string() +
                "' is not a gradlings workspace: it has no gradlings.json (pass the folder that "
                "contains it, or run 'runner init DIR' for a new one)\n",
            inner.text);

  CommandOutput created = run_in(dir, "--workspace new-one lesson 1");
  EXPECT_EQ(1, created.status) << created.text;
  EXPECT_TRUE(fs::exists(dir / "new-one" / "gradlings.json"));
}

TEST(InstalledRunner, CommandLineMistakesAreExplained) {
  fs::path workspace = initialised("command-line");
  CommandOutput no_number = run_in(workspace, "hint");
  EXPECT_EQ(2, no_number.status);
  EXPECT_EQ(
      "runner: error: missing the lesson number (for example 'runner hint 2')\n"
      "run 'runner --help' for usage\n",
      no_number.text);

  CommandOutput not_number = run_in(workspace, "lesson 2 --timeout abc");
  EXPECT_EQ(2, not_number.status);
  EXPECT_EQ("runner: error: --timeout 'abc' is not a number\nrun 'runner --help' for usage\n",
            not_number.text);

  CommandOutput infinite = run_in(workspace, "lesson 2 --timeout inf");
  EXPECT_EQ(2, infinite.status);
  EXPECT_EQ(
      "runner: error: --timeout inf is out of range (give the seconds your program may run, "
      "from 0.1 to 3600)\n",
      infinite.text);
}

}  // namespace
}  // namespace gradlings::runner
