// Validation of a lesson pack, as `runner check-lessons` runs it: every lesson
// file loads, lesson numbers and titles are unique, each stub compiles and
// stops at "not implemented yet", and each solution compiles and passes.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace gradlings::runner {

struct PackCheckOptions {
  std::filesystem::path lessons_dir;    // the folder of NN-slug lesson folders
  std::filesystem::path solutions_dir;  // contains NN-slug/exercise.cpp for each lesson
  std::filesystem::path harness_dir;    // lesson headers and harness mains
  std::filesystem::path cache_dir;      // empty: the build module's default
  std::chrono::milliseconds timeout{10'000};  // wall time allowed to each program
};

struct PackCheckResult {
  int lessons = 0;  // lesson folders found, loaded or not
  /// Every error found, in lesson order. Each is `file:line:col: message`,
  /// followed by the line and a caret when the error is about a lesson file,
  /// or `file: message` when it is about a whole file.
  std::vector<std::string> errors;
};

/// Checks every lesson folder in options.lessons_dir and collects all errors
/// rather than stopping at the first. A lesson file that does not load gives
/// its first error, and its programs are then not checked. Throws Error only
/// when the folder cannot be listed or a compiler cannot be started.
PackCheckResult check_lesson_pack(const PackCheckOptions& options);

}  // namespace gradlings::runner
