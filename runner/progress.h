// Progress over the lessons: which are done, which is next, and the two
// tables that show it (`runner list` and the summary of `runner verify`).
// A lesson is done only when its last check passed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runner/report.h"

namespace gradlings::runner {

/// The learner's standing on one lesson.
enum class Standing {
  passed,       // the last check passed
  failed,       // checked, and the last check did not pass
  not_started,  // never checked
};

struct LessonProgress {
  int number = 0;
  std::string title;
  Standing standing = Standing::not_started;
  std::string status;  // outcome_name() of the last check, "" when never checked
};

/// Returns the standing that a saved status gives: "passed" is passed, ""
/// is not started, anything else failed.
Standing standing_of(const std::string& status);

/// Returns the first lesson in `lessons` (in their order) that has not
/// passed, or nullopt when all have.
std::optional<LessonProgress> first_unfinished(const std::vector<LessonProgress>& lessons);

/// Returns "[#####.....] 3/7 lessons" (Unicode blocks unless style is plain),
/// `width` cells wide between the brackets, with `unit` naming what is counted.
std::string progress_bar(int done, int total, const ReportStyle& style, int width = 20,
                         const std::string& unit = "lessons");

/// Returns the `runner list` table: one line per lesson with its standing,
/// then the progress bar and what to run next.
std::string render_list(const std::vector<LessonProgress>& lessons, const ReportStyle& style);

/// One row of the `runner verify` summary.
struct VerifyRow {
  int number = 0;
  std::string title;
  std::string verdict;  // outcome_name(); "not started" without an exercise file; "not
                        // checked" after the lesson that stopped the run
  bool passed = false;
  std::optional<double> seconds;  // how long the check took, when it ran
};

/// Returns the `runner verify` summary table and its last line.
std::string render_verify_summary(const std::vector<VerifyRow>& rows, const ReportStyle& style);

}  // namespace gradlings::runner
