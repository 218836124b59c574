// Scoring one student's lesson: reading the file without following links,
// and turning a finished run into the verdict and points of each case. The
// program's records are compared with the reference here, in the runner, and
// only values that pass their check earn points.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runner/check.h"
#include "runner/grading.h"
#include "runner/kind.h"
#include "runner/lesson.h"
#include "runner/sandbox.h"

namespace gradlings::runner {

/// A learner's file as read for grading, or why it could not be read.
struct Submitted {
  std::optional<std::string> source;
  Verdict problem = Verdict::missing_file;
  std::string reason;
};

/// Reads SUBMISSIONS/FOLDER/SLUG/exercise.cpp. A missing file, a symbolic
/// link anywhere below `submissions` or something other than a regular file
/// gives missing_file, and a file over 1 MiB compile_error, each with a reason
/// that names the file.
Submitted read_submission(const std::filesystem::path& submissions,
                          const std::string& student_folder, const Lesson& lesson);

/// Returns the lesson's grade before scoring: one check per case with its
/// points from the lesson file, public cases first, none of them earned yet.
LessonGrade unscored_lesson(const Lesson& lesson, const std::vector<CaseName>& cases);

/// Gives every case of `grade` the same verdict and reason, and no points.
void score_every_case(LessonGrade& grade, Verdict verdict, const std::string& reason);

/// The same, with a separate reason for the student, which leaves out the
/// values and text the program produced.
void score_every_case(LessonGrade& grade, Verdict verdict, const std::string& reason,
                      const std::string& student_reason);

/// Cuts every reason of `grade` to 2,000 bytes and replaces each control
/// character but a line break with U+FFFD, so that a program's own text can
/// neither bloat the reports nor reach a terminal as escape codes.
void bound_reasons(LessonGrade& grade);

/// Scores every case of `grade` from the program's run and its judgement by
/// judge_run(). Each check's student_reason leaves out the values and the text
/// the program produced, because a program could write a hidden case's inputs
/// into them. A run that did not end normally (a signal, a limit, an early
/// exit, a malformed record, a case left out) scores 0 on every case.
/// Otherwise each case scores on its own.
void score_run(const RunResult& run, const LessonResult& result, const RunLimits& limits,
               LessonGrade& grade);

/// Sums the points of `grade`'s checks, and takes the verdict and reason of
/// the first check that did not pass, or passed.
void total_up(LessonGrade& grade);

}  // namespace gradlings::runner
