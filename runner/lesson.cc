#include "runner/lesson.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "runner/error.h"
#include "runner/text.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace {

engine::Tolerance read_tolerance(const YamlDoc& doc, const YAML::Node& node, std::string_view where) {
  doc.check_keys(node, where, {"absolute", "relative"}, {"absolute", "relative"});
  engine::Tolerance tolerance;
  tolerance.absolute = doc.positive_number(node, "absolute");
  tolerance.relative = doc.positive_number(node, "relative");
  return tolerance;
}

GradientCheckSettings read_gradient_check(const YamlDoc& doc, const YAML::Node& node) {
  doc.check_keys(node, "'gradient_check'", {"step", "absolute", "relative"},
                 {"step", "absolute", "relative"});
  GradientCheckSettings settings;
  settings.step = doc.positive_number(node, "step");
  settings.tolerance.absolute = doc.positive_number(node, "absolute");
  settings.tolerance.relative = doc.positive_number(node, "relative");
  return settings;
}

Points read_points(const YamlDoc& doc, const YAML::Node& node) {
  doc.check_keys(node, "'points'", {"public_case", "hidden_case"}, {"public_case", "hidden_case"});
  Points points;
  points.public_case = doc.non_negative_number(node, "public_case");
  points.hidden_case = doc.non_negative_number(node, "hidden_case");
  return points;
}

}  // namespace

int lesson_number(const std::filesystem::path& dir) {
  std::string name = dir.filename().string();
  int number = -1;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), number);
  if (error != std::errc() || end == name.data() || *end != '-') {
    return -1;
  }
  return number;
}

std::vector<std::filesystem::path> lesson_dirs(const std::filesystem::path& lessons_root) {
  std::vector<std::filesystem::path> dirs;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(lessons_root, error)) {
    if (entry.is_directory() && lesson_number(entry.path()) >= 0 &&
        std::filesystem::exists(entry.path() / "lesson.yaml")) {
      dirs.push_back(entry.path());
    }
  }
  if (error) {
    throw Error(fmt::format("cannot list lessons in '{}': {}", display_path(lessons_root),
                            error.message()));
  }
  std::sort(dirs.begin(), dirs.end(), [](const auto& a, const auto& b) {
    return lesson_number(a) < lesson_number(b);
  });
  return dirs;
}

std::filesystem::path find_lesson_dir(const std::filesystem::path& lessons_root, int number) {
  std::vector<std::filesystem::path> dirs = lesson_dirs(lessons_root);
  for (const auto& dir : dirs) {
    if (lesson_number(dir) == number) {
      return dir;
    }
  }

  std::string known;
  for (const auto& dir : dirs) {
    known += (known.empty() ? "" : ", ") + std::to_string(lesson_number(dir));
  }
  if (known.empty()) {
    throw Error(fmt::format("no lessons found in '{}'", display_path(lessons_root)));
  }
  throw Error(fmt::format("no lesson {} (the lessons are {}; 'runner list' shows them)", number,
                          known));
}

Lesson load_lesson(const std::filesystem::path& dir, std::optional<std::uint64_t> grading_seed) {
  return parse_lesson(YamlDoc::load(dir / "lesson.yaml"), dir, grading_seed);
}

Lesson parse_lesson(YamlDoc doc, const std::filesystem::path& dir,
                    std::optional<std::uint64_t> grading_seed) {
  Lesson lesson;
  lesson.dir = dir;
  lesson.file = doc.path();
  lesson.slug = dir.filename().string();
  if (grading_seed) {
    doc.mix_hidden_seeds(*grading_seed);
  }
  const YAML::Node& root = doc.root();

  // The kind decides which further keys are allowed, so read it first.
  if (root.IsNull()) {
    doc.fail(YAML::Mark(), "the file has no keys, because it is empty or holds only comments (a "
                           "lesson file is a map that starts with 'number:', 'title:' and 'kind:')");
  }
  if (!root.IsMap()) {
    doc.fail(root.Mark(), fmt::format("a lesson file must be a map of keys and values, not {}",
                                      root.IsSequence() ? "a list" : "'" + root.Scalar() + "'"));
  }

  // A newer format may bring keys and kinds this runner does not know, so
  // the format is checked before anything else.
  if (root["format"].IsDefined()) {
    long long format = doc.integer(root, "format", 1, 1'000'000);
    if (format > kLessonFormat) {
      doc.fail(root["format"].Mark(),
               fmt::format("this lesson needs format {}, but this runner reads format {} at "
                           "most; update gradlings",
                           format, kLessonFormat));
    }
  }
  lesson.kind = doc.text(root, "kind");
  lesson.kind_impl = find_kind(lesson.kind);
  if (!lesson.kind_impl) {
    doc.fail(root["kind"].Mark(), fmt::format("unknown lesson kind '{}'{}", lesson.kind,
                                              did_you_mean(lesson.kind, kind_names())));
  }

  std::vector<std::string> keys = {"number", "title", "kind", "explanation",
                                   "hints", "tolerance", "gradient_check"};
  std::vector<std::string> kind_keys = lesson.kind_impl->keys();
  keys.insert(keys.end(), kind_keys.begin(), kind_keys.end());
  std::vector<std::string> required = keys;
  keys.push_back("points");
  keys.push_back("format");
  doc.check_keys(root, "the lesson", keys, required);

  lesson.number = static_cast<int>(doc.integer(root, "number", 1, 99));
  if (lesson_number(dir) != lesson.number) {
    doc.fail(root["number"].Mark(),
             fmt::format("'number' is {} but the folder is '{}' (rename one so they match)",
                         lesson.number, lesson.slug));
  }
  lesson.title = doc.text(root, "title");
  lesson.explanation = doc.text(root, "explanation");
  lesson.hints = doc.texts(root, "hints");
  lesson.tolerance = read_tolerance(doc, root["tolerance"], "'tolerance'");
  lesson.gradient_check = read_gradient_check(doc, root["gradient_check"]);
  if (root["points"].IsDefined()) {
    lesson.points = read_points(doc, root["points"]);
  }
  lesson.spec = lesson.kind_impl->parse(doc);
  return lesson;
}

}  // namespace gradlings::runner
