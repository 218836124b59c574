// The parts of a lesson that grading a class relies on: the case names that
// the traces carry, the points per case, and the grading seed that redraws
// the hidden cases. Each shipped solution is run against its lesson.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runner/check.h"
#include "runner/lesson.h"
#include "runner/yaml_doc.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using lesson_support::check_exercise;
using lesson_support::kRoot;
using lesson_support::scratch_dir;
using lesson_support::trace_text;

namespace fs = std::filesystem;

fs::path scratch() { return scratch_dir("lesson-grading-test"); }

fs::path solution(const Lesson& lesson) {
  return kRoot / "solutions" / lesson.slug / "exercise.cpp";
}

std::vector<fs::path> shipped_lessons() { return lesson_dirs(kRoot / "lessons"); }

// The setup, the text and every checked reference value of a trace.
std::string shown(const CaseTrace& trace) {
  std::string text = trace.setup + "\n" + trace_text(trace);
  for (const lesson_support::ShownCheck& shown : lesson_support::shown_checks(trace)) {
    text += fmt::format("{} = {:.17g}\n", shown.check.label, shown.check.expected);
  }
  return text;
}

// Asserts that `result` has one trace per name, with the same name and flag.
void expect_traces_named(const std::vector<CaseName>& names, const LessonResult& result) {
  ASSERT_EQ(names.size(), result.traces.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(names[i].name, result.traces[i].name) << "case " << i;
    EXPECT_EQ(names[i].hidden, result.traces[i].hidden) << "case " << i;
  }
}

TEST(CaseNames, MatchTheTracesOfEverySolution) {
  ASSERT_EQ(8u, shipped_lessons().size());
  for (const fs::path& dir : shipped_lessons()) {
    SCOPED_TRACE(dir.filename().string());
    Lesson lesson = load_lesson(dir);
    LessonResult result = check_exercise(lesson, solution(lesson), scratch());
    ASSERT_EQ(Outcome::passed, result.outcome) << result.detail;
    expect_traces_named(lesson.kind_impl->case_names(lesson), result);
  }
}

TEST(CaseNames, ListPublicCasesBeforeTheirHiddenOnes) {
  Lesson lesson = load_lesson(kRoot / "lessons" / "02-two-layer-network");
  std::vector<CaseName> names = lesson.kind_impl->case_names(lesson);
  ASSERT_EQ(26u, names.size());
  EXPECT_EQ("public", names[0].name);
  EXPECT_FALSE(names[0].hidden);
  EXPECT_EQ("hidden 1", names[1].name);
  EXPECT_TRUE(names[1].hidden);
  EXPECT_EQ("hidden 25", names[25].name);
  EXPECT_TRUE(names[25].hidden);
}

// The YAML comment above each points block derives the 20 by hand.
TEST(LessonPoints, EveryShippedLessonIsWorthTwenty) {
  for (const fs::path& dir : shipped_lessons()) {
    SCOPED_TRACE(dir.filename().string());
    Lesson lesson = load_lesson(dir);
    double total = 0;
    for (const CaseName& name : lesson.kind_impl->case_names(lesson)) {
      total += name.hidden ? lesson.points.hidden_case : lesson.points.public_case;
    }
    EXPECT_EQ(20.0, total);
  }
}

