// The learner's workspace: a folder with one exercise per lesson, created
// from the stubs and never overwritten without a backup, and the marker file
// gradlings.json with each lesson's last verdict and how many hints were
// shown. The marker is small and self-contained, so copying it to another
// machine's workspace copies the progress.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "runner/lesson.h"

namespace gradlings::runner {

/// The saved progress on one lesson.
struct LessonState {
  std::string status;   // outcome_name() of the last check: "passed", "failed", ...; "" never
  int hints_shown = 0;  // how many hints `runner hint` has shown
};

/// One exercise's entry of compile_commands.json: the file and the compiler
/// command, one word per element.
struct CompileCommand {
  std::filesystem::path file;
  std::vector<std::string> arguments;
};

class Workspace {
 public:
  /// Opens the workspace at `dir`, reading its marker file when there is one.
  /// Throws Error when the marker file exists but cannot be read or parsed.
  explicit Workspace(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }

  /// Returns the path of the learner's file for `lesson`.
  std::filesystem::path exercise(const Lesson& lesson) const;

  /// Copies the lesson's stub into the workspace unless the learner's file
  /// exists. Returns true when it copied. Throws Error when it cannot write.
  bool ensure_exercise(const Lesson& lesson) const;

  /// Puts the lesson's stub in place of the learner's file. When the file
  /// exists and differs from the stub, it is first renamed to
  /// exercise.cpp.<YYYYMMDD-HHMMSS>.bak beside it, and that path is
  /// returned. Throws Error when it cannot write.
  std::optional<std::filesystem::path> reset_exercise(const Lesson& lesson) const;

  LessonState state(const Lesson& lesson) const;
  void set_state(const Lesson& lesson, const LessonState& state);

  /// Writes the marker file (to a temporary file, then renames it over the
  /// old one, so an interrupted write loses nothing). Only the lessons given
  /// to set_state() are written over what the file has by then, under a lock,
  /// so that two runners on one workspace keep each other's progress. Throws
  /// Error on failure.
  void save() const;

  /// Writes compile_commands.json for `commands` into the workspace, so that
  /// clangd and IDEs compile the exercises as the runner does. The file is
  /// left untouched when its contents would not change, so editors do not
  /// reindex. Returns whether it wrote. Throws Error when it cannot write.
  bool write_compile_commands(const std::vector<CompileCommand>& commands) const;

 private:
  std::filesystem::path marker_file() const;

  std::filesystem::path dir_;
  std::map<std::string, LessonState> lessons_;  // keyed by lesson slug
  std::set<std::string> changed_;               // slugs given to set_state()
};

}  // namespace gradlings::runner
