// Learner programs that crash, hang, flood the output, exit early, throw,
// produce NaN or write to the channel themselves: each gets its own verdict
// and a summary of what to do, never a failure of the runner.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "runner/check.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "02-two-layer-network";
const fs::path kSolution = kRoot / "solutions" / "02-two-layer-network" / "exercise.cpp";

// The line of forward() and of update() that each fault is put in front of.
const std::string kForwardLine = "  values.z1 = params.w1 * x + params.b1;";
const std::string kUpdateLine = "  next.w1 = params.w1 - learning_rate * gradients.dL_dw1;";

struct Checked {
  LessonResult result;
  std::string report;  // what `runner lesson 2` prints, without colour
};

// Checks the solution with `code` inserted before `line`, and `include`
// added to its includes.
Checked check_with(const std::string& name, const std::string& line, const std::string& code,
                   const std::string& include = "",
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  fs::path scratch = scratch_dir("faults-test");
  fs::path exercise = write_mutated_copy(
      kSolution, scratch, name,
      {{"#include <cmath>", "#include <cmath>\n" + include}, {line, code + "\n" + line}});

  Lesson lesson = load_lesson(kLessonDir);
  CheckOptions options;
  options.exercise = exercise;
  options.harness_dir = kRoot / "lessons" / "harness";
  options.cache_dir = scratch / "cache";
  options.timeout = timeout;
  Checked checked;
  checked.result = check_lesson(lesson, options);
  checked.report = render_result(lesson, name + ".cpp", checked.result, ReportStyle{});
  return checked;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(LearnerFault, CrashNamesSignal) {
  Checked checked =
      check_with("crash", kForwardLine, "  volatile int* nowhere = nullptr;\n  *nowhere = 1;");
  EXPECT_EQ(Outcome::crashed, checked.result.outcome);
  EXPECT_EQ("SIGSEGV", checked.result.detail);
  EXPECT_TRUE(contains(checked.report,
                       "✗ Your program crashed (SIGSEGV). Look for an out-of-range index or a "
                       "null pointer just after the last value shown."))
      << checked.report;
}

TEST(LearnerFault, EndlessLoopTimesOut) {
  Checked checked = check_with("endless_loop", kForwardLine,
                               "  for (volatile long spin = 0;; spin = spin + 1) {\n  }", "",
                               std::chrono::milliseconds(1500));
  EXPECT_EQ(Outcome::timed_out, checked.result.outcome);
  EXPECT_TRUE(
      contains(checked.report, "✗ Your program took longer than 1.5 s: does a loop miss its exit?"))
      << checked.report;
}

TEST(LearnerFault, FloodIsStopped) {
  Checked checked = check_with("flood", kForwardLine,
                               "  for (int i = 0; i < 200000; ++i) {\n"
                               "    std::printf(\"debugging output line %d\\n\", i);\n  }",
                               "#include <cstdio>");
  EXPECT_EQ(Outcome::output_flood, checked.result.outcome);
  EXPECT_TRUE(
      contains(checked.report, "✗ Your program printed more than 1024 KiB and was stopped."))
      << checked.report;
  EXPECT_TRUE(contains(checked.report, "  | debugging output line 0")) << checked.report;
}

TEST(LearnerFault, ExitBeforeEndIsReported) {
  Checked checked = check_with("early_exit", kUpdateLine, "  std::exit(0);", "#include <cstdlib>");
  EXPECT_EQ(Outcome::ended_early, checked.result.outcome);
  EXPECT_TRUE(contains(checked.report,
                       "✗ Your program ended before the checks finished (exit status 0): does "
                       "it call exit() or return from main?"))
      << checked.report;
}

TEST(LearnerFault, ExceptionShowsWhat) {
  Checked checked = check_with("exception", kUpdateLine,
                               "  throw std::runtime_error(\"learning rate too small\");",
                               "#include <stdexcept>");
  EXPECT_EQ(Outcome::failed, checked.result.outcome);
  EXPECT_TRUE(contains(checked.report,
                       "✗ Case 'public' stopped: update: threw an exception: learning rate too "
                       "small."))
      << checked.report;
}

TEST(LearnerFault, NanIsNamedAsFirstWrongValue) {
  Checked checked = check_with("nan", kForwardLine, "  x = std::nan(\"\");");
  EXPECT_EQ(Outcome::failed, checked.result.outcome);
  EXPECT_TRUE(
      contains(checked.report, "✗ First wrong value: z1 (step 1, forward pass, case 'public')."))
      << checked.report;
  EXPECT_TRUE(contains(checked.report, "You have nan, expected 0.700 (reference)."))
      << checked.report;
}

TEST(LearnerFault, WritingToChannelIsCaught) {
  Checked checked = check_with("channel_write", kForwardLine,
                               "  if (::write(3, \"end\\n\", 4) != 4) {\n    return values;\n  }",
                               "#include <unistd.h>");
  EXPECT_EQ(Outcome::channel_error, checked.result.outcome);
  EXPECT_TRUE(contains(checked.report, "Does your code write to file descriptor 3?"))
      << checked.report;
}

TEST(LearnerFault, PrintingLikeRecordsDoesNotConfuse) {
  Checked checked = check_with("fake_records", kForwardLine,
                               "  std::printf(\"value z1 99\\nend\\n\");", "#include <cstdio>");
  EXPECT_EQ(Outcome::passed, checked.result.outcome) << checked.report;
  EXPECT_TRUE(contains(checked.report, "  | value z1 99")) << checked.report;
}

}  // namespace
}  // namespace gradlings::runner
