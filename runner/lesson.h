// Lesson files: loading lessons/NN-slug/lesson.yaml into a checked Lesson.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/gradcheck.h"
#include "runner/kind.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

/// The newest lesson file format this runner reads. A file's optional
/// `format:` key names the format it is written in, 1 when it is missing.
inline constexpr int kLessonFormat = 1;

/// Settings of the central-difference check of the learner's gradients.
struct GradientCheckSettings {
  double step = 1e-6;           // the h of (f(x + h) - f(x - h)) / 2h
  engine::Tolerance tolerance;  // |yours - numerical| <= absolute + relative * |numerical|
};

/// The points of each case when a class is graded, from the optional
/// `points:` block. Only a case that passes earns its points.
struct Points {
  double public_case = 1;  // each case written in the file
  double hidden_case = 1;  // each case drawn from a hidden block's seed
};

struct Lesson {
  std::filesystem::path dir;     // the lesson's folder, e.g. lessons/02-two-layer-network
  std::filesystem::path file;    // dir / "lesson.yaml"
  int number = 0;                // the NN of the folder name
  std::string slug;              // the folder name, e.g. "02-two-layer-network"
  std::string title;
  std::string kind;              // the value of `kind:`
  const LessonKind* kind_impl = nullptr;  // the kind named by `kind`, never null once loaded
  std::string explanation;
  std::vector<std::string> hints;  // from a nudge to nearly the answer
  engine::Tolerance tolerance;   // how close each value must be to the reference
  GradientCheckSettings gradient_check;
  Points points;                 // 1 and 1 when the file has no `points:` block
  std::shared_ptr<const KindSpec> spec;  // the kind's part, parsed by kind_impl
};

/// Loads and validates `dir`/lesson.yaml. Throws Error, pointing at the file,
/// line and column, for anything missing, unknown or of the wrong type.
///
/// With a `grading_seed`, the kind reads every hidden block's seed as a mix of
/// the grading seed and the block's own seed (see YamlDoc::mix_hidden_seeds).
/// The hidden cases are then drawn anew and differ from those a learner can
/// run. The seeds of public cases stay as written.
Lesson load_lesson(const std::filesystem::path& dir,
                   std::optional<std::uint64_t> grading_seed = std::nullopt);

/// Validates `doc`, a lesson file already parsed, as load_lesson() does for
/// the lesson in folder `dir`, whose name must carry the file's `number`.
/// Reads no files, so a test or a fuzzer can check text held in memory.
Lesson parse_lesson(YamlDoc doc, const std::filesystem::path& dir,
                    std::optional<std::uint64_t> grading_seed = std::nullopt);

/// Returns the lesson folders under `lessons_root` (those named NN-slug that
/// contain a lesson.yaml), sorted by number.
std::vector<std::filesystem::path> lesson_dirs(const std::filesystem::path& lessons_root);

/// Returns the folder of lesson `number`. Throws Error naming the lessons
/// that exist when there is no such lesson.
std::filesystem::path find_lesson_dir(const std::filesystem::path& lessons_root, int number);

/// Returns the number in a folder name such as "02-two-layer-network", or -1.
int lesson_number(const std::filesystem::path& dir);

}  // namespace gradlings::runner
