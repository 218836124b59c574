// The results of grading a class: one StudentGrade per submission folder,
// with a LessonGrade per lesson and a CheckResult per case. `runner grade`
// builds them, the report writers turn them into files, and `runner merge`
// reads them back from shard folders.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace gradlings::runner {

/// The reason for a check's score. Only `passed` earns points.
enum class Verdict {
  passed,           // every value of the case is within tolerance of the reference
  wrong,            // the program ran to the end and a value is wrong
  not_implemented,  // a function still calls not_implemented()
  compile_error,    // the exercise did not compile or link, so nothing is gradable
  crashed,          // killed by a signal, a forbidden system call or an uncaught exception
  timed_out,        // ran past the wall or CPU time limit
  memory_limit,     // ran out of its address space
  output_limit,     // printed more than the output limit
  invalid_output,   // NaN or infinity, a wrong size, a malformed record, or an early exit
  missing_file,     // the submission has no exercise.cpp for the lesson
  internal_error,   // the grader itself failed; the check is regraded by the next run
};

/// Returns the identifier of `verdict` used in every report: "passed",
/// "wrong", "not_implemented", "compile_error", "crashed", "timed_out",
/// "memory_limit", "output_limit", "invalid_output", "missing_file" or
/// "internal_error".
std::string verdict_id(Verdict verdict);

/// Returns the verdict whose identifier is `id`, or nullopt.
std::optional<Verdict> verdict_from_id(const std::string& id);

/// One case of one lesson, scored.
struct CheckResult {
  std::string name;       // "public", "hidden 3": the case's name in the lesson
  bool hidden = false;    // drawn from the grading seed; its details are withheld from students
  double points = 0;      // earned: max_points when passed, else 0
  double max_points = 0;  // from the lesson file's points block
  Verdict verdict = Verdict::internal_error;

  /// Why, in one line, for the instructor: the first wrong quantity with the
  /// values, the signal, the first compiler error. Empty when passed.
  std::string reason;

  /// The part of the reason a student may see. For a hidden case it names the
  /// quantity but none of the case's inputs or values.
  std::string student_reason;

  /// The first wrong quantity, e.g. "dL/dw2 (step 1, backward pass)"; set
  /// only when verdict is wrong or invalid_output because of a value.
  std::string first_wrong;

  /// The largest of |yours - expected| / |expected| over the case's values
  /// (the absolute difference where expected is 0); set only for wrong.
  std::optional<double> largest_relative_error;
};

struct LessonGrade {
  int number = 0;    // 2
  std::string slug;  // "02-two-layer-network"
  std::string title;
  Verdict verdict =
      Verdict::internal_error;  // passed, or the verdict of the first check that was not
  std::string reason;           // that check's reason; empty when passed
  double points = 0;            // the sum over checks
  double max_points = 0;
  std::string source_sha256;        // of the graded exercise.cpp; empty when it is missing
  std::vector<CheckResult> checks;  // public cases first, in the lesson's order
};

struct StudentGrade {
  std::string id;                    // the folder name, or the roster's id
  std::string name;                  // from the roster; empty without one
  std::string folder;                // the submission folder's name under SUBMISSIONS
  std::vector<LessonGrade> lessons;  // by lesson number

  double points() const;
  double max_points() const;
};

/// Formats points for every report, identically on every machine: the
/// shortest decimal with at most three places, "2", "0.5", "13.333".
std::string format_points(double points);

}  // namespace gradlings::runner
