// Support for the lesson tests: read and mutate the shipped files, check an
// exercise as `runner lesson N` does, run the runner binary, and walk the
// checks of a graded trace. Each test target compiles lesson_support.cc
// itself, because kRoot comes from the target's GRADLINGS_SOURCE_DIR.
// run_runner exists only in targets that define GRADLINGS_RUNNER.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "runner/check.h"
#include "runner/lesson.h"
#include "runner/trace.h"

namespace gradlings::runner::lesson_support {

namespace fs = std::filesystem;

/// The root of the source tree, which contains lessons/ and solutions/.
inline const fs::path kRoot = GRADLINGS_SOURCE_DIR;

/// Returns the contents of `path`, or "" when it cannot be opened.
std::string read_file(const fs::path& path);

/// Returns the folder gradlings-NAME under the system's temporary folder,
/// creating it if needed. Each test binary passes its own NAME.
fs::path scratch_dir(const std::string& name);

/// Checks `exercise` against `lesson` as `runner lesson N` does, with the
/// harnesses in lessons/harness and the compile cache in scratch/cache.
LessonResult check_exercise(const Lesson& lesson, const fs::path& exercise,
                            const fs::path& scratch);

/// Loads the lesson in `lesson_dir` and checks `exercise` against it, as the
/// overload above does.
LessonResult check_exercise(const fs::path& lesson_dir, const fs::path& exercise,
                            const fs::path& scratch);

/// One exact text replacement.
struct Replacement {
  std::string from;
  std::string to;
};

/// Which occurrences of a replacement's `from` write_mutated_copy accepts.
enum class Match {
  first,   // replace the first one, and accept any later ones
  unique,  // replace the only one, and fail the test when there are more
};

/// Returns `text` with the first `from` replaced by `to`. A `from` that the
/// text does not contain fails the test, and the text is returned unchanged.
std::string replace_first(std::string text, const std::string& from, const std::string& to);

/// Writes `source` with every replacement applied in order, each to the
/// first occurrence of its `from`, to folder/NAME.cpp and returns that path.
/// A `from` that is not found fails the test, and so does one found twice
/// under Match::unique.
fs::path write_mutated_copy(const fs::path& source, const fs::path& folder, const std::string& name,
                            const std::vector<Replacement>& replacements,
                            Match match = Match::first);

/// Runs `action` and returns the message of the Error it throws, or "" when
/// it throws none. Other exceptions propagate.
std::string error_message(const std::function<void()>& action);

/// The exit status and the output of a command.
struct CommandOutput {
  int status = -1;   // the exit code, or -1 when the command did not exit normally
  std::string text;  // stdout and stderr, interleaved as the command wrote them
};

/// Runs `program` with `arguments` through the shell (popen) and returns its
/// exit status and output. A failed popen fails the test.
CommandOutput run_program(const fs::path& program, const std::string& arguments);

#ifdef GRADLINGS_RUNNER
/// Runs this build's runner binary, whose path the test target defines as
/// GRADLINGS_RUNNER, with `arguments`.
inline CommandOutput run_runner(const std::string& arguments) {
  return run_program(GRADLINGS_RUNNER, arguments);
}
#endif

/// A check of a trace and the heading of the section that shows it.
struct ShownCheck {
  std::string heading;
  Check check;
};

/// Returns every check of `trace` in the order the report shows them: line by
/// line, and within a table line its checked cells row by row.
std::vector<ShownCheck> shown_checks(const CaseTrace& trace);

/// Returns whether a check in a section whose heading starts with
/// "Gradient check" failed, in a check line or a table cell.
bool gradient_check_failed(const CaseTrace& trace);

/// Returns the text of every line of `trace`, each followed by a newline.
std::string trace_text(const CaseTrace& trace);

/// Returns the short names of the functions that `result` reports as still
/// calling not_implemented(), in the reported order.
std::vector<std::string> missing_names(const LessonResult& result);

/// Returns whether `text` contains only ASCII bytes.
bool is_ascii(const std::string& text);

}  // namespace gradlings::runner::lesson_support
