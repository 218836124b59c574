// Tests of runner/scoring.h: reading a submission without following links,
// the unscored grade of a lesson, the totals, and the verdict and points of
// each case for runs built here by hand, one per way a run can end.
#include "runner/scoring.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <fstream>
#include <limits>

#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;
using namespace lesson_support;

const std::string kSlug = "05-vanishing-gradients";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// A fresh submissions folder for one test.
fs::path fresh_submissions(const std::string& name) {
  fs::path folder = scratch_dir("scoring-test") / name;
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

Lesson lesson_named(const std::string& slug) {
  Lesson lesson;
  lesson.number = 5;
  lesson.slug = slug;
  lesson.title = "Vanishing and exploding gradients";
  lesson.points = {2, 0.5};
  return lesson;
}

// --- read_submission ---

TEST(ReadSubmission, RegularFileIsRead) {
  fs::path submissions = fresh_submissions("regular");
  const std::string source = "#include \"lesson.h\"\nint main() {}\n";
  write(submissions / "ada" / kSlug / "exercise.cpp", source);

  Submitted submitted = read_submission(submissions, "ada", lesson_named(kSlug));

  ASSERT_TRUE(submitted.source.has_value());
  EXPECT_EQ(*submitted.source, source);
  EXPECT_EQ(submitted.problem, Verdict::passed);
  EXPECT_EQ(submitted.reason, "");
}

TEST(ReadSubmission, MissingFileAndFolders) {
  fs::path submissions = fresh_submissions("missing");
  fs::create_directories(submissions / "ada" / kSlug);
  fs::create_directories(submissions / "bob");

  Submitted no_file = read_submission(submissions, "ada", lesson_named(kSlug));
  EXPECT_FALSE(no_file.source.has_value());
  EXPECT_EQ(no_file.problem, Verdict::missing_file);
  EXPECT_EQ(no_file.reason, "no file 'ada/05-vanishing-gradients/exercise.cpp'");

  Submitted no_lesson = read_submission(submissions, "bob", lesson_named(kSlug));
  EXPECT_FALSE(no_lesson.source.has_value());
  EXPECT_EQ(no_lesson.problem, Verdict::missing_file);
  EXPECT_EQ(no_lesson.reason, "no file 'bob/05-vanishing-gradients/exercise.cpp'");

  Submitted no_student = read_submission(submissions, "cy", lesson_named(kSlug));
  EXPECT_FALSE(no_student.source.has_value());
  EXPECT_EQ(no_student.problem, Verdict::missing_file);
  EXPECT_EQ(no_student.reason, "the submissions folder has no folder 'cy'");
}

TEST(ReadSubmission, SymlinkedFileIsRejected) {
  fs::path submissions = fresh_submissions("link-file");
  write(submissions / "elsewhere.cpp", "int secret;\n");
  fs::create_directories(submissions / "ada" / kSlug);
  fs::create_symlink(submissions / "elsewhere.cpp", submissions / "ada" / kSlug / "exercise.cpp");

  Submitted submitted = read_submission(submissions, "ada", lesson_named(kSlug));

  EXPECT_FALSE(submitted.source.has_value());
  EXPECT_EQ(submitted.problem, Verdict::missing_file);
  EXPECT_EQ(submitted.reason,
            "'ada/05-vanishing-gradients/exercise.cpp' is a symbolic link; submit the file itself");
}

TEST(ReadSubmission, SymlinkedLessonFolderIsRejected) {
  fs::path submissions = fresh_submissions("link-lesson");
  write(submissions / "bob" / kSlug / "exercise.cpp", "int bob;\n");
  fs::create_directories(submissions / "ada");
  fs::create_directory_symlink(submissions / "bob" / kSlug, submissions / "ada" / kSlug);

  Submitted submitted = read_submission(submissions, "ada", lesson_named(kSlug));

  EXPECT_FALSE(submitted.source.has_value());
  EXPECT_EQ(submitted.problem, Verdict::missing_file);
  EXPECT_EQ(submitted.reason,
            "'ada/05-vanishing-gradients' is a symbolic link; submit the folder itself");
}

TEST(ReadSubmission, SymlinkedStudentFolderIsRejected) {
  fs::path submissions = fresh_submissions("link-student");
  write(submissions / "bob" / kSlug / "exercise.cpp", "int bob;\n");
  fs::create_directory_symlink(submissions / "bob", submissions / "ada");

  Submitted submitted = read_submission(submissions, "ada", lesson_named(kSlug));

  EXPECT_FALSE(submitted.source.has_value());
  EXPECT_EQ(submitted.problem, Verdict::missing_file);
  EXPECT_EQ(submitted.reason, "'ada' is a symbolic link; submit the folder itself");
}

TEST(ReadSubmission, FolderInPlaceOfFileIsRejected) {
  fs::path submissions = fresh_submissions("folder-file");
  fs::create_directories(submissions / "ada" / kSlug / "exercise.cpp");

  Submitted submitted = read_submission(submissions, "ada", lesson_named(kSlug));

  EXPECT_FALSE(submitted.source.has_value());
  EXPECT_EQ(submitted.problem, Verdict::missing_file);
  EXPECT_EQ(submitted.reason, "'ada/05-vanishing-gradients/exercise.cpp' is not a regular file");
}

TEST(ReadSubmission, FileOverOneMebibyteIsRejected) {
  fs::path submissions = fresh_submissions("large");
  const std::size_t mebibyte = 1024 * 1024;
  write(submissions / "ada" / kSlug / "exercise.cpp", std::string(mebibyte, 'x'));
  write(submissions / "bob" / kSlug / "exercise.cpp", std::string(mebibyte + 1, 'x'));

  Submitted at_limit = read_submission(submissions, "ada", lesson_named(kSlug));
  ASSERT_TRUE(at_limit.source.has_value());
  EXPECT_EQ(at_limit.source->size(), mebibyte);
  EXPECT_EQ(at_limit.problem, Verdict::passed);

  Submitted over = read_submission(submissions, "bob", lesson_named(kSlug));
  EXPECT_FALSE(over.source.has_value());
  EXPECT_EQ(over.problem, Verdict::compile_error);
  EXPECT_EQ(over.reason,
            "'bob/05-vanishing-gradients/exercise.cpp' is larger than 1 MiB, so it was not "
            "compiled");
}

// --- unscored_lesson and total_up ---

TEST(UnscoredLesson, PublicCasesFirstWithLessonPoints) {
  Lesson lesson = load_lesson(kRoot / "lessons" / kSlug);
  std::vector<CaseName> cases = lesson.kind_impl->case_names(lesson);

  // The kind lists every flow before every chain, so the hidden flows come
  // before the public chain.
  ASSERT_EQ(cases.size(), 30u);
  EXPECT_EQ(cases[4].name, "hidden flow 1");
  EXPECT_TRUE(cases[4].hidden);
  EXPECT_EQ(cases[25].name, "twelve layers");
  EXPECT_FALSE(cases[25].hidden);

  LessonGrade grade = unscored_lesson(lesson, cases);

  std::vector<std::string> expected_names = {"small weights", "large weights", "weights near one",
                                             "deeper, with a negative weight", "twelve layers"};
  for (int i = 1; i <= 21; ++i) {
    expected_names.push_back(fmt::format("hidden flow {}", i));
  }
  for (int i = 1; i <= 4; ++i) {
    expected_names.push_back(fmt::format("hidden chain {}", i));
  }
  std::vector<std::string> names;
  for (const CheckResult& check : grade.checks) {
    names.push_back(check.name);
  }
  EXPECT_EQ(names, expected_names);

  EXPECT_EQ(grade.number, 5);
  EXPECT_EQ(grade.slug, kSlug);
  EXPECT_EQ(grade.title, "Vanishing and exploding gradients");
  double max_points = 0;
  for (std::size_t i = 0; i < grade.checks.size(); ++i) {
    const CheckResult& check = grade.checks[i];
    EXPECT_EQ(check.hidden, i >= 5) << check.name;
    EXPECT_EQ(check.max_points, i < 5 ? 1.5 : 0.5) << check.name;
    EXPECT_EQ(check.points, 0) << check.name;
    max_points += check.max_points;
  }
  EXPECT_EQ(max_points, 20);
}

// A grade of three checks worth 2, 0.5 and 0.5 points, scored by hand.
LessonGrade three_checks(Verdict first, Verdict second, Verdict third) {
  LessonGrade grade;
  grade.checks.resize(3);
  Verdict verdicts[] = {first, second, third};
  double max_points[] = {2, 0.5, 0.5};
  for (std::size_t i = 0; i < 3; ++i) {
    grade.checks[i].name = fmt::format("case {}", i + 1);
    grade.checks[i].verdict = verdicts[i];
    grade.checks[i].max_points = max_points[i];
    grade.checks[i].points = verdicts[i] == Verdict::passed ? max_points[i] : 0;
    grade.checks[i].reason = verdicts[i] == Verdict::passed ? "" : fmt::format("reason {}", i + 1);
  }
  return grade;
}

TEST(TotalUp, AllPassed) {
  LessonGrade grade = three_checks(Verdict::passed, Verdict::passed, Verdict::passed);
  grade.reason = "stale";

  total_up(grade);

  EXPECT_EQ(grade.points, 3);
  EXPECT_EQ(grade.max_points, 3);
  EXPECT_EQ(grade.verdict, Verdict::passed);
  EXPECT_EQ(grade.reason, "");
}

TEST(TotalUp, FirstNonPassingVerdictWins) {
  LessonGrade grade = three_checks(Verdict::passed, Verdict::wrong, Verdict::timed_out);

  total_up(grade);

  EXPECT_EQ(grade.points, 2);
  EXPECT_EQ(grade.max_points, 3);
  EXPECT_EQ(grade.verdict, Verdict::wrong);
  EXPECT_EQ(grade.reason, "reason 2");
}

TEST(TotalUp, RepeatedTotalsDoNotAccumulate) {
  LessonGrade grade = three_checks(Verdict::crashed, Verdict::passed, Verdict::passed);

  total_up(grade);
  total_up(grade);

  EXPECT_EQ(grade.points, 1);
  EXPECT_EQ(grade.max_points, 3);
  EXPECT_EQ(grade.verdict, Verdict::crashed);
  EXPECT_EQ(grade.reason, "reason 1");
}

// --- score_run ---

// A lesson with a public case worth 2 points and a hidden one worth 0.5, its
// checks set to full points beforehand, so that a case scored 0 shows that
// score_run reset it.
LessonGrade two_cases() {
  LessonGrade grade = unscored_lesson(lesson_named(kSlug), {{"hidden 1", true}, {"public", false}});
  for (CheckResult& check : grade.checks) {
    check.points = check.max_points;
  }
  return grade;
}

Check value(const std::string& label, std::optional<double> actual, double expected, bool passed) {
  Check check;
  check.label = label;
  check.actual = actual;
  check.expected = expected;
  check.passed = passed;
  return check;
}

// A case whose every value passed.
CaseTrace passing_case(const std::string& name, bool hidden) {
  CaseTrace trace;
  trace.name = name;
  trace.hidden = hidden;
  trace.sections.push_back({"Step 1", {{"", value("loss", 0.25, 0.25, true), std::nullopt}}});
  trace.passed = true;
  return trace;
}

// A case whose first wrong value is `actual` where 1.0 is expected.
CaseTrace wrong_case(const std::string& name, bool hidden, std::optional<double> actual) {
  CaseTrace trace = passing_case(name, hidden);
  Check wrong = value("dL/dw2", actual, 1.0, false);
  trace.sections.push_back({"Step 1, backward pass", {{"", wrong, std::nullopt}}});
  trace.passed = false;
  trace.first_wrong = FirstWrong{"step 1, backward pass", wrong};
  return trace;
}

// A case stopped by its `stage`.
CaseTrace stopped_case(const std::string& name, bool hidden, StageStop::Reason reason,
                       const std::string& stage, const std::string& detail) {
  CaseTrace trace = passing_case(name, hidden);
  trace.passed = false;
  trace.stop = StageStop{reason, stage, detail};
  return trace;
}

// A run that ended normally after the harness reported both cases.
std::pair<RunResult, LessonResult> normal_run(Outcome outcome, std::vector<CaseTrace> traces) {
  RunResult run;
  run.outcome = RunOutcome::exited;
  LessonResult result;
  result.outcome = outcome;
  result.traces = std::move(traces);
  return {run, result};
}

// The two passing cases that a cut-short run had reported before its end:
// they must not score.
std::vector<CaseTrace> reported_before_end() {
  return {passing_case("public", false), passing_case("hidden 1", true)};
}

// Expects every check of `grade` to have `verdict`, `reason` for the
// instructor and `student_reason` (when given, else `reason`) for the
// student, and no points.
void expect_every_case(const LessonGrade& grade, Verdict verdict, const std::string& reason,
                       const std::string& student_reason = "") {
  ASSERT_EQ(grade.checks.size(), 2u);
  for (const CheckResult& check : grade.checks) {
    EXPECT_EQ(verdict_id(check.verdict), verdict_id(verdict)) << check.name;
    EXPECT_EQ(check.reason, reason) << check.name;
    EXPECT_EQ(check.student_reason, student_reason.empty() ? reason : student_reason)
        << check.name;
    EXPECT_EQ(check.points, 0) << check.name;
  }
}

// Expects that no check that did not pass earned points, and that every
// passed check earned all of its points.
void expect_only_passes_score(const LessonGrade& grade) {
  for (const CheckResult& check : grade.checks) {
    if (check.verdict == Verdict::passed) {
      EXPECT_EQ(check.points, check.max_points) << check.name;
    } else {
      EXPECT_EQ(check.points, 0) << check.name << " is " << verdict_id(check.verdict);
    }
  }
}

// Scores a run that did not end normally, with both cases reported as passed
// before it ended.
LessonGrade score_cut_short(RunOutcome run_outcome, int signal, Outcome outcome,
                            const std::string& detail, const RunLimits& limits = {}) {
  RunResult run;
  run.outcome = run_outcome;
  run.signal = signal;
  LessonResult result;
  result.outcome = outcome;
  result.detail = detail;
  result.traces = reported_before_end();
  LessonGrade grade = two_cases();
  score_run(run, result, limits, grade);
  expect_only_passes_score(grade);
  return grade;
}

TEST(ScoreRun, TimeoutScoresNothing) {
  RunLimits limits;
  limits.wall_time = std::chrono::milliseconds(2500);

  LessonGrade grade = score_cut_short(RunOutcome::timed_out, 0, Outcome::timed_out, "", limits);

  expect_every_case(grade, Verdict::timed_out, "still running after 2.5 s, so it was stopped");
}

TEST(ScoreRun, OutputFloodScoresNothing) {
  RunLimits limits;
  limits.max_output_bytes = 1 << 20;

  LessonGrade grade =
      score_cut_short(RunOutcome::output_flood, 0, Outcome::output_flood, "", limits);

  expect_every_case(grade, Verdict::output_limit, "printed more than 1 MiB, so it was stopped");
}

TEST(ScoreRun, SegfaultIsCrash) {
  LessonGrade grade = score_cut_short(RunOutcome::signaled, SIGSEGV, Outcome::crashed, "SIGSEGV");

  expect_every_case(grade, Verdict::crashed, "crashed with SIGSEGV");
}

TEST(ScoreRun, ForbiddenSystemCallIsCrash) {
  LessonGrade grade = score_cut_short(RunOutcome::signaled, SIGSYS, Outcome::crashed,
                                      "SIGSYS (forbidden system call)");

  expect_every_case(grade, Verdict::crashed,
                    "SIGSYS: stopped at a forbidden system call (a network connection, a new "
                    "process or a change to the sandbox)");
}

TEST(ScoreRun, CpuTimeLimitIsTimeout) {
  LessonGrade grade = score_cut_short(RunOutcome::signaled, SIGXCPU, Outcome::crashed, "SIGXCPU");

  expect_every_case(grade, Verdict::timed_out, "used up its CPU time, so it was stopped");
}

TEST(ScoreRun, UncaughtBadAllocIsMemoryLimit) {
  RunLimits limits;
  limits.memory_bytes = 512u << 20;

  LessonGrade grade = score_cut_short(RunOutcome::signaled, SIGABRT, Outcome::threw,
                                      "std::bad_alloc: std::bad_alloc", limits);

  expect_every_case(grade, Verdict::memory_limit,
                    "ran out of memory at the 512 MiB limit (std::bad_alloc: std::bad_alloc)",
                    "ran out of memory at the 512 MiB limit");
}

TEST(ScoreRun, UncaughtOtherExceptionIsCrash) {
  LessonGrade grade = score_cut_short(RunOutcome::signaled, SIGABRT, Outcome::threw,
                                      "std::runtime_error: singular matrix");

  expect_every_case(grade, Verdict::crashed,
                    "an exception ended the program: std::runtime_error: singular matrix",
                    "an exception ended the program");
}

TEST(ScoreRun, EarlyExitIsInvalidOutput) {
  LessonGrade grade = score_cut_short(RunOutcome::exited, 0, Outcome::ended_early, "exit status 3");

  expect_every_case(grade, Verdict::invalid_output,
                    "the program ended (exit status 3) before it reported every case");
}

TEST(ScoreRun, MalformedChannelIsInvalidOutput) {
  LessonGrade grade =
      score_cut_short(RunOutcome::exited, 0, Outcome::channel_error, "case 0 value loss 0.25");

  expect_every_case(grade, Verdict::invalid_output,
                    "a record on the result channel does not parse or repeats an earlier one: "
                    "'case 0 value loss 0.25'",
                    "a record on the result channel does not parse or repeats an earlier one");
}

TEST(ScoreRun, NotImplementedNamesFunctions) {
  RunResult run;
  LessonResult result;
  result.outcome = Outcome::not_implemented;
  result.missing_functions = {"Forward forward(const Params&, double)",
                              "Gradients backward(const Params&, const Forward&, double)"};
  result.traces = reported_before_end();
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_every_case(grade, Verdict::not_implemented, "not implemented yet: forward, backward");
}

TEST(ScoreRun, CaseMissingFromTracesScoresNothing) {
  auto [run, result] = normal_run(Outcome::passed, {passing_case("public", false)});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_every_case(grade, Verdict::invalid_output,
                    "the program ended without reporting the case 'hidden 1'");
}

TEST(ScoreRun, CaseReportedWithWrongVisibilityScoresNothing) {
  auto [run, result] =
      normal_run(Outcome::passed, {passing_case("public", false), passing_case("hidden 1", false)});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_every_case(grade, Verdict::invalid_output,
                    "the program ended without reporting the case 'hidden 1'");
}

TEST(ScoreRun, WrongValueReportsLargestRelativeError) {
  // The relative errors, by hand, are 0 for the loss, |1.5 - 1| / 1 = 0.5
  // for dL/dw2 and |0 - (-4)| / 4 = 1 for dL/db. The bias b expects 0, so it
  // counts the absolute difference 0.25. The table's weight w has
  // |7 - 2| / 2 = 2.5, the largest. Values that were never reported, are not
  // finite or are compared as text do not count.
  CaseTrace wrong = wrong_case("public", false, 1.5);
  Check text_value = value("status", 100.0, 1.0, false);
  text_value.expected_text = "healthy";
  Table table;
  table.header = {"step", "w"};
  table.rows = {{Cell{"1", std::nullopt}, Cell{"", value("w", 7.0, 2.0, false)}}};
  wrong.sections.push_back(
      {"Step 1, more values",
       {{"", value("dL/db", 0.0, -4.0, false), std::nullopt},
        {"", value("b", 0.25, 0.0, false), std::nullopt},
        {"", value("dL/dz", std::nullopt, 1000.0, false), std::nullopt},
        {"", value("dL/da", std::numeric_limits<double>::infinity(), 1.0, false), std::nullopt},
        {"", text_value, std::nullopt},
        {"training log", std::nullopt, table}}});
  auto [run, result] = normal_run(Outcome::failed, {wrong, wrong_case("hidden 1", true, 1.5)});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_only_passes_score(grade);
  const CheckResult& public_check = grade.checks[0];
  EXPECT_EQ(public_check.name, "public");
  EXPECT_EQ(public_check.verdict, Verdict::wrong);
  EXPECT_EQ(public_check.points, 0);
  EXPECT_EQ(public_check.first_wrong, "dL/dw2 (step 1, backward pass)");
  ASSERT_TRUE(public_check.largest_relative_error.has_value());
  EXPECT_DOUBLE_EQ(*public_check.largest_relative_error, 2.5);
  EXPECT_EQ(public_check.reason,
            "first wrong: dL/dw2 (step 1, backward pass) is 1.5, expected 1; largest relative "
            "error 2.5");
  EXPECT_EQ(public_check.student_reason,
            "first wrong: dL/dw2 (step 1, backward pass), expected 1");

  const CheckResult& hidden = grade.checks[1];
  EXPECT_EQ(hidden.name, "hidden 1");
  EXPECT_EQ(hidden.verdict, Verdict::wrong);
  EXPECT_EQ(hidden.points, 0);
  ASSERT_TRUE(hidden.largest_relative_error.has_value());
  EXPECT_DOUBLE_EQ(*hidden.largest_relative_error, 0.5);
  EXPECT_EQ(hidden.reason,
            "first wrong: dL/dw2 (step 1, backward pass) is 1.5, expected 1; largest relative "
            "error 0.5");
  EXPECT_EQ(hidden.student_reason, "first wrong: dL/dw2 (step 1, backward pass)");
}

TEST(ScoreRun, NanIsInvalidOutput) {
  auto [run, result] =
      normal_run(Outcome::not_finite,
                 {passing_case("public", false),
                  wrong_case("hidden 1", true, std::numeric_limits<double>::quiet_NaN())});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_only_passes_score(grade);
  EXPECT_EQ(grade.checks[0].verdict, Verdict::passed);
  EXPECT_EQ(grade.checks[0].points, 2);
  const CheckResult& nan = grade.checks[1];
  EXPECT_EQ(nan.verdict, Verdict::invalid_output);
  EXPECT_EQ(nan.points, 0);
  EXPECT_EQ(nan.first_wrong, "dL/dw2 (step 1, backward pass)");
  EXPECT_EQ(nan.reason, "dL/dw2 (step 1, backward pass) is nan");
  EXPECT_FALSE(nan.largest_relative_error.has_value());
}

TEST(ScoreRun, UnreportedValueIsInvalidOutput) {
  auto [run, result] = normal_run(
      Outcome::failed, {wrong_case("public", false, std::nullopt), passing_case("hidden 1", true)});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_only_passes_score(grade);
  EXPECT_EQ(grade.checks[0].verdict, Verdict::invalid_output);
  EXPECT_EQ(grade.checks[0].reason, "dL/dw2 (step 1, backward pass) was never reported");
  EXPECT_EQ(grade.checks[1].verdict, Verdict::passed);
  EXPECT_EQ(grade.checks[1].points, 0.5);
}

TEST(ScoreRun, StageThatThrewBadAllocIsMemoryLimit) {
  auto [run, result] = normal_run(
      Outcome::threw,
      {passing_case("public", false),
       stopped_case("hidden 1", true, StageStop::Reason::threw, "forward", "std::bad_alloc")});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_only_passes_score(grade);
  EXPECT_EQ(grade.checks[0].verdict, Verdict::passed);
  const CheckResult& stopped = grade.checks[1];
  EXPECT_EQ(stopped.verdict, Verdict::memory_limit);
  EXPECT_EQ(stopped.points, 0);
  EXPECT_EQ(stopped.reason, "the forward stage ran out of memory (std::bad_alloc)");
  EXPECT_EQ(stopped.student_reason, "the forward stage ran out of memory");
}

TEST(ScoreRun, StageThatThrewOtherExceptionIsCrash) {
  auto [run, result] = normal_run(
      Outcome::threw, {stopped_case("public", false, StageStop::Reason::threw, "backward",
                                    "std::out_of_range: vector::_M_range_check"),
                       passing_case("hidden 1", true)});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_only_passes_score(grade);
  const CheckResult& stopped = grade.checks[0];
  EXPECT_EQ(stopped.verdict, Verdict::crashed);
  EXPECT_EQ(stopped.points, 0);
  EXPECT_EQ(stopped.reason,
            "the backward stage threw an exception: std::out_of_range: vector::_M_range_check");
  EXPECT_EQ(stopped.student_reason, "the backward stage threw an exception");
  EXPECT_EQ(grade.checks[1].verdict, Verdict::passed);
  EXPECT_EQ(grade.checks[1].points, 0.5);
}

TEST(ScoreRun, StageMissingOrInvalid) {
  auto [run, result] =
      normal_run(Outcome::failed,
                 {stopped_case("public", false, StageStop::Reason::missing, "update", "update"),
                  stopped_case("hidden 1", true, StageStop::Reason::invalid, "forward",
                               "3 activations, expected 4")});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  expect_only_passes_score(grade);
  EXPECT_EQ(grade.checks[0].verdict, Verdict::not_implemented);
  EXPECT_EQ(grade.checks[0].reason, "not implemented yet: update");
  EXPECT_EQ(grade.checks[1].verdict, Verdict::invalid_output);
  EXPECT_EQ(grade.checks[1].reason, "the forward stage returned 3 activations, expected 4");
  EXPECT_EQ(grade.checks[1].student_reason,
            "the forward stage returned something the harness cannot use");
}

TEST(ScoreRun, PassEarnsEveryPoint) {
  auto [run, result] =
      normal_run(Outcome::passed, {passing_case("hidden 1", true), passing_case("public", false)});
  LessonGrade grade = unscored_lesson(lesson_named(kSlug), {{"hidden 1", true}, {"public", false}});

  score_run(run, result, RunLimits{}, grade);
  total_up(grade);

  ASSERT_EQ(grade.checks.size(), 2u);
  for (const CheckResult& check : grade.checks) {
    EXPECT_EQ(check.verdict, Verdict::passed) << check.name;
    EXPECT_EQ(check.points, check.max_points) << check.name;
    EXPECT_EQ(check.reason, "") << check.name;
    EXPECT_EQ(check.first_wrong, "") << check.name;
    EXPECT_FALSE(check.largest_relative_error.has_value()) << check.name;
  }
  EXPECT_EQ(grade.points, 2.5);
  EXPECT_EQ(grade.max_points, 2.5);
  EXPECT_EQ(grade.verdict, Verdict::passed);
  EXPECT_EQ(grade.reason, "");
}

// A program can put a hidden case's inputs into any text it chooses: an
// exception's message, a stage or function name on the channel. The
// instructor gets that text, and the student gets none of it.
TEST(ScoreRun, StudentNeverSeesTheProgramsText) {
  auto [run, result] = normal_run(
      Outcome::threw,
      {stopped_case("public", false, StageStop::Reason::threw, "forward", "LEAK x=0.009493"),
       stopped_case("hidden 1", true, StageStop::Reason::missing, "x0009493", "x=0.009493")});
  LessonGrade grade = two_cases();

  score_run(run, result, RunLimits{}, grade);

  EXPECT_EQ(grade.checks[0].reason, "the forward stage threw an exception: LEAK x=0.009493");
  EXPECT_EQ(grade.checks[0].student_reason, "the forward stage threw an exception");
  EXPECT_EQ(grade.checks[1].reason, "not implemented yet: x=0.009493");
  EXPECT_EQ(grade.checks[1].student_reason, "not implemented yet: a function");
  for (const CheckResult& check : grade.checks) {
    EXPECT_EQ(check.student_reason.find("0.009493"), std::string::npos) << check.name;
  }
}

TEST(BoundReasons, CutsLongTextAndReplacesControlCharacters) {
  LessonGrade grade = two_cases();
  score_every_case(grade, Verdict::crashed, std::string(5000, 'a') + "\x1b[31m",
                   "line one\nline\ttwo\x1b[31m\x7f");

  bound_reasons(grade);

  for (const CheckResult& check : grade.checks) {
    EXPECT_EQ(check.reason, std::string(2000, 'a') + " \xE2\x80\xA6 (5005 bytes in all)");
    EXPECT_EQ(check.student_reason,
              "line one\nline\xEF\xBF\xBDtwo\xEF\xBF\xBD[31m\xEF\xBF\xBD");
  }
}


}  // namespace
}  // namespace gradlings::runner
