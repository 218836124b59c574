// The text report's summaries, rendered from results built by hand, for the
// cases that are hard to produce on time with a real program.
#include "runner/report.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace gradlings::runner {
namespace {

Lesson lesson_two() {
  Lesson lesson;
  lesson.number = 2;
  lesson.title = "The two-layer network";
  return lesson;
}

// A run that reached the time limit after case 'public' threw bad_alloc.
LessonResult timed_out_after_bad_alloc() {
  LessonResult result;
  result.outcome = Outcome::timed_out;
  result.timeout = std::chrono::seconds(10);
  CaseTrace trace;
  trace.name = "public";
  trace.passed = false;
  trace.stop = StageStop{StageStop::Reason::threw, "forward", "std::bad_alloc"};
  result.traces.push_back(trace);
  return result;
}

std::string last_lines(const std::string& text, int count) {
  std::size_t at = text.size();
  for (int i = 0; i <= count && at != std::string::npos && at > 0; ++i) {
    at = text.rfind('\n', at - 1);
  }
  return at == std::string::npos ? text : text.substr(at + 1);
}

TEST(ReportSummary, TimeoutAfterOutOfMemoryNamesMemory) {
  std::string report =
      render_result(lesson_two(), "exercise.cpp", timed_out_after_bad_alloc(), ReportStyle{});
  EXPECT_EQ(
      "✗ Your program took longer than 10 s: does a loop miss its exit?\n"
      "  Before that, case 'public' ran out of memory (std::bad_alloc in forward). Does\n"
      "  a loop keep adding to a vector because its exit condition never comes true?\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      last_lines(report, 4));
}

TEST(ReportSummary, PlainTimeoutSaysNothingOfMemory) {
  LessonResult result = timed_out_after_bad_alloc();
  result.traces.clear();
  std::string report = render_result(lesson_two(), "exercise.cpp", result, ReportStyle{});
  EXPECT_EQ(
      "✗ Your program took longer than 10 s: does a loop miss its exit?\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      last_lines(report, 2));
}

// Inside watch the learner presses keys and saves, and the summary names them.
TEST(ReportSummary, WatchNamesKeysNotCommands) {
  LessonResult result;
  result.outcome = Outcome::compile_error;
  ReportStyle style;
  style.watching = true;
  std::string report = render_result(lesson_two(), "exercise.cpp", result, style);
  EXPECT_EQ(
      "✗ exercise.cpp does not compile. Fix the first error above and save again.\n"
      "  Stuck? Press h for a hint.\n",
      last_lines(report, 2));

  style.watching = false;
  report = render_result(lesson_two(), "exercise.cpp", result, style);
  EXPECT_EQ(
      "✗ exercise.cpp does not compile. Fix the first error above and run again.\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      last_lines(report, 2));
}

TEST(ReportSummary, CrashBeforeAnyValueSaysWhereToLook) {
  LessonResult result;
  result.outcome = Outcome::crashed;
  result.detail = "SIGSEGV";
  std::string report = render_result(lesson_two(), "exercise.cpp", result, ReportStyle{});
  EXPECT_EQ(
      "✗ Your program crashed (SIGSEGV) before it reported any value. Look for an out-of-range "
      "index or a null pointer in the first function the lesson calls.\n"
      "  Stuck? 'runner hint 2' shows a hint.\n",
      last_lines(report, 2));
}

}  // namespace
}  // namespace gradlings::runner
