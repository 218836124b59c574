#include "runner/check_lessons.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "runner/check.h"
#include "runner/error.h"
#include "runner/lesson.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

// Reports folders named like a lesson (NN-slug) that have no lesson.yaml,
// which lesson_dirs() skips silently.
void check_folders(const fs::path& lessons_dir, std::vector<std::string>& errors) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(lessons_dir, error)) {
    if (entry.is_directory() && lesson_number(entry.path()) >= 0 &&
        !fs::exists(entry.path() / "lesson.yaml")) {
      errors.push_back(fmt::format("{}: lesson folder without a lesson.yaml (add one, or rename "
                                   "the folder so it does not start with a number)",
                                   display_path(entry.path())));
    }
  }
}

// Reports a second lesson with the number or the title of an earlier one,
// located at its own `number` or `title` value.
void check_unique(const std::vector<Lesson>& lessons, std::vector<std::string>& errors) {
  std::map<int, const Lesson*> numbers;
  std::map<std::string, const Lesson*> titles;
  for (const Lesson& lesson : lessons) {
    auto [number, new_number] = numbers.emplace(lesson.number, &lesson);
    auto [title, new_title] = titles.emplace(lesson.title, &lesson);
    if (new_number && new_title) {
      continue;
    }

    YamlDoc doc = YamlDoc::load(lesson.file);
    if (!new_number) {
      errors.push_back(doc.located(
          doc.root()["number"].Mark(),
          fmt::format("lesson number {} is also the number of '{}' (give each lesson its own "
                      "number)",
                      lesson.number, number->second->slug)));
    }
    if (!new_title) {
      errors.push_back(doc.located(
          doc.root()["title"].Mark(),
          fmt::format("title '{}' is also the title of lesson {} (give each lesson its own title)",
                      lesson.title, title->second->number)));
    }
  }
}

// Checks `program` against `lesson` and returns its outcome, or adds an
// error and returns nothing when the file is missing.
std::optional<LessonResult> run_check(const Lesson& lesson, const fs::path& program,
                                      const PackCheckOptions& options,
                                      std::vector<std::string>& errors) {
  if (!fs::is_regular_file(program)) {
    errors.push_back(fmt::format("{}: missing file (lesson {} needs it)", display_path(program),
                                 lesson.number));
    return std::nullopt;
  }
  CheckOptions check;
  check.exercise = program;
  check.harness_dir = options.harness_dir;
  check.cache_dir = options.cache_dir;
  check.timeout = options.timeout;
  return check_lesson(lesson, check);
}

void check_programs(const Lesson& lesson, const PackCheckOptions& options,
                    std::vector<std::string>& errors) {
  fs::path stub = lesson.dir / "exercise.cpp";
  std::optional<LessonResult> result = run_check(lesson, stub, options, errors);
  if (result && result->outcome != Outcome::not_implemented) {
    errors.push_back(fmt::format(
        "{}: the stub's check ends in '{}', not 'not implemented yet' (a stub compiles and "
        "leaves each function to the learner with not_implemented())",
        display_path(stub), outcome_name(result->outcome)));
  }

  fs::path solution = options.solutions_dir / lesson.slug / "exercise.cpp";
  result = run_check(lesson, solution, options, errors);
  if (result && result->outcome != Outcome::passed) {
    errors.push_back(fmt::format(
        "{}: the solution's check ends in '{}', not 'passed' (run 'runner --pack {} lesson {} "
        "--exercise {}' for its trace)",
        display_path(solution), outcome_name(result->outcome), display_path(options.lessons_dir),
        lesson.number, display_path(solution)));
  }
}

}  // namespace

PackCheckResult check_lesson_pack(const PackCheckOptions& options) {
  PackCheckResult result;
  check_folders(options.lessons_dir, result.errors);

  // Sorted by name, so that of two folders with one number the second in
  // the alphabet is reported, the same on every machine.
  std::vector<fs::path> dirs = lesson_dirs(options.lessons_dir);
  std::sort(dirs.begin(), dirs.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });

  std::vector<Lesson> lessons;
  for (const fs::path& dir : dirs) {
    ++result.lessons;
    try {
      lessons.push_back(load_lesson(dir));
    } catch (const Error& error) {
      result.errors.push_back(error.what());
    }
  }
  check_unique(lessons, result.errors);

  for (const Lesson& lesson : lessons) {
    check_programs(lesson, options, result.errors);
  }
  return result;
}

}  // namespace gradlings::runner
