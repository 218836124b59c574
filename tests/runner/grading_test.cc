#include "runner/grading.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace gradlings::runner {
namespace {

TEST(VerdictId, NamesEveryVerdict) {
  EXPECT_EQ(verdict_id(Verdict::passed), "passed");
  EXPECT_EQ(verdict_id(Verdict::wrong), "wrong");
  EXPECT_EQ(verdict_id(Verdict::not_implemented), "not_implemented");
  EXPECT_EQ(verdict_id(Verdict::compile_error), "compile_error");
  EXPECT_EQ(verdict_id(Verdict::crashed), "crashed");
  EXPECT_EQ(verdict_id(Verdict::timed_out), "timed_out");
  EXPECT_EQ(verdict_id(Verdict::memory_limit), "memory_limit");
  EXPECT_EQ(verdict_id(Verdict::output_limit), "output_limit");
  EXPECT_EQ(verdict_id(Verdict::invalid_output), "invalid_output");
  EXPECT_EQ(verdict_id(Verdict::missing_file), "missing_file");
  EXPECT_EQ(verdict_id(Verdict::internal_error), "internal_error");
}

TEST(VerdictId, ReadsBackEveryId) {
  for (int i = 0; i <= static_cast<int>(Verdict::internal_error); ++i) {
    auto verdict = static_cast<Verdict>(i);
    std::optional<Verdict> back = verdict_from_id(verdict_id(verdict));
    ASSERT_TRUE(back.has_value()) << verdict_id(verdict);
    EXPECT_EQ(*back, verdict);
  }
}

TEST(VerdictId, RejectsUnknownIds) {
  EXPECT_EQ(verdict_from_id(""), std::nullopt);
  EXPECT_EQ(verdict_from_id("Passed"), std::nullopt);
  EXPECT_EQ(verdict_from_id("timeout"), std::nullopt);
  EXPECT_EQ(verdict_from_id("passed "), std::nullopt);
}

TEST(StudentPoints, SumsTheLessons) {
  StudentGrade student;
  EXPECT_EQ(student.points(), 0);
  EXPECT_EQ(student.max_points(), 0);

  LessonGrade first;
  first.points = 2.5;
  first.max_points = 4;
  LessonGrade second;
  second.points = 0;
  second.max_points = 6;
  student.lessons = {first, second};
  EXPECT_EQ(student.points(), 2.5);
  EXPECT_EQ(student.max_points(), 10);
}

TEST(FormatPoints, DropsTrailingZeros) {
  EXPECT_EQ(format_points(0), "0");
  EXPECT_EQ(format_points(2), "2");
  EXPECT_EQ(format_points(10), "10");
  EXPECT_EQ(format_points(0.5), "0.5");
  EXPECT_EQ(format_points(1.25), "1.25");
  EXPECT_EQ(format_points(120.5), "120.5");
}

TEST(FormatPoints, RoundsToThreePlaces) {
  EXPECT_EQ(format_points(40.0 / 3.0), "13.333");
  EXPECT_EQ(format_points(2.0 / 3.0), "0.667");
  EXPECT_EQ(format_points(0.1 + 0.2), "0.3");
  EXPECT_EQ(format_points(1.9996), "2");
  EXPECT_EQ(format_points(0.0004), "0");
  EXPECT_EQ(format_points(7.0625), "7.062");  // exactly halfway: to even
}

TEST(FormatPoints, NeverWritesMinusZero) {
  EXPECT_EQ(format_points(-0.0), "0");
  EXPECT_EQ(format_points(-0.0004), "0");
  EXPECT_EQ(format_points(-1.5), "-1.5");
}

TEST(FormatPoints, WritesNonFiniteValuesAsFmtDoes) {
  EXPECT_EQ(format_points(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_points(std::numeric_limits<double>::quiet_NaN()), "nan");
}

}  // namespace
}  // namespace gradlings::runner
