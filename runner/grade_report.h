// The files `runner grade` writes about a graded class, each built from
// StudentGrade values: a JSON record per student that `runner merge` reads
// back, and the reports for instructors, for CI and for students.
// docs/grading-reports.md describes every file.
//
// Every writer is deterministic: the same grades give the same bytes, with
// students sorted by id and lessons by number. Text from a learner's program
// that is not valid UTF-8 is written with U+FFFD in place of each bad byte.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/grading.h"

namespace gradlings::runner {

/// Returns every field of `student` as JSON, for the state files that a rerun
/// and `runner merge` read back. Finite doubles are written so that they read
/// back exactly. A non-finite largest_relative_error is written as the string
/// "inf", "-inf" or "nan".
nlohmann::json student_to_json(const StudentGrade& student);

/// Reads what student_to_json() wrote. Throws Error naming the field, such as
/// "lessons[0].checks[2].verdict", that is missing or has the wrong type or
/// value.
StudentGrade student_from_json(const nlohmann::json& json);

/// Returns grades.csv: the header `student,lesson,points,max_points,verdict`,
/// then one row per student and lesson, sorted by student id and then lesson
/// number. Lines end in "\n". A field that contains a comma, a quote or a
/// line break is quoted as RFC 4180 describes.
std::string grades_csv(const std::vector<StudentGrade>& students);

/// Returns results.jsonl: one JSON object per line and per check, sorted as
/// grades_csv() sorts, with the checks of a lesson in their order. The keys
/// are student, lesson, check, visibility, points, max_points, verdict,
/// reason, first_wrong and largest_relative_error (null when unset). This is
/// the instructor's file, so a hidden check's reason is included.
std::string results_jsonl(const std::vector<StudentGrade>& students);

/// Returns junit.xml: one <testsuite> per student, named by id, and one
/// <testcase> per check, named "lesson 2: hidden 3". A check that did not pass
/// has a <failure> whose message is its reason and whose type is its verdict.
std::string junit_xml(const std::vector<StudentGrade>& students);

/// Returns a Gradescope autograder results.json for one student: score,
/// max_score and one test per check with name, score, max_score, status
/// ("passed" or "failed"), output and visibility. A hidden check has the
/// visibility "hidden" and its student_reason as output, never its reason.
std::string gradescope_json(const StudentGrade& student);

/// Returns feedback.txt, the text a student receives: the total, then per lesson
/// its points and verdict, and per check its points and verdict with the
/// reason of a visible check or the student_reason of a hidden one. Nothing
/// else of a hidden check is shown, and neither is the lesson's reason.
std::string feedback_text(const StudentGrade& student);

}  // namespace gradlings::runner
