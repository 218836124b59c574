// Summarizing g++'s log for a learner. The summary shows the first error in
// the learner's own file with its source line and caret, and leaves out the
// notes and include chains of system headers and the harness. It names each
// lesson function that is missing or whose signature differs from the lesson
// header.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gradlings::runner {

/// A place in a file, as the compiler printed it.
struct SourceLocation {
  std::string file;
  int line = 0;    // 0 when the compiler gave none
  int column = 0;  // 0 when the compiler gave none
};

/// One diagnostic of g++: "FILE:LINE:COL: SEVERITY: MESSAGE" and what belongs to it.
struct Diagnostic {
  SourceLocation where;
  std::string severity;  // "error", "fatal error", "warning" or "note"
  std::string message;   // with the typographic quotes ‘ ’ of a UTF-8 locale made '
  std::vector<std::string> source;  // the quoted source, caret and fix-it lines after it
  std::vector<SourceLocation> included_from;      // "In file included from" chain, innermost first
  std::vector<SourceLocation> instantiated_from;  // "required from" lines, in the order printed
};

/// Returns the diagnostics of `log` in order. Lines that are neither a
/// diagnostic, its source lines nor its context are skipped.
std::vector<Diagnostic> parse_diagnostics(const std::string& log);

/// Returns each symbol that the linker reports as an "undefined reference",
/// once, in the order of the log: "backward(Params const&, double)".
std::vector<std::string> undefined_references(const std::string& log);

/// The paths of the learner's file and the lesson harness, and the file's name in the report.
struct CompilerLogContext {
  std::filesystem::path exercise;  // the learner's file, as it was passed to the compiler
  std::string exercise_name;       // how the report names that file, e.g. "exercise.cpp"
  std::filesystem::path harness;   // the harness source; the headers it includes with quotes,
                                   // directly or not, are the lesson headers
};

/// A lesson function that the learner's file does not define as the lesson
/// header declares it.
struct UnmatchedFunction {
  std::string name;      // "backward"
  bool defined = false;  // the file defines a function of that name, with another signature
};

struct CompilerLogSummary {
  std::vector<std::string> lines;            // what to show, unindented; empty: nothing to show
  std::vector<UnmatchedFunction> functions;  // in the order of the log
};

/// Summarizes the log of a failed build (`compiled` false), or the warnings
/// in the log of a successful one. It shows the first error (or warning) in
/// the learner's file, its source and caret lines, and the count of the
/// others. When every one is in a header, it shows the first that a line of
/// the learner's file includes or instantiates, at that line. A function that
/// the linker misses, or that g++ finds declared differently, is quoted from
/// the lesson header beside what the learner's file defines under its name.
/// A failed build's log with none of these is shown from its start, cut to 30
/// lines. A successful build's log with no warning in the learner's file
/// gives no lines.
/// NOTE: written for g++'s format (checked with g++ 12 and GNU ld 2.40).
/// clang's errors are found too, but its source lines may be left out.
CompilerLogSummary summarize_compiler_log(const std::string& log, const CompilerLogContext& context,
                                          bool compiled);

}  // namespace gradlings::runner
