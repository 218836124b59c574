// `runner check-lessons` and lesson packs end to end, with the runner built
// from this tree, on the shipped lessons, on the authoring example and on
// scratch packs with broken lesson files, stubs and solutions. Also the
// lesson file's format version.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "runner/lesson.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kExamplePack = kRoot / "docs" / "example-pack" / "lessons";

// Creates an empty pack folder NAME in the scratch folder, with lessons/ and
// solutions/ inside, and returns it.
fs::path fresh_pack(const std::string& name) {
  fs::path pack = scratch_dir("check-lessons-test") / name;
  fs::remove_all(pack);
  fs::create_directories(pack / "lessons");
  fs::create_directories(pack / "solutions");
  return pack;
}

// Copies shipped lesson `slug` and its solution into `pack`.
void copy_lesson(const fs::path& pack, const std::string& slug) {
  fs::copy(kRoot / "lessons" / slug, pack / "lessons" / slug, fs::copy_options::recursive);
  fs::copy(kRoot / "solutions" / slug, pack / "solutions" / slug, fs::copy_options::recursive);
}

// Replaces the first `from` in `path` by `to`.
void edit(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = replace_first(read_file(path), from, to);
  std::ofstream(path, std::ios::trunc) << text;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

TEST(CheckLessons, ShippedLessonsPass) {
  CommandOutput output = run_runner("check-lessons");
  EXPECT_EQ(0, output.status);
  EXPECT_EQ("8 lessons checked, no errors\n", output.text);
}

TEST(CheckLessons, ExamplePackPasses) {
  CommandOutput output = run_runner("check-lessons " + quoted(kExamplePack));
  EXPECT_EQ(0, output.status);
  EXPECT_EQ("1 lesson checked, no errors\n", output.text);
}

TEST(CheckLessons, ReportsTwoBrokenFilesInOneRun) {
  fs::path pack = fresh_pack("two-broken");
  copy_lesson(pack, "01-chain-rule");
  copy_lesson(pack, "02-two-layer-network");
  copy_lesson(pack, "03-xor");
  fs::path first = pack / "lessons" / "01-chain-rule" / "lesson.yaml";
  fs::path third = pack / "lessons" / "03-xor" / "lesson.yaml";
  edit(first, "kind: chain-rule", "kind: chain-rul");
  edit(third, "title: Learning XOR", "titel: Learning XOR");

  CommandOutput output = run_runner("check-lessons " + quoted(pack / "lessons"));
  EXPECT_EQ(2, output.status);
  EXPECT_EQ(first.string() +
                ":6:7: unknown lesson kind 'chain-rul' (did you mean 'chain-rule'?)\n"
                "  kind: chain-rul\n"
                "        ^\n" +
                third.string() +
                ":4:1: unknown key 'titel' in the lesson (did you mean 'title'?)\n"
                "  titel: Learning XOR\n"
                "  ^\n"
                "3 lessons checked, 2 errors\n",
            output.text);
}

TEST(CheckLessons, ReportsPassingStubAndFailingSolution) {
  fs::path pack = fresh_pack("swapped");
  copy_lesson(pack, "02-two-layer-network");
  fs::path stub = pack / "lessons" / "02-two-layer-network" / "exercise.cpp";
  fs::path solution = pack / "solutions" / "02-two-layer-network" / "exercise.cpp";
  fs::copy_file(kRoot / "solutions" / "02-two-layer-network" / "exercise.cpp", stub,
                fs::copy_options::overwrite_existing);
  fs::copy_file(kRoot / "lessons" / "02-two-layer-network" / "exercise.cpp", solution,
                fs::copy_options::overwrite_existing);

  CommandOutput output = run_runner("check-lessons " + quoted(pack / "lessons"));
  EXPECT_EQ(2, output.status);
  EXPECT_EQ(stub.string() +
                ": the stub's check ends in 'passed', not 'not implemented yet' (a stub "
                "compiles and leaves each function to the learner with not_implemented())\n" +
                solution.string() +
                ": the solution's check ends in 'not implemented yet', not 'passed' (run "
                "'runner --pack " +
                (pack / "lessons").string() + " lesson 2 --exercise " + solution.string() +
                "' for its trace)\n"
                "1 lesson checked, 2 errors\n",
            output.text);
}

TEST(CheckLessons, ReportsDuplicateNumberAndTitle) {
  fs::path pack = fresh_pack("duplicates");
  copy_lesson(pack, "02-two-layer-network");
  fs::copy(pack / "lessons" / "02-two-layer-network", pack / "lessons" / "02-again",
           fs::copy_options::recursive);
  fs::copy(pack / "solutions" / "02-two-layer-network", pack / "solutions" / "02-again",
           fs::copy_options::recursive);
  fs::path again = pack / "lessons" / "02-again" / "lesson.yaml";
  edit(again, "title: The two-layer network", "title: The two-layer network again");
  fs::copy(pack / "lessons" / "02-two-layer-network", pack / "lessons" / "09-copy",
           fs::copy_options::recursive);
  fs::copy(pack / "solutions" / "02-two-layer-network", pack / "solutions" / "09-copy",
           fs::copy_options::recursive);
  fs::path copy = pack / "lessons" / "09-copy" / "lesson.yaml";
  edit(copy, "number: 2", "number: 9");

  CommandOutput output = run_runner("check-lessons " + quoted(pack / "lessons"));
  EXPECT_EQ(2, output.status);
  EXPECT_EQ(pack.string() +
                "/lessons/02-two-layer-network/lesson.yaml:3:9: lesson number 2 is also the "
                "number of '02-again' (give each lesson its own number)\n"
                "  number: 2\n"
                "          ^\n" +
                copy.string() +
                ":4:8: title 'The two-layer network' is also the title of lesson 2 (give each "
                "lesson its own title)\n"
                "  title: The two-layer network\n"
                "         ^\n"
                "3 lessons checked, 2 errors\n",
            output.text);
}

TEST(CheckLessons, ReportsMissingSolution) {
  fs::path pack = fresh_pack("no-solution");
  copy_lesson(pack, "02-two-layer-network");
  fs::remove_all(pack / "solutions" / "02-two-layer-network");

  CommandOutput output = run_runner("check-lessons " + quoted(pack / "lessons"));
  EXPECT_EQ(2, output.status);
  EXPECT_EQ(pack.string() +
                "/solutions/02-two-layer-network/exercise.cpp: missing file (lesson 2 needs "
                "it)\n"
                "1 lesson checked, 1 error\n",
            output.text);
}

TEST(LessonFormat, NewerFormatIsRejected) {
  fs::path pack = fresh_pack("format");
  copy_lesson(pack, "02-two-layer-network");
  fs::path dir = pack / "lessons" / "02-two-layer-network";
  edit(dir / "lesson.yaml", "format: 1", "format: 2");
  EXPECT_EQ((dir / "lesson.yaml").string() +
                ":2:9: this lesson needs format 2, but this runner reads format 1 at most; "
                "update gradlings\n"
                "  format: 2\n"
                "          ^",
            error_message([&] { load_lesson(dir); }));
}

TEST(LessonFormat, MissingFormatMeansOne) {
  fs::path pack = fresh_pack("no-format");
  copy_lesson(pack, "02-two-layer-network");
  fs::path dir = pack / "lessons" / "02-two-layer-network";
  edit(dir / "lesson.yaml", "format: 1\n", "");
  EXPECT_EQ("", error_message([&] { load_lesson(dir); }));
}

TEST(LessonFormat, FormatZeroIsRejected) {
  fs::path pack = fresh_pack("format-zero");
  copy_lesson(pack, "02-two-layer-network");
  fs::path dir = pack / "lessons" / "02-two-layer-network";
  edit(dir / "lesson.yaml", "format: 1", "format: 0");
  EXPECT_EQ((dir / "lesson.yaml").string() +
                ":2:9: 'format' must be between 1 and 1000000, not 0\n"
                "  format: 0\n"
                "          ^",
            error_message([&] { load_lesson(dir); }));
}

TEST(LessonPack, ExplainReadsThePack) {
  CommandOutput output = run_runner("--pack " + quoted(kExamplePack) + " explain 1");
  EXPECT_EQ(0, output.status);
  EXPECT_EQ(0u, output.text.find("Lesson 1: Switching a unit off\n\n")) << output.text;
}

TEST(LessonPack, EnvironmentVariableSelectsPack) {
  CommandOutput output = run_program(
      "env", "GRADLINGS_PACK=" + quoted(kExamplePack) + " '" GRADLINGS_RUNNER "' explain 1");
  EXPECT_EQ(0, output.status);
  EXPECT_EQ(0u, output.text.find("Lesson 1: Switching a unit off\n\n")) << output.text;
}

TEST(LessonPack, OptionWinsOverEnvironment) {
  CommandOutput output =
      run_program("env", "GRADLINGS_PACK=/nonexistent-pack '" GRADLINGS_RUNNER "' --pack " +
                             quoted(kExamplePack) + " explain 1");
  EXPECT_EQ(0, output.status);
  EXPECT_EQ(0u, output.text.find("Lesson 1: Switching a unit off\n\n")) << output.text;
}

TEST(LessonPack, CheckLessonsUsesPack) {
  CommandOutput output = run_runner("--pack " + quoted(kExamplePack) + " check-lessons");
  EXPECT_EQ(0, output.status);
  EXPECT_EQ("1 lesson checked, no errors\n", output.text);
}

TEST(LessonPack, MissingPackIsNamed) {
  fs::path missing = scratch_dir("check-lessons-test") / "no-such-pack";
  CommandOutput output = run_runner("--pack " + quoted(missing) + " explain 1");
  EXPECT_EQ(2, output.status);
  EXPECT_EQ("runner: error: --pack '" + missing.string() +
                "' is not a folder (give the folder that contains the lesson folders, such as "
                "01-chain-rule/)\n",
            output.text);
}

TEST(LessonPack, EmptyPackIsNamed) {
  fs::path empty = fresh_pack("empty") / "lessons";
  CommandOutput output = run_program(
      "env", "GRADLINGS_PACK=" + quoted(empty) + " '" GRADLINGS_RUNNER "' list");
  EXPECT_EQ(2, output.status);
  EXPECT_EQ("runner: error: GRADLINGS_PACK '" + empty.string() +
                "' contains no lessons (each lesson is a folder NN-slug/ with a lesson.yaml)\n",
            output.text);
}

}  // namespace
}  // namespace gradlings::runner
