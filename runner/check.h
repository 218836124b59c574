// Checking one lesson end to end: compile the learner's exercise with the
// lesson's harness, run it in a child process, and grade what it reported.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "runner/lesson.h"
#include "runner/sandbox.h"
#include "runner/trace.h"

namespace gradlings::runner {

struct CheckOptions {
  std::filesystem::path exercise;      // the learner's exercise.cpp
  std::filesystem::path harness_dir;   // lessons/harness: lesson headers and harness mains
  std::string compiler;                // empty: $CXX, else c++
  std::filesystem::path cache_dir;     // empty: the build module's default
  std::chrono::milliseconds timeout{10'000};  // wall time allowed to the learner's program

  /// When this descriptor becomes readable, the compiler or the learner's
  /// program is killed and check_lesson() returns Outcome::cancelled at once.
  /// -1: the check runs to its end. See RunLimits::cancel_fd.
  int cancel_fd = -1;
};

/// The verdict on a whole lesson, in the order the runner looks for them.
enum class Outcome {
  passed,           // every value of every case is right
  failed,           // the program ran to the end and some value is wrong
  not_finite,       // the first wrong value is NaN or infinite
  threw,            // a function threw an exception, or one that nothing caught ended the program
  not_implemented,  // a function still calls not_implemented()
  compile_error,    // the exercise did not compile or link
  crashed,          // killed by a signal
  timed_out,        // ran past the time limit
  output_flood,     // printed more than the output limit
  ended_early,      // exited before the harness finished (exit() or a failed stage)
  channel_error,    // a record on the channel did not parse
  cancelled,        // stopped by CheckOptions::cancel_fd, so there is no verdict to record
};

struct LessonResult {
  Outcome outcome = Outcome::failed;
  std::vector<CaseTrace> traces;               // one per case the harness reported on
  std::vector<std::string> missing_functions;  // set for not_implemented
  std::string compiler_log;                    // set for compile_error
  std::string compile_command;
  std::filesystem::path exercise;              // the learner's file, as passed to the compiler
  std::filesystem::path harness;               // the harness source compiled with it
  bool cached_build = false;                   // the executable was reused
  std::string program_output;                  // what the program printed, cut to the kept size
  std::size_t program_output_bytes = 0;        // how much it printed in all
  std::string detail;  // signal name, exit status, malformed record or an exception's what()
  std::chrono::milliseconds timeout{0};
};

/// Returns a few words for `outcome`, as `runner list` shows it: "passed",
/// "not implemented yet", "does not compile", and "cancelled", which is never
/// recorded.
std::string outcome_name(Outcome outcome);

/// Returns the compiler command that compiles `exercise` alone to an object
/// file with exactly the flags and include folders check_lesson() uses, the
/// compiler resolved to its path. For compile_commands.json. Throws Error
/// when the compiler is not found.
std::vector<std::string> exercise_compile_command(const CheckOptions& options,
                                                  const std::filesystem::path& exercise);

/// Returns the compiler flags of every exercise build, before the -I options.
std::vector<std::string> exercise_flags();

/// Grades a finished run of `lesson`'s harness in this process: parses the
/// channel, grades each reported case against the reference and sets
/// result.outcome, traces, missing_functions, program_output and detail. The
/// program's records are only ever read as values, never as verdicts.
void judge_run(const Lesson& lesson, const RunResult& run, LessonResult& result);

/// Checks `lesson` against the exercise in `options`. Throws Error only for
/// problems outside the learner's code: a missing file or compiler.
LessonResult check_lesson(const Lesson& lesson, const CheckOptions& options);

}  // namespace gradlings::runner
