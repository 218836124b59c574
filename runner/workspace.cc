#include "runner/workspace.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "runner/error.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

Workspace::Workspace(fs::path dir) : dir_(std::move(dir)) {
  fs::path file = state_file();
  if (!fs::exists(file)) {
    return;
  }

  std::ifstream in(file);
  nlohmann::json json;
  try {
    in >> json;
    for (const auto& [slug, entry] : json.at("lessons").items()) {
      LessonState state;
      state.status = entry.value("status", "");
      state.hints_shown = entry.value("hints_shown", 0);
      lessons_[slug] = state;
    }
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("workspace state '{}' is not valid: {} (delete it to start the "
                            "progress over; your exercises stay)",
                            display_path(file), error.what()));
  }
}

fs::path Workspace::state_file() const { return dir_ / ".gradlings" / "state.json"; }

fs::path Workspace::exercise(const Lesson& lesson) const {
  return dir_ / lesson.slug / "exercise.cpp";
}

bool Workspace::ensure_exercise(const Lesson& lesson) const {
  fs::path target = exercise(lesson);
  if (fs::exists(target)) {
    return false;
  }

  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (!error) {
    fs::copy_file(lesson.dir / "exercise.cpp", target, error);
  }
  if (error) {
    throw Error(fmt::format("cannot create '{}': {} (pick another folder with --workspace)",
                            display_path(target), error.message()));
  }
  return true;
}

LessonState Workspace::state(const Lesson& lesson) const {
  auto found = lessons_.find(lesson.slug);
  return found == lessons_.end() ? LessonState{} : found->second;
}

void Workspace::set_state(const Lesson& lesson, const LessonState& state) {
  lessons_[lesson.slug] = state;
}

void Workspace::save() const {
  nlohmann::json json;
  json["version"] = 1;
  json["lessons"] = nlohmann::json::object();
  for (const auto& [slug, state] : lessons_) {
    json["lessons"][slug] = {{"status", state.status}, {"hints_shown", state.hints_shown}};
  }

  fs::path file = state_file();
  fs::path temporary = file;
  temporary += ".tmp";
  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  {
    std::ofstream out(temporary);
    out << json.dump(2) << "\n";
    if (!out) {
      error = std::make_error_code(std::errc::io_error);
    }
  }
  if (!error) {
    fs::rename(temporary, file, error);
  }
  if (error) {
    throw Error(fmt::format("cannot write '{}': {}", display_path(file), error.message()));
  }
}

}  // namespace gradlings::runner
