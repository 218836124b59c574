// All terminal output of the runner goes through here. The renderers return
// strings, so tests can compare what a learner would see.
#pragma once

#include <cstdio>
#include <string>

#include "runner/check.h"
#include "runner/lesson.h"
#include "runner/text.h"

namespace gradlings::runner {

struct ReportStyle {
  bool color = false;   // ANSI colours
  bool unicode = true;  // ✓ ✗ → and box rules; false: ASCII only
  bool verbose = false;  // the compiler's whole log, not only its first error in the exercise
  bool watching = false;  // inside `runner watch`: name its keys and saves, not commands
};

/// Returns the style for `stream`: colour only on a terminal, and never when
/// NO_COLOR is set or TERM is "dumb". `plain` forces ASCII without colour.
ReportStyle detect_style(std::FILE* stream, bool plain);

/// Returns `text` made fit to print in `style`. Without style.unicode every
/// character is ASCII (see ascii_only()). Without style.color each escape
/// character (ESC, which starts every terminal colour code) is written as
/// "^[", so text that a learner's program or a compiler printed cannot
/// colour the terminal either.
std::string apply_style(std::string text, const ReportStyle& style);

/// Returns the line that explains a wrong value: "you have 0.146, expected
/// -0.146 (reference), off by 0.293". The difference is left out when either
/// value is not finite.
std::string check_message(const Check& c);

/// Returns the whole report on one checked lesson. It contains the trace of
/// each public case, a line on the hidden cases and the trace of the first
/// failing hidden case. A summary names the first wrong value and what to do.
std::string render_result(const Lesson& lesson, const std::string& exercise,
                          const LessonResult& result, const ReportStyle& style);

}  // namespace gradlings::runner
