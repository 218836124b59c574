// The workspace: its marker file of progress, resets with backups, and
// compile_commands.json written only when it changes.
#include "runner/workspace.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "runner/locate.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "02-two-layer-network";

fs::path fresh(const std::string& name) {
  fs::path dir = scratch_dir("workspace-test") / name;
  fs::remove_all(dir);
  return dir;
}

TEST(Workspace, SaveWritesMarkerThatReloads) {
  fs::path dir = fresh("reload");
  Lesson lesson = load_lesson(kLessonDir);
  {
    Workspace workspace(dir);
    workspace.set_state(lesson, {"does not compile", 2});
    workspace.save();
  }
  EXPECT_TRUE(is_workspace(dir));
  nlohmann::json json = nlohmann::json::parse(read_file(dir / "gradlings.json"));
  EXPECT_EQ("does not compile", json["lessons"]["02-two-layer-network"]["status"]);

  Workspace again(dir);
  EXPECT_EQ("does not compile", again.state(lesson).status);
  EXPECT_EQ(2, again.state(lesson).hints_shown);
}

// Two runners open one workspace, check different lessons and save one after
// the other: neither may lose the other's progress.
TEST(Workspace, TwoRunnersKeepEachOthersProgress) {
  fs::path dir = fresh("two-runners");
  fs::create_directories(dir);
  Lesson two = load_lesson(kLessonDir);
  Lesson three = load_lesson(kRoot / "lessons" / "03-xor");
  Workspace first(dir);
  Workspace second(dir);

  first.set_state(two, {"passed", 1});
  first.save();
  second.set_state(three, {"failed", 0});
  second.save();

  Workspace after(dir);
  EXPECT_EQ(after.state(two).status, "passed");
  EXPECT_EQ(after.state(two).hints_shown, 1);
  EXPECT_EQ(after.state(three).status, "failed");
}

TEST(Workspace, BrokenMarkerNamesFileAndWhatToDo) {
  fs::path dir = fresh("broken");
  fs::create_directories(dir);
  std::ofstream(dir / "gradlings.json") << "{\"lessons\": [1, ";
  std::string message = error_message([&] { Workspace workspace(dir); });
  EXPECT_TRUE(message.starts_with("progress file '" + (dir / "gradlings.json").string() +
                                  "' is not valid: "))
      << message;
  EXPECT_TRUE(
      message.ends_with("(fix it, or delete it to start the progress over; your "
                        "exercises stay)"))
      << message;
}

TEST(Workspace, ResetKeepsBackupOfChangedFile) {
  fs::path dir = fresh("reset");
  Lesson lesson = load_lesson(kLessonDir);
  Workspace workspace(dir);
  ASSERT_TRUE(workspace.ensure_exercise(lesson));
  std::ofstream(workspace.exercise(lesson)) << "// my half-done work\n";

  std::optional<fs::path> backup = workspace.reset_exercise(lesson);
  ASSERT_TRUE(backup);
  EXPECT_EQ("// my half-done work\n", read_file(*backup));
  EXPECT_EQ(read_file(kLessonDir / "exercise.cpp"), read_file(workspace.exercise(lesson)));
  EXPECT_EQ(dir / "02-two-layer-network", backup->parent_path());
  EXPECT_TRUE(backup->filename().string().starts_with("exercise.cpp.")) << *backup;
  EXPECT_TRUE(backup->filename().string().ends_with(".bak")) << *backup;
}

TEST(Workspace, ResetOfStubKeepsNoBackup) {
  fs::path dir = fresh("reset-stub");
  Lesson lesson = load_lesson(kLessonDir);
  Workspace workspace(dir);
  workspace.ensure_exercise(lesson);
  EXPECT_FALSE(workspace.reset_exercise(lesson));
  EXPECT_EQ(1, std::distance(fs::directory_iterator(dir / lesson.slug), fs::directory_iterator()));
}

TEST(Workspace, TwoResetsInOneSecondKeepBothBackups) {
  fs::path dir = fresh("reset-twice");
  Lesson lesson = load_lesson(kLessonDir);
  Workspace workspace(dir);
  workspace.ensure_exercise(lesson);
  std::ofstream(workspace.exercise(lesson)) << "// first\n";
  std::optional<fs::path> first = workspace.reset_exercise(lesson);
  std::ofstream(workspace.exercise(lesson)) << "// second\n";
  std::optional<fs::path> second = workspace.reset_exercise(lesson);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_NE(*first, *second);
  EXPECT_EQ("// first\n", read_file(*first));
  EXPECT_EQ("// second\n", read_file(*second));
}

TEST(Workspace, CompileCommandsWrittenOnlyWhenChanged) {
  fs::path dir = fresh("compile-commands");
  fs::create_directories(dir);
  Workspace workspace(dir);
  std::vector<CompileCommand> commands = {
      {dir / "01-chain-rule" / "exercise.cpp", {"/usr/bin/c++", "-std=c++20", "-c", "x.cpp"}}};
  EXPECT_TRUE(workspace.write_compile_commands(commands));
  auto written = fs::last_write_time(dir / "compile_commands.json");
  EXPECT_FALSE(workspace.write_compile_commands(commands));
  EXPECT_EQ(written, fs::last_write_time(dir / "compile_commands.json"));

  nlohmann::json json = nlohmann::json::parse(read_file(dir / "compile_commands.json"));
  ASSERT_EQ(1u, json.size());
  EXPECT_EQ((dir / "01-chain-rule").string(), json[0]["directory"]);
  EXPECT_EQ((dir / "01-chain-rule" / "exercise.cpp").string(), json[0]["file"]);
  EXPECT_EQ("-std=c++20", json[0]["arguments"][1]);

  commands[0].arguments.push_back("-O1");
  EXPECT_TRUE(workspace.write_compile_commands(commands));
  json = nlohmann::json::parse(read_file(dir / "compile_commands.json"));
  EXPECT_EQ("-O1", json[0]["arguments"][4]);
}

}  // namespace
}  // namespace gradlings::runner
