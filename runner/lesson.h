// Lesson files: loading lessons/NN-slug/lesson.yaml into a checked Lesson.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/gradcheck.h"
#include "runner/kind.h"

namespace gradlings::runner {

/// Settings of the central-difference check of the learner's gradients.
struct GradientCheckSettings {
  double step = 1e-6;           // the h of (f(x + h) - f(x - h)) / 2h
  engine::Tolerance tolerance;  // |yours - numerical| <= absolute + relative * |numerical|
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
  std::shared_ptr<const KindSpec> spec;  // the kind's part, parsed by kind_impl
};

/// Loads and validates `dir`/lesson.yaml. Throws Error, pointing at the file,
/// line and column, for anything missing, unknown or of the wrong type.
Lesson load_lesson(const std::filesystem::path& dir);

/// Returns the lesson folders under `lessons_root` (those named NN-slug that
/// contain a lesson.yaml), sorted by number.
std::vector<std::filesystem::path> lesson_dirs(const std::filesystem::path& lessons_root);

/// Returns the folder of lesson `number`. Throws Error naming the lessons
/// that exist when there is no such lesson.
std::filesystem::path find_lesson_dir(const std::filesystem::path& lessons_root, int number);

/// Returns the number in a folder name such as "02-two-layer-network", or -1.
int lesson_number(const std::filesystem::path& dir);

}  // namespace gradlings::runner