TEST(GradingSeed, RedrawsHiddenCasesOnly) {
  for (const fs::path& dir : shipped_lessons()) {
    SCOPED_TRACE(dir.filename().string());
    Lesson plain = load_lesson(dir);
    LessonResult plain_result = check_exercise(plain, solution(plain), scratch());
    ASSERT_EQ(Outcome::passed, plain_result.outcome) << plain_result.detail;

    for (std::uint64_t seed : {1ULL, 2'718'281'828ULL}) {
      SCOPED_TRACE("grading seed " + std::to_string(seed));
      Lesson seeded = load_lesson(dir, seed);
      EXPECT_NE(plain.kind_impl->input(plain), seeded.kind_impl->input(seeded));
      LessonResult result = check_exercise(seeded, solution(seeded), scratch());
      ASSERT_EQ(Outcome::passed, result.outcome) << result.detail;
      expect_traces_named(seeded.kind_impl->case_names(seeded), result);
      ASSERT_EQ(plain_result.traces.size(), result.traces.size());

      for (std::size_t i = 0; i < result.traces.size(); ++i) {
        const CaseTrace& trace = result.traces[i];
        if (trace.hidden) {
          EXPECT_NE(shown(plain_result.traces[i]), shown(trace)) << trace.name;
        } else {
          EXPECT_EQ(shown(plain_result.traces[i]), shown(trace)) << trace.name;
        }
      }
    }
  }
}

TEST(GradingSeed, SameSeedDrawsSameCases) {
  for (const fs::path& dir : shipped_lessons()) {
    SCOPED_TRACE(dir.filename().string());
    Lesson first = load_lesson(dir, 99);
    Lesson second = load_lesson(dir, 99);
    Lesson other = load_lesson(dir, 100);
    EXPECT_EQ(first.kind_impl->input(first), second.kind_impl->input(second));
    EXPECT_NE(first.kind_impl->input(first), other.kind_impl->input(other));
  }
}

// Reads back the seed at `path` (keys and list indices) of a mixed document.
std::string seed_at(const YamlDoc& doc, const std::vector<std::string>& path) {
  YAML::Node node = YAML::Clone(doc.root());
  for (const std::string& key : path) {
    bool index = !key.empty() && std::isdigit(static_cast<unsigned char>(key[0]));
    node = index ? YAML::Node(node[std::stoi(key)]) : YAML::Node(node[key]);
  }
  return node.Scalar();
}

TEST(GradingSeed, MixesTheSeedOfEveryHiddenBlock) {
  YamlDoc doc = YamlDoc::parse(
      "cases:\n"
      "  - {name: public, seed: 1}\n"
      "hidden: {seed: 2, count: 3}\n"
      "part:\n"
      "  seed: 3\n"
      "  hidden:\n"
      "    - {seed: 4}\n"
      "    - {seed: 5}\n"
      "other:\n"
      "  hidden: {seed: not a number}\n",
      "test.yaml");
  doc.mix_hidden_seeds(42);

  EXPECT_EQ("1", seed_at(doc, {"cases", "0", "seed"}));
  EXPECT_EQ(std::to_string(mix_seeds(42, 2)), seed_at(doc, {"hidden", "seed"}));
  EXPECT_EQ("3", seed_at(doc, {"part", "seed"}));
  EXPECT_EQ(std::to_string(mix_seeds(42, 4)), seed_at(doc, {"part", "hidden", "0", "seed"}));
  EXPECT_EQ(std::to_string(mix_seeds(42, 5)), seed_at(doc, {"part", "hidden", "1", "seed"}));
  EXPECT_EQ("not a number", seed_at(doc, {"other", "hidden", "seed"}));
  EXPECT_EQ("3", seed_at(doc, {"hidden", "count"}));
}

TEST(GradingSeed, MixedSeedsAreDistinctAndInRange) {
  EXPECT_EQ(mix_seeds(7, 2), mix_seeds(7, 2));
  EXPECT_NE(mix_seeds(7, 2), mix_seeds(7, 3));
  EXPECT_NE(mix_seeds(7, 2), mix_seeds(8, 2));
  EXPECT_NE(mix_seeds(0, 0), 0u);
  for (std::uint64_t seed : {0ULL, 1ULL, 0xffffffffffffffffULL}) {
    EXPECT_LE(mix_seeds(seed, 5), static_cast<std::uint64_t>(INT64_MAX));
  }
}

TEST(GradingSeed, HiddenBlockWithoutSeedIsLeftAlone) {
  YamlDoc doc = YamlDoc::parse("hidden: {count: 3}\nother:\n  hidden:\n    - {count: 4}\n",
                               "test.yaml");
  EXPECT_NO_THROW(doc.mix_hidden_seeds(42));
  EXPECT_FALSE(doc.root()["hidden"]["seed"].IsDefined());
  EXPECT_EQ("3", seed_at(doc, {"hidden", "count"}));
  EXPECT_EQ("4", seed_at(doc, {"other", "hidden", "0", "count"}));
}

TEST(GradingSeed, KeepsPositionsForMessages) {
  YamlDoc doc = YamlDoc::parse("hidden:\n  seed: 2\n", "test.yaml");
  doc.mix_hidden_seeds(42);
  YAML::Node seed = doc.root()["hidden"]["seed"];
  EXPECT_EQ(1, seed.Mark().line);
  EXPECT_EQ(8, seed.Mark().column);
}

}  // namespace
}  // namespace gradlings::runner
