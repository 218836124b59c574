// Learner programs that crash, hang, flood the output, exit early, throw,
// produce NaN or write to the channel themselves: each gets its own verdict
// and a summary of what to do, never a failure of the runner.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

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

// Checks the solution with `replacements` applied.
Checked check_replaced(const std::string& name, const std::vector<Replacement>& replacements,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  fs::path scratch = scratch_dir("faults-test");
  fs::path exercise = write_mutated_copy(kSolution, scratch, name, replacements);

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

// Checks the solution with `code` inserted before `line`, and `include`
// added to its includes.
Checked check_with(const std::string& name, const std::string& line, const std::string& code,
                   const std::string& include = "",
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return check_replaced(
      name, {{"#include <cmath>", "#include <cmath>\n" + include}, {line, code + "\n" + line}},
      timeout);
}

// Returns the summary at the end of a report: the lines after its last blank line.
std::string summary(const std::string& report) {
  std::size_t blank = report.rfind("\n\n");
  return blank == std::string::npos ? report : report.substr(blank + 2);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kHint = "  Stuck? 'runner hint 2' shows a hint.\n";

TEST(LearnerFault, CrashNamesSignal) {
  Checked checked =
      check_with("crash", kForwardLine, "  volatile int* nowhere = nullptr;\n  *nowhere = 1;");
  EXPECT_EQ(Outcome::crashed, checked.result.outcome);
  EXPECT_EQ("SIGSEGV", checked.result.detail);
  EXPECT_EQ(
      "✗ Your program crashed (SIGSEGV) before it reported any value. Look for an out-of-range "
      "index or a null pointer in the first function the lesson calls.\n" +
          kHint,
      summary(checked.report));
}

// A crash in a later step, after values were reported, points at them.
TEST(LearnerFault, CrashAfterValuesPointsAtLastValue) {
  Checked checked = check_with("late_crash", kUpdateLine,
                               "  static int calls = 0;\n"
                               "  if (++calls == 2) {\n"
                               "    volatile int* nowhere = nullptr;\n"
                               "    *nowhere = 1;\n"
                               "  }");
  EXPECT_EQ(Outcome::crashed, checked.result.outcome);
  EXPECT_EQ(
      "✗ Your program crashed (SIGSEGV). Look for an out-of-range index or a null pointer just "
      "after the last value shown.\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, IntegerDivisionByZeroIsSigfpe) {
#if !defined(__x86_64__) && !defined(__i386__)
  GTEST_SKIP() << "integer division by zero traps only on x86";
#endif
  Checked checked = check_with("integer_division", kForwardLine,
                               "  volatile int samples = 0;\n  x = x + 100 / samples;");
  EXPECT_EQ(Outcome::crashed, checked.result.outcome);
  EXPECT_EQ(
      "✗ Your program crashed (SIGFPE). Look for an integer division or remainder by zero just "
      "after the last value shown.\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, FailedAssertAborts) {
  Checked checked = check_with("failed_assert", kForwardLine, "  assert(x < 0);", "#include <cassert>");
  EXPECT_EQ(Outcome::crashed, checked.result.outcome);
  EXPECT_EQ("SIGABRT", checked.result.detail);
  EXPECT_TRUE(contains(checked.result.program_output, "Assertion `x < 0' failed."))
      << checked.result.program_output;
  EXPECT_EQ(
      "✗ Your program crashed (SIGABRT): something called abort(). A failed assert() does, and "
      "prints its condition in the output above.\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, EndlessLoopTimesOut) {
  Checked checked = check_with("endless_loop", kForwardLine,
                               "  for (volatile long spin = 0;; spin = spin + 1) {\n  }", "",
                               std::chrono::milliseconds(1500));
  EXPECT_EQ(Outcome::timed_out, checked.result.outcome);
  EXPECT_EQ("✗ Your program took longer than 1.5 s: does a loop miss its exit?\n" + kHint,
            summary(checked.report));
}

// A cancel descriptor made readable 500 ms into an endless loop ends the
// check long before its 10 s timeout, without a verdict.
TEST(LearnerFault, EndlessLoopCanBeCancelled) {
  const std::string loop = "  for (volatile long spin = 0;; spin = spin + 1) {\n  }";
  check_with("endless_loop_cancelled", kForwardLine, loop, "", std::chrono::milliseconds(100));

  fs::path scratch = scratch_dir("faults-test");
  CheckOptions options;
  options.exercise = scratch / "endless_loop_cancelled.cpp";  // compiled and cached above
  options.harness_dir = kRoot / "lessons" / "harness";
  options.cache_dir = scratch / "cache";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  options.cancel_fd = fds[0];
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_EQ(::write(fds[1], "c", 1), 1);
  });
  auto start = std::chrono::steady_clock::now();
  LessonResult result = check_lesson(load_lesson(kLessonDir), options);
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  ::close(fds[0]);
  ::close(fds[1]);

  EXPECT_EQ(Outcome::cancelled, result.outcome);
  EXPECT_EQ("cancelled", outcome_name(result.outcome));
  EXPECT_TRUE(result.cached_build);
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(LearnerFault, FloodIsStopped) {
  Checked checked = check_with("flood", kForwardLine,
                               "  for (int i = 0; i < 200000; ++i) {\n"
                               "    std::printf(\"debugging output line %d\\n\", i);\n  }",
                               "#include <cstdio>");
  EXPECT_EQ(Outcome::output_flood, checked.result.outcome);
  EXPECT_EQ(
      "✗ Your program printed more than 1024 KiB and was stopped.\n"
      "  Print less: only in the first step, or only the values you are unsure of.\n" +
          kHint,
      summary(checked.report));
  EXPECT_TRUE(contains(checked.report, "  | debugging output line 0")) << checked.report;
}

TEST(LearnerFault, ExitBeforeEndIsReported) {
  Checked checked = check_with("early_exit", kUpdateLine, "  std::exit(0);", "#include <cstdlib>");
  EXPECT_EQ(Outcome::ended_early, checked.result.outcome);
  EXPECT_EQ(
      "✗ Your program ended before the checks finished (exit status 0): does it call exit() or "
      "return from main?\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, ExceptionShowsWhat) {
  Checked checked = check_with("exception", kUpdateLine,
                               "  throw std::runtime_error(\"learning rate too small\");",
                               "#include <stdexcept>");
  EXPECT_EQ(Outcome::threw, checked.result.outcome);
  EXPECT_EQ("learning rate too small", checked.result.detail);
  EXPECT_TRUE(contains(checked.report, "  ✗ update: threw an exception: learning rate too small\n"))
      << checked.report;
  EXPECT_TRUE(contains(checked.report,
                       "✗ Hidden cases (random inputs drawn from the lesson's seed): 0 of 25 passed"))
      << checked.report;
  EXPECT_EQ(
      "✗ Your code threw an exception in stage 'update' of case 'public': learning rate too "
      "small\n"
      "  Find the throw, or a library call that throws, in the code this stage runs.\n"
      "  std::vector::at() throws std::out_of_range for an index past the end.\n" +
          kHint,
      summary(checked.report));
}

// A loop that keeps allocating runs into the memory limit, and the
// allocation throws std::bad_alloc. The blocks are never written to, so
// the limit is reached in milliseconds.
TEST(LearnerFault, OutOfMemoryNamed) {
  Checked checked = check_with("out_of_memory", kUpdateLine,
                               "  std::vector<double*> blocks;\n"
                               "  for (;;) {\n    blocks.push_back(new double[1 << 24]);\n  }",
                               "#include <vector>");
  EXPECT_EQ(Outcome::threw, checked.result.outcome);
  EXPECT_EQ(
      "✗ Your code threw an exception in stage 'update' of case 'public': std::bad_alloc\n"
      "  Your program ran out of memory (it may use 2 GiB). Does a loop keep\n"
      "  adding to a vector because its exit condition never comes true?\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, UncaughtExceptionShowsWhat) {
  Checked checked = check_with(
      "uncaught_exception", kForwardLine, "",
      "#include <stdexcept>\n"
      "const double kTable = [] {\n"
      "  if (kTable == 0) throw std::runtime_error(\"bad table\");\n"
      "  return 1.0;\n"
      "}();");
  EXPECT_EQ(Outcome::threw, checked.result.outcome);
  EXPECT_EQ("std::runtime_error: bad table", checked.result.detail);
  EXPECT_EQ(
      "✗ Your program ended on an exception that nothing caught (std::runtime_error: bad "
      "table).\n"
      "  The harness catches what the lesson's functions throw, so this came from elsewhere:\n"
      "  the initializer of a global variable, or a function marked noexcept.\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, NanIsNamed) {
  Checked checked = check_with("nan", kForwardLine, "  x = 0.0 / (x - x);");
  EXPECT_EQ(Outcome::not_finite, checked.result.outcome);
  EXPECT_TRUE(contains(checked.report, "  ✗ z1 = -nan\n"))
      << checked.report;
  EXPECT_EQ(
      "✗ Your code computed NaN (not a number) for z1 (step 1, forward pass, case 'public').\n"
      "  Look in the code that computes it for 0/0, the log or square root of a negative\n"
      "  number, or arithmetic on an infinity from a division by zero or exp() overflow.\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, InfinityIsNamed) {
  Checked checked = check_with("infinity", kForwardLine, "  x = std::exp(1000.0);");
  EXPECT_EQ(Outcome::not_finite, checked.result.outcome);
  EXPECT_EQ(
      "✗ Your code computed infinity for z1 (step 1, forward pass, case 'public').\n"
      "  Look in the code that computes it for a division by zero, the log of 0, or exp()\n"
      "  of a large number (exp(x) overflows to infinity above x = 709.78).\n" +
          kHint,
      summary(checked.report));
}

TEST(LearnerFault, MinusInfinityIsNamed) {
  Checked checked =
      check_replaced("minus_infinity", {{"  return 0.5 * error * error;", "  return std::log(0.0 * error);"}});
  EXPECT_EQ(Outcome::not_finite, checked.result.outcome);
  EXPECT_EQ(
      "✗ Your code computed minus infinity for loss (step 1, backward pass, case 'public').\n"
      "  Look in the code that computes it for a division by zero, the log of 0, or exp()\n"
      "  of a large number (exp(x) overflows to infinity above x = 709.78).\n" +
          kHint,
      summary(checked.report));
}

// A NaN computed from a wrong value is not the mistake to look for first.
TEST(LearnerFault, NanAfterWrongValueFails) {
  Checked checked = check_replaced(
      "wrong_then_nan", {{"  g.dL_da2 = values.a2 - target;", "  g.dL_da2 = target - values.a2;"},
                         {"  g.dL_dw1 = g.dL_dz1 * x;", "  g.dL_dw1 = g.dL_dz1 * x / 0.0 * 0.0;"}});
  EXPECT_EQ(Outcome::failed, checked.result.outcome);
  EXPECT_TRUE(contains(summary(checked.report),
                       "✗ First wrong value: dL/da2 (step 1, backward pass, case 'public')."))
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

// `runner list` shows these words, and the progress file stores them.
TEST(LearnerFault, NewVerdictsHaveShortNames) {
  EXPECT_EQ("NaN or infinity", outcome_name(Outcome::not_finite));
  EXPECT_EQ("threw an exception", outcome_name(Outcome::threw));
}

}  // namespace
}  // namespace gradlings::runner
