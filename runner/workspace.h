// The learner's workspace: a folder with one exercise per lesson, created
// from the stubs on first use and never overwritten, and a small state file
// with each lesson's last verdict and how many hints were shown.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "runner/lesson.h"

namespace gradlings::runner {

/// The saved progress on one lesson.
struct LessonState {
  std::string status;   // "passed", "failed", or "" when never checked
  int hints_shown = 0;  // how many hints `runner hint` has shown
};

class Workspace {
 public:
  /// Opens the workspace at `dir`, reading its state file when there is one.
  /// Throws Error when the state file exists but cannot be read or parsed.
  explicit Workspace(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }

  /// Returns the path of the learner's file for `lesson`.
  std::filesystem::path exercise(const Lesson& lesson) const;

  /// Copies the lesson's stub into the workspace unless the learner's file
  /// exists. Returns true when it copied. Throws Error when it cannot write.
  bool ensure_exercise(const Lesson& lesson) const;

  LessonState state(const Lesson& lesson) const;
  void set_state(const Lesson& lesson, const LessonState& state);

  /// Writes the state file (to a temporary file, then renames it over the
  /// old one, so an interrupted write loses nothing). Throws Error on failure.
  void save() const;

 private:
  std::filesystem::path state_file() const;

  std::filesystem::path dir_;
  std::map<std::string, LessonState> lessons_;  // keyed by lesson slug
};

}  // namespace gradlings::runner
