#include "runner/kinds/two_layer.h"
#include "runner/lesson.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "runner/error.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;

const char* const kValidLesson = R"(number: 2
title: Test lesson
kind: two-layer-network
explanation: Some words.
model:
  w1: 0.5
  b1: 0.2
  w2: 0.8
  b2: 0.1
  learning_rate: 0.1
cases:
  - name: public
    x: 1.0
    target: 0.8
    steps: 3
hidden:
  seed: 5
  count: 4
  steps: 2
  weights: [-2, 2]
  x: [-1, 1]
  target: [0.1, 0.9]
tolerance:
  absolute: 1.0e-9
  relative: 1.0e-7
gradient_check:
  step: 1.0e-6
  absolute: 1.0e-6
  relative: 1.0e-4
hints:
  - first
  - second
)";

class LessonFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("gradlings-lesson-test-" +
             std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    dir_ = root_ / "02-test";
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // Writes `text` as the lesson file and returns the error message of loading
  // it, with the folder replaced by "DIR", or "" when it loads.
  std::string load_error(const std::string& text) {
    std::ofstream(dir_ / "lesson.yaml") << text;
    try {
      load_lesson(dir_);
    } catch (const Error& error) {
      std::string message = error.what();
      std::string prefix = dir_.string();
      for (auto at = message.find(prefix); at != std::string::npos; at = message.find(prefix)) {
        message.replace(at, prefix.size(), "DIR");
      }
      return message;
    }
    return "";
  }

  // Returns the valid lesson with the first `from` replaced by `to`.
  static std::string edited(const std::string& from, const std::string& to) {
    std::string text = kValidLesson;
    auto at = text.find(from);
    EXPECT_NE(std::string::npos, at) << from;
    return text.replace(at, from.size(), to);
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(LessonFileTest, ValidLessonLoads) {
  ASSERT_EQ("", load_error(kValidLesson));
  Lesson lesson = load_lesson(dir_);
  EXPECT_EQ(2, lesson.number);
  EXPECT_EQ("02-test", lesson.slug);
  EXPECT_EQ((std::vector<std::string>{"first", "second"}), lesson.hints);
  const TwoLayerSpec& spec = spec_as<TwoLayerSpec>(lesson.spec);
  EXPECT_EQ(0.8, spec.params.w2);
  ASSERT_EQ(1u, spec.cases.size());
  EXPECT_EQ(3, spec.cases[0].steps);
  EXPECT_EQ(1e-6, lesson.gradient_check.step);
}

TEST_F(LessonFileTest, UnknownKeySuggestsClosest) {
  EXPECT_EQ(
      "DIR/lesson.yaml:10:3: unknown key 'lerning_rate' in 'model' (did you mean "
      "'learning_rate'?)\n"
      "    lerning_rate: 0.1\n"
      "    ^",
      load_error(edited("  learning_rate: 0.1", "  lerning_rate: 0.1")));
}

TEST_F(LessonFileTest, MissingKeyIsNamed) {
  EXPECT_EQ("DIR/lesson.yaml:6:3: missing key 'w2' in 'model'\n    w1: 0.5\n    ^",
            load_error(edited("  w2: 0.8\n", "")));
}

TEST_F(LessonFileTest, NumberOfWrongTypeIsQuoted) {
  EXPECT_EQ(
      "DIR/lesson.yaml:13:8: 'x' must be a finite number, not 'one'\n"
      "      x: one\n"
      "         ^",
      load_error(edited("x: 1.0", "x: one")));
}

TEST_F(LessonFileTest, UnknownKindSuggestsClosest) {
  EXPECT_EQ(
      "DIR/lesson.yaml:3:7: unknown lesson kind 'two-layer-netwrk' (did you mean "
      "'two-layer-network'?)\n  kind: two-layer-netwrk\n        ^",
      load_error(edited("kind: two-layer-network", "kind: two-layer-netwrk")));
}

TEST_F(LessonFileTest, NumberMustMatchFolder) {
  EXPECT_EQ(
      "DIR/lesson.yaml:1:9: 'number' is 3 but the folder is '02-test' (rename one so they "
      "match)\n  number: 3\n          ^",
      load_error(edited("number: 2", "number: 3")));
}

TEST_F(LessonFileTest, InvalidYamlPointsAtProblem) {
  std::string message = load_error(edited("title: Test lesson", "title: [unclosed"));
  EXPECT_TRUE(message.starts_with("DIR/lesson.yaml:")) << message;
  EXPECT_NE(std::string::npos, message.find(": invalid YAML: ")) << message;
}

TEST_F(LessonFileTest, DuplicateKeyIsRejected) {
  EXPECT_EQ("DIR/lesson.yaml:7:3: duplicate key 'w1' in 'model'\n    w1: 0.3\n    ^",
            load_error(edited("  b1: 0.2", "  w1: 0.3")));
}

TEST_F(LessonFileTest, EmptyRangeIsRejected) {
  EXPECT_EQ(
      "DIR/lesson.yaml:22:11: 'target' is empty: low 0.9 is above high 0.1\n"
      "    target: [0.9, 0.1]\n"
      "            ^",
      load_error(edited("target: [0.1, 0.9]", "target: [0.9, 0.1]")));
}

TEST_F(LessonFileTest, StepsOutOfRangeIsRejected) {
  EXPECT_EQ(
      "DIR/lesson.yaml:15:12: 'steps' must be between 1 and 10000, not 0\n"
      "      steps: 0\n"
      "             ^",
      load_error(edited("steps: 3", "steps: 0")));
}

TEST_F(LessonFileTest, EmptyHintsAreRejected) {
  std::string text = kValidLesson;
  text = text.substr(0, text.find("hints:")) + "hints: []\n";
  EXPECT_EQ(
      "DIR/lesson.yaml:30:8: 'hints' must be a list with at least one entry, not an empty list\n"
      "  hints: []\n"
      "         ^",
      load_error(text));
}

TEST_F(LessonFileTest, NegativeToleranceIsRejected) {
  EXPECT_EQ(
      "DIR/lesson.yaml:24:13: 'absolute' must be greater than 0, not '-1'\n"
      "    absolute: -1\n"
      "              ^",
      load_error(edited("absolute: 1.0e-9", "absolute: -1")));
}

TEST_F(LessonFileTest, PointsDefaultToOnePerCase) {
  ASSERT_EQ("", load_error(kValidLesson));
  Lesson lesson = load_lesson(dir_);
  EXPECT_EQ(1.0, lesson.points.public_case);
  EXPECT_EQ(1.0, lesson.points.hidden_case);
}

TEST_F(LessonFileTest, PointsBlockIsRead) {
  ASSERT_EQ("", load_error(std::string(kValidLesson) +
                           "points:\n  public_case: 2.5\n  hidden_case: 0\n"));
  Lesson lesson = load_lesson(dir_);
  EXPECT_EQ(2.5, lesson.points.public_case);
  EXPECT_EQ(0.0, lesson.points.hidden_case);
}

TEST_F(LessonFileTest, PointsUnknownKeySuggestsClosest) {
  EXPECT_EQ(
      "DIR/lesson.yaml:34:3: unknown key 'publik_case' in 'points' (did you mean "
      "'public_case'?)\n"
      "    publik_case: 2\n"
      "    ^",
      load_error(std::string(kValidLesson) + "points:\n  publik_case: 2\n  hidden_case: 1\n"));
}

TEST_F(LessonFileTest, PointsNeedBothKeys) {
  EXPECT_EQ(
      "DIR/lesson.yaml:34:3: missing key 'hidden_case' in 'points'\n"
      "    public_case: 2\n"
      "    ^",
      load_error(std::string(kValidLesson) + "points:\n  public_case: 2\n"));
}

TEST_F(LessonFileTest, NegativePointsAreRejected) {
  EXPECT_EQ(
      "DIR/lesson.yaml:35:16: 'hidden_case' must be 0 or more, not '-0.5'\n"
      "    hidden_case: -0.5\n"
      "                 ^",
      load_error(std::string(kValidLesson) + "points:\n  public_case: 2\n  hidden_case: -0.5\n"));
}

TEST_F(LessonFileTest, InfinitePointsAreRejected) {
  EXPECT_EQ(
      "DIR/lesson.yaml:34:16: 'public_case' must be a finite number, not '.inf'\n"
      "    public_case: .inf\n"
      "                 ^",
      load_error(std::string(kValidLesson) + "points:\n  public_case: .inf\n  hidden_case: 1\n"));
}

TEST_F(LessonFileTest, PointsMustBeAMap) {
  EXPECT_EQ(
      "DIR/lesson.yaml:33:9: 'points' must be a map of keys and values, not '3'\n"
      "  points: 3\n"
      "          ^",
      load_error(std::string(kValidLesson) + "points: 3\n"));
}

TEST_F(LessonFileTest, MisspelledPointsKeySuggestsPoints) {
  EXPECT_EQ(
      "DIR/lesson.yaml:33:1: unknown key 'point' in the lesson (did you mean 'points'?)\n"
      "  point:\n"
      "  ^",
      load_error(std::string(kValidLesson) + "point:\n  public_case: 2\n  hidden_case: 1\n"));
}

TEST_F(LessonFileTest, MissingFileIsReported) {
  EXPECT_EQ("cannot read 'DIR/lesson.yaml': No such file or directory", [&] {
    try {
      load_lesson(dir_);
    } catch (const Error& error) {
      std::string message = error.what();
      return message.replace(message.find(dir_.string()), dir_.string().size(), "DIR");
    }
    return std::string();
  }());
}

TEST_F(LessonFileTest, UnknownLessonNumberListsKnownOnes) {
  std::ofstream(dir_ / "lesson.yaml") << kValidLesson;
  try {
    find_lesson_dir(root_, 9);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ("no lesson 9 (the lessons are 2; 'runner list' shows them)", error.what());
  }
  EXPECT_EQ(dir_, find_lesson_dir(root_, 2));
}

TEST(ShippedLessons, AllLoad) {
  fs::path lessons = fs::path(GRADLINGS_SOURCE_DIR) / "lessons";
  std::vector<fs::path> dirs = lesson_dirs(lessons);
  ASSERT_FALSE(dirs.empty());
  for (const fs::path& dir : dirs) {
    EXPECT_NO_THROW(load_lesson(dir)) << dir;
  }
}

TEST(ShippedLessons, TwoLayerHasMaterialValues) {
  Lesson lesson = load_lesson(fs::path(GRADLINGS_SOURCE_DIR) / "lessons" / "02-two-layer-network");
  const TwoLayerSpec& spec = spec_as<TwoLayerSpec>(lesson.spec);
  EXPECT_EQ(0.5, spec.params.w1);
  EXPECT_EQ(0.2, spec.params.b1);
  EXPECT_EQ(0.8, spec.params.w2);
  EXPECT_EQ(0.1, spec.params.b2);
  EXPECT_EQ(0.1, spec.learning_rate);
  ASSERT_EQ(1u, spec.cases.size());
  EXPECT_EQ(1.0, spec.cases[0].x);
  EXPECT_EQ(0.8, spec.cases[0].target);
  EXPECT_EQ(3, spec.cases[0].steps);
  EXPECT_GE(lesson.hints.size(), 3u);
}

TEST(ParseLesson, ReadsTextWithoutFiles) {
  fs::path dir = "/nonexistent/lessons/02-test";
  Lesson lesson = parse_lesson(YamlDoc::parse(kValidLesson, dir / "lesson.yaml"), dir);
  EXPECT_EQ(2, lesson.number);
  EXPECT_EQ("02-test", lesson.slug);
  EXPECT_EQ(dir, lesson.dir);
  EXPECT_EQ(dir / "lesson.yaml", lesson.file);
  EXPECT_EQ("two-layer-network", lesson.kind);
  EXPECT_EQ((std::vector<std::string>{"first", "second"}), lesson.hints);
  EXPECT_EQ(4, spec_as<TwoLayerSpec>(lesson.spec).hidden.count);
}

TEST(ParseLesson, ErrorNamesGivenPath) {
  fs::path dir = "/nonexistent/lessons/03-test";
  try {
    parse_lesson(YamlDoc::parse(kValidLesson, dir / "lesson.yaml"), dir);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(
        "/nonexistent/lessons/03-test/lesson.yaml:1:9: 'number' is 2 but the folder is "
        "'03-test' (rename one so they match)\n"
        "  number: 2\n"
        "          ^",
        error.what());
  }
}

TEST(ParseLesson, HiddenSeedMissingUnderGradingSeed) {
  std::string text = kValidLesson;
  std::string seed_line = "  seed: 5\n";
  text.erase(text.find(seed_line), seed_line.size());
  fs::path dir = "/nonexistent/lessons/02-test";
  try {
    parse_lesson(YamlDoc::parse(text, dir / "lesson.yaml"), dir, 42);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(
        "/nonexistent/lessons/02-test/lesson.yaml:17:3: missing key 'seed' in 'hidden'\n"
        "    count: 4\n"
        "    ^",
        error.what());
  }
}

}  // namespace
}  // namespace gradlings::runner
