// Loads each broken lesson under tests/fixtures/broken_lessons and checks
// that load_lesson throws Error with the exact message: file:line:col, the
// value, what to do, and the source line with a caret where one helps.
//
// Each fixture is a lesson folder NN-slug holding one lesson.yaml with one
// mistake. The NN-valid folders are the bases the others were edited from,
// and must load, so that each message comes from its fixture's one mistake.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "runner/error.h"
#include "runner/lesson.h"
#include "runner/yaml_doc.h"
#include "runner/yaml_limits.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(GRADLINGS_TEST_FIXTURES) / "broken_lessons";

// A load that takes longer than this counts as a hang. Every fixture loads
// in well under a second, the alias bombs included.
constexpr double kMaxLoadSeconds = 10;

struct BrokenLesson {
  const char* folder;   // under kFixtures
  const char* message;  // with the folder's path left out
};

// Names a case by its folder in test output, in place of its bytes.
void PrintTo(const BrokenLesson& broken, std::ostream* out) { *out << broken.folder; }

// clang-format off
const BrokenLesson kBrokenLessons[] = {
    {"01-unknown-function",
     R"(lesson.yaml:21:23: unknown function 'sine' (did you mean 'sin'?) (the functions are square, sin, cos, exp, log, sigmoid, tanh, scale, add))" "\n"
     R"(        links: [square, sine])" "\n"
     R"(                        ^)"},
    {"01-unknown-hidden-function",
     R"(lesson.yaml:27:25: unknown function 'tahn' (did you mean 'tanh'?) (the functions are square, sin, cos, exp, log, sigmoid, tanh, scale, add))" "\n"
     R"(      functions: [square, tahn])" "\n"
     R"(                          ^)"},
    {"02-alias-bomb",
     R"(lesson.yaml:7:1: aliases ('*name') expand the file to more than 2097152 values by the key 'lol6', because each repeats a whole list or map (write the values out, or repeat fewer aliases))" "\n"
     R"(  lol6: &lol6 [*lol5, *lol5, *lol5, *lol5, *lol5, *lol5, *lol5, *lol5, *lol5])" "\n"
     R"(  ^)"},
    {"02-alias-bomb-in-hints",
     R"(lesson.yaml:40:1: aliases ('*name') expand the file to more than 2097152 values by the key 'lol7', because each repeats a whole list or map (write the values out, or repeat fewer aliases))" "\n"
     R"(  lol7: &h7 [*h6, *h6, *h6, *h6, *h6, *h6, *h6, *h6, *h6])" "\n"
     R"(  ^)"},
    {"02-alias-cycle",
     R"(lesson.yaml:33:1: aliases ('*name') nest the file more than 1000 levels deep by the key 'hints', because one refers to a list or map that contains it (remove that alias))" "\n"
     R"(  hints: &self [first, *self])" "\n"
     R"(  ^)"},
    {"02-binary-file",
     R"(lesson.yaml:1:8: the file contains a NUL byte, so it is binary, not text (a lesson file must be UTF-8 text))"},
    {"02-deep-block-nesting",
     R"(lesson.yaml:34:1000: lists and maps nest more than 500 levels deep (a lesson needs only a few, so close the brackets or indent less))"},
    {"02-deep-flow-nesting",
     R"(lesson.yaml:33:20008: lists and maps nest more than 500 levels deep (a lesson needs only a few, so close the brackets or indent less))"},
    {"02-duplicate-case-key",
     R"(lesson.yaml:14:5: duplicate key 'x' in a case)" "\n"
     R"(      x: 0.8)" "\n"
     R"(      ^)"},
    {"02-duplicate-case-names",
     R"(lesson.yaml:16:11: duplicate case name 'public')" "\n"
     R"(    - name: public)" "\n"
     R"(            ^)"},
    {"02-duplicate-model-key",
     R"(lesson.yaml:7:3: duplicate key 'w1' in 'model')" "\n"
     R"(    w1: 0.3)" "\n"
     R"(    ^)"},
    {"02-duplicate-top-key",
     R"(lesson.yaml:4:1: duplicate key 'title' in the lesson)" "\n"
     R"(  title: Another title)" "\n"
     R"(  ^)"},
    {"02-empty-file",
     R"(lesson.yaml:1:1: the file has no keys, because it is empty or holds only comments (a lesson file is a map that starts with 'number:', 'title:' and 'kind:'))"},
    {"02-empty-hint",
     R"(lesson.yaml:35:5: each entry of 'hints' must be text, not '')" "\n"
     R"(    - '')" "\n"
     R"(      ^)"},
    {"02-empty-hints",
     R"(lesson.yaml:33:8: 'hints' must be a list with at least one entry, not an empty list)" "\n"
     R"(  hints: [])" "\n"
     R"(         ^)"},
    {"02-empty-range",
     R"(lesson.yaml:21:6: 'x' is empty: low 1 is above high -1)" "\n"
     R"(    x: [1, -1])" "\n"
     R"(       ^)"},
    {"02-fraction-for-whole-number",
     R"(lesson.yaml:15:12: 'steps' must be a whole number, not '2.5')" "\n"
     R"(      steps: 2.5)" "\n"
     R"(             ^)"},
    {"02-hidden-count-billion",
     R"(lesson.yaml:18:10: 'count' must be between 0 and 1000, not 1000000000)" "\n"
     R"(    count: 1000000000)" "\n"
     R"(           ^)"},
    {"02-hidden-count-negative",
     R"(lesson.yaml:18:10: 'count' must be between 0 and 1000, not -1)" "\n"
     R"(    count: -1)" "\n"
     R"(           ^)"},
    {"02-huge-learning-rate",
     R"(lesson.yaml:10:18: 'learning_rate' must be a finite number, not '1e400')" "\n"
     R"(    learning_rate: 1e400)" "\n"
     R"(                   ^)"},
    {"02-infinite-target",
     R"(lesson.yaml:14:13: 'target' must be a finite number, not '.inf')" "\n"
     R"(      target: .inf)" "\n"
     R"(              ^)"},
    {"02-invalid-utf8",
     R"(lesson.yaml:4:17: byte 0xe9 is not valid UTF-8 (save the file as UTF-8 text))"},
    {"02-list-for-map",
     R"(lesson.yaml:5:8: 'model' must be a map of keys and values, not a list)" "\n"
     R"(  model: [0.5, 0.2, 0.8, 0.1, 0.1])" "\n"
     R"(         ^)"},
    {"02-list-for-text",
     R"(lesson.yaml:2:8: 'title' must be text, not a list)" "\n"
     R"(  title: [Broken, lesson])" "\n"
     R"(         ^)"},
    {"02-map-for-list",
     R"(lesson.yaml:34:3: 'hints' must be a list with at least one entry, not a map)" "\n"
     R"(    first: look at w1)" "\n"
     R"(    ^)"},
    {"02-missing-kind",
     R"(lesson.yaml:1:1: missing key 'kind')" "\n"
     R"(  number: 2)" "\n"
     R"(  ^)"},
    {"02-missing-tolerance",
     R"(lesson.yaml:1:1: missing key 'tolerance' in the lesson)" "\n"
     R"(  number: 2)" "\n"
     R"(  ^)"},
    {"02-missing-value",
     R"(lesson.yaml:2:1: missing value for 'title' (write it after the colon))" "\n"
     R"(  title:)" "\n"
     R"(  ^)"},
    {"02-nan-weight",
     R"(lesson.yaml:6:7: 'w1' must be a finite number, not '.nan')" "\n"
     R"(    w1: .nan)" "\n"
     R"(        ^)"},
    {"02-negative-gradient-tolerance",
     R"(lesson.yaml:32:13: 'relative' must be greater than 0, not '-1.0e-4')" "\n"
     R"(    relative: -1.0e-4)" "\n"
     R"(              ^)"},
    {"02-negative-infinite-input",
     R"(lesson.yaml:13:8: 'x' must be a finite number, not '-.inf')" "\n"
     R"(      x: -.inf)" "\n"
     R"(         ^)"},
    {"02-negative-points",
     R"(lesson.yaml:25:16: 'hidden_case' must be 0 or more, not '-0.5')" "\n"
     R"(    hidden_case: -0.5)" "\n"
     R"(                 ^)"},
    {"02-not-a-map",
     R"(lesson.yaml:1:1: a lesson file must be a map of keys and values, not a list)" "\n"
     R"(  - number: 2)" "\n"
     R"(  ^)"},
    {"02-nul-bytes",
     R"(lesson.yaml:2:14: the file contains a NUL byte, so it is binary, not text (a lesson file must be UTF-8 text))"},
    {"02-number-mismatch",
     R"(lesson.yaml:1:9: 'number' is 3 but the folder is '02-number-mismatch' (rename one so they match))" "\n"
     R"(  number: 3)" "\n"
     R"(          ^)"},
    {"02-only-comments",
     R"(lesson.yaml:1:1: the file has no keys, because it is empty or holds only comments (a lesson file is a map that starts with 'number:', 'title:' and 'kind:'))" "\n"
     R"(  # This lesson is not written yet.)" "\n"
     R"(  ^)"},
    {"02-overlong-utf8",
     R"(lesson.yaml:36:1: byte 0xc0 is not valid UTF-8 (save the file as UTF-8 text))"},
    {"02-scalar-file",
     R"(lesson.yaml:1:1: a lesson file must be a map of keys and values, not 'just a sentence')" "\n"
     R"(  just a sentence)" "\n"
     R"(  ^)"},
    {"02-tab-indentation",
     R"(lesson.yaml:6:4: invalid YAML: illegal map value)" "\n"
     R"(  	w1: 0.5)" "\n"
     R"(     ^)"},
    {"02-text-for-number",
     R"(lesson.yaml:8:7: 'w2' must be a finite number, not 'zero point eight')" "\n"
     R"(    w2: zero point eight)" "\n"
     R"(        ^)"},
    {"02-unclosed-bracket",
     R"(lesson.yaml:3:5: invalid YAML: end of sequence flow not found)" "\n"
     R"(  kind: two-layer-network)" "\n"
     R"(      ^)"},
    {"02-unknown-kind",
     R"(lesson.yaml:3:7: unknown lesson kind 'two-layer-netwrok' (did you mean 'two-layer-network'?))" "\n"
     R"(  kind: two-layer-netwrok)" "\n"
     R"(        ^)"},
    {"02-unknown-model-key",
     R"(lesson.yaml:10:3: unknown key 'lerning_rate' in 'model' (did you mean 'learning_rate'?))" "\n"
     R"(    lerning_rate: 0.1)" "\n"
     R"(    ^)"},
    {"02-unknown-top-key",
     R"(lesson.yaml:33:1: unknown key 'hint' in the lesson (did you mean 'hints'?))" "\n"
     R"(  hint:)" "\n"
     R"(  ^)"},
    {"02-zero-gradient-step",
     R"(lesson.yaml:30:9: 'step' must be greater than 0, not '0.0')" "\n"
     R"(    step: 0.0)" "\n"
     R"(          ^)"},
    {"02-zero-tolerance",
     R"(lesson.yaml:27:13: 'absolute' must be greater than 0, not '0')" "\n"
     R"(    absolute: 0)" "\n"
     R"(              ^)"},
    {"07-duplicate-case-names",
     R"(lesson.yaml:20:11: duplicate case name 'small')" "\n"
     R"(    - name: small)" "\n"
     R"(            ^)"},
    {"07-duplicate-point-key",
     R"(lesson.yaml:16:25: duplicate key 'x' in a point of 'samples')" "\n"
     R"(        - {x: [0.1, 0.2], x: [0.3, 0.4], target: [0.3]})" "\n"
     R"(                          ^)"},
    {"07-hidden-count-billion",
     R"(lesson.yaml:23:12: 'count' must be between 0 and 1000, not 1000000000)" "\n"
     R"(      count: 1000000000)" "\n"
     R"(             ^)"},
    {"07-infinite-learning-rate",
     R"(lesson.yaml:13:20: 'learning_rate' must be a finite number, not '.Inf')" "\n"
     R"(      learning_rate: .Inf)" "\n"
     R"(                     ^)"},
    {"07-wrong-layer-count",
     R"(lesson.yaml:9:7: 'weights' has 2 layers, but 'sizes' 2, 2, 2, 1 needs 3)" "\n"
     R"(        - W: [[0.5, -0.3], [0.2, 0.4]])" "\n"
     R"(        ^)"},
    {"07-wrong-row-size",
     R"(lesson.yaml:11:13: a row of 'W' has 3 entries, but layer 1 takes 2 inputs)" "\n"
     R"(        - W: [[0.7, -0.5, 0.1]])" "\n"
     R"(              ^)"},
    {"07-wrong-sample-size",
     R"(lesson.yaml:16:13: 'x' has 3 entries, but the input layer needs 2)" "\n"
     R"(        - {x: [0.1, 0.2, 0.3], target: [0.3]})" "\n"
     R"(              ^)"},
    {"08-nan-in-matrix",
     R"(lesson.yaml:6:14: each entry of 'W1' must be a finite number)" "\n"
     R"(    W1: [[0.5, .NaN], [0.2, 0.4]])" "\n"
     R"(               ^)"},
    {"08-wrong-batch-columns",
     R"(lesson.yaml:13:8: 'X' is 3x3, but one column per column of W1 needs 3x2)" "\n"
     R"(      X: [[1.0, 0.0, 2.0], [0.0, 1.0, 2.0], [1.0, 1.0, 2.0]])" "\n"
     R"(         ^)"},
    {"08-wrong-bias-size",
     R"(lesson.yaml:7:7: 'b1' has 3 entries, but W1 has 2 rows)" "\n"
     R"(    b1: [0.1, -0.1, 0.3])" "\n"
     R"(        ^)"},
    {"08-wrong-target-rows",
     R"(lesson.yaml:14:8: 'T' is 2x1, but one row per row of X and one column per row of W2 needs 3x1)" "\n"
     R"(      T: [[1.0], [0.0]])" "\n"
     R"(         ^)"},
};
// clang-format on

