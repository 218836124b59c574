// The machine-readable result of `runner lesson N --format json`: one JSON
// document with every check of every case, for editors, CI scripts and
// graders. Its layout follows Exercism's test-runner results.json (version 2)
// and adds gradlings' own fields. docs/results.schema.json is its schema, and
// docs/json-output.md describes each field.
#pragma once

#include <string>

#include "runner/check.h"
#include "runner/lesson.h"

namespace gradlings::runner {

/// The version of Exercism's results.json layout that render_json() follows.
/// Version 2 has one entry per test and no task_id, because lessons are not
/// split into numbered tasks.
inline constexpr int kResultsVersion = 2;

/// Returns the identifier of `outcome` in the JSON result: "passed",
/// "failed", "not_implemented", "compile_error", "crashed", "timed_out",
/// "output_flood", "ended_early" or "channel_error".
std::string outcome_id(Outcome outcome);

/// Returns the whole result on one checked lesson as a JSON document, pretty
/// printed and ending in a newline. `exercise` is the path shown for the
/// learner's file. With `ascii` set, every non-ASCII character is written as
/// a \u escape, so the document contains only ASCII bytes. Bytes that are not
/// valid UTF-8, which a learner's program may print, are replaced with U+FFFD.
std::string render_json(const Lesson& lesson, const std::string& exercise,
                        const LessonResult& result, bool ascii = false);

}  // namespace gradlings::runner