const char* const kValidLessons[] = {"01-valid", "02-valid", "07-valid", "08-valid"};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Returns the message of the Error that loading `dir` throws, with the
// folder's path left out, or "" when it loads. Any other exception, or a
// load slower than kMaxLoadSeconds, fails the test.
std::string load_message(const fs::path& dir,
                         std::optional<std::uint64_t> grading_seed = std::nullopt) {
  auto start = std::chrono::steady_clock::now();
  std::string message;
  try {
    load_lesson(dir, grading_seed);
  } catch (const Error& error) {
    message = error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "load_lesson threw an exception other than Error: " << error.what();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, kMaxLoadSeconds) << dir;

  message = replace_all(message, dir.string() + "/", "");
  return replace_all(message, display_path(dir) + "/", "");
}

class BrokenLessonTest : public ::testing::TestWithParam<BrokenLesson> {};

TEST_P(BrokenLessonTest, GivesExactMessage) {
  EXPECT_EQ(GetParam().message, load_message(kFixtures / GetParam().folder));
}

// runner grade loads each lesson with a grading seed, which rewrites the
// hidden seeds first. The file must be rejected the same way, and as fast.
TEST_P(BrokenLessonTest, SameMessageUnderGradingSeed) {
  EXPECT_EQ(GetParam().message, load_message(kFixtures / GetParam().folder, 2718281828u));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BrokenLessonTest, ::testing::ValuesIn(kBrokenLessons),
                         [](const ::testing::TestParamInfo<BrokenLesson>& info) {
                           std::string name = info.param.folder;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(BrokenLessons, ValidBasesLoad) {
  for (const char* folder : kValidLessons) {
    EXPECT_EQ("", load_message(kFixtures / folder)) << folder;
  }
}

TEST(BrokenLessons, EveryFolderHasOneMessage) {
  std::set<std::string> listed(std::begin(kValidLessons), std::end(kValidLessons));
  for (const BrokenLesson& broken : kBrokenLessons) {
    EXPECT_TRUE(listed.insert(broken.folder).second) << "listed twice: " << broken.folder;
  }

  std::set<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(kFixtures)) {
    on_disk.insert(entry.path().filename().string());
  }
  EXPECT_EQ(listed, on_disk);
  EXPECT_GE(std::size(kBrokenLessons), 30u);
}

// The two cases below are written at run time: a 2 MiB file does not belong
// in the repository, and git stores no empty folder.
class GeneratedLessonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("gradlings-broken-lessons-" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    dir_ = root_ / "02-generated";
    fs::remove_all(root_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  fs::path dir_;
};

TEST_F(GeneratedLessonTest, OversizedFileIsRejected) {
  std::ofstream(dir_ / "lesson.yaml") << "number: 2\n" << std::string(2 << 20, '#') << "\n";
  EXPECT_EQ(fmt::format("lesson.yaml: the file is {} bytes, more than the limit of {} (a lesson "
                        "file needs only a few kilobytes, so check that this is the right file)",
                        10 + (2 << 20) + 1, kMaxYamlBytes),
            load_message(dir_));
}

TEST_F(GeneratedLessonTest, FolderInPlaceOfFileIsRejected) {
  fs::create_directory(dir_ / "lesson.yaml");
  EXPECT_EQ("cannot read 'lesson.yaml': it is a folder, not a file (replace it with the YAML file)",
            load_message(dir_));
}

}  // namespace
}  // namespace gradlings::runner
