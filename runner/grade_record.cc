// student_to_json() and student_from_json(), declared in grade_report.h: the
// JSON record of one student's grades that the state files and `runner merge`
// exchange.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "runner/error.h"
#include "runner/grade_report.h"
#include "runner/text.h"

namespace gradlings::runner {

namespace {

using Json = nlohmann::json;

// nlohmann::json writes NaN and infinity as null, so they are written as text.
Json double_to_json(double value) {
  if (std::isfinite(value)) {
    return value;
  }
  if (std::isnan(value)) {
    return "nan";
  }
  return value > 0 ? "inf" : "-inf";
}

Json check_to_json(const CheckResult& check) {
  Json json = Json::object();
  json["name"] = replace_invalid_utf8(check.name);
  json["hidden"] = check.hidden;
  json["points"] = check.points;
  json["max_points"] = check.max_points;
  json["verdict"] = verdict_id(check.verdict);
  json["reason"] = replace_invalid_utf8(check.reason);
  json["student_reason"] = replace_invalid_utf8(check.student_reason);
  json["first_wrong"] = replace_invalid_utf8(check.first_wrong);
  json["largest_relative_error"] =
      check.largest_relative_error ? double_to_json(*check.largest_relative_error) : Json(nullptr);
  return json;
}

Json lesson_to_json(const LessonGrade& lesson) {
  Json json = Json::object();
  json["number"] = lesson.number;
  json["slug"] = replace_invalid_utf8(lesson.slug);
  json["title"] = replace_invalid_utf8(lesson.title);
  json["verdict"] = verdict_id(lesson.verdict);
  json["reason"] = replace_invalid_utf8(lesson.reason);
  json["points"] = lesson.points;
  json["max_points"] = lesson.max_points;
  json["source_sha256"] = lesson.source_sha256;
  json["checks"] = Json::array();
  for (const CheckResult& check : lesson.checks) {
    json["checks"].push_back(check_to_json(check));
  }
  return json;
}

// Reads the fields of one JSON object, and names the field in every error,
// as a path from the record's root: "lessons[0].checks[2].verdict".
class FieldReader {
 public:
  FieldReader(const Json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object() && path_.empty()) {
      throw Error("invalid student record: not a JSON object");
    }
    if (!object_.is_object()) {
      fail(path_, "an object");
    }
  }

  std::string text(const std::string& key) const {
    const Json& value = field(key);
    if (!value.is_string()) {
      fail(where(key), "text");
    }
    return value.get<std::string>();
  }

  bool flag(const std::string& key) const {
    const Json& value = field(key);
    if (!value.is_boolean()) {
      fail(where(key), "true or false");
    }
    return value.get<bool>();
  }

  int integer(const std::string& key) const {
    const Json& value = field(key);
    if (!value.is_number_integer() || value.get<long long>() < 0 ||
        value.get<long long>() > std::numeric_limits<int>::max()) {
      fail(where(key), "a whole number from 0");
    }
    return value.get<int>();
  }

  double number(const std::string& key) const {
    const Json& value = field(key);
    if (!value.is_number()) {
      fail(where(key), "a number");
    }
    return value.get<double>();
  }

  // A number, or the text "inf", "-inf" or "nan" that double_to_json writes;
  // nullopt for null.
  std::optional<double> optional_number(const std::string& key) const {
    const Json& value = field(key);
    if (value.is_null()) {
      return std::nullopt;
    }
    if (value.is_number()) {
      return value.get<double>();
    }
    if (value == "inf") {
      return std::numeric_limits<double>::infinity();
    }
    if (value == "-inf") {
      return -std::numeric_limits<double>::infinity();
    }
    if (value == "nan") {
      return std::numeric_limits<double>::quiet_NaN();
    }
    fail(where(key), "a number, \"inf\", \"-inf\", \"nan\" or null");
  }

  Verdict verdict(const std::string& key) const {
    std::string id = text(key);
    std::optional<Verdict> verdict = verdict_from_id(id);
    if (!verdict) {
      throw Error(
          fmt::format("invalid student record: '{}' must be a verdict such as 'passed', "
                      "not '{}'",
                      where(key), id));
    }
    return *verdict;
  }

  const Json& list(const std::string& key) const {
    const Json& value = field(key);
    if (!value.is_array()) {
      fail(where(key), "a list");
    }
    return value;
  }

  std::string where(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

 private:
  const Json& field(const std::string& key) const {
    auto it = object_.find(key);
    if (it == object_.end()) {
      throw Error(fmt::format("invalid student record: missing field '{}'", where(key)));
    }
    return *it;
  }

  [[noreturn]] static void fail(const std::string& where, const std::string& expected) {
    throw Error(fmt::format("invalid student record: '{}' must be {}", where, expected));
  }

  const Json& object_;
  std::string path_;
};

CheckResult check_from_json(const Json& json, const std::string& path) {
  FieldReader reader(json, path);
  CheckResult check;
  check.name = reader.text("name");
  check.hidden = reader.flag("hidden");
  check.points = reader.number("points");
  check.max_points = reader.number("max_points");
  check.verdict = reader.verdict("verdict");
  check.reason = reader.text("reason");
  check.student_reason = reader.text("student_reason");
  check.first_wrong = reader.text("first_wrong");
  check.largest_relative_error = reader.optional_number("largest_relative_error");
  return check;
}

LessonGrade lesson_from_json(const Json& json, const std::string& path) {
  FieldReader reader(json, path);
  LessonGrade lesson;
  lesson.number = reader.integer("number");
  lesson.slug = reader.text("slug");
  lesson.title = reader.text("title");
  lesson.verdict = reader.verdict("verdict");
  lesson.reason = reader.text("reason");
  lesson.points = reader.number("points");
  lesson.max_points = reader.number("max_points");
  lesson.source_sha256 = reader.text("source_sha256");
  const Json& checks = reader.list("checks");
  for (std::size_t i = 0; i < checks.size(); ++i) {
    lesson.checks.push_back(check_from_json(checks[i], fmt::format("{}.checks[{}]", path, i)));
  }
  return lesson;
}

}  // namespace

Json student_to_json(const StudentGrade& student) {
  Json json = Json::object();
  json["id"] = replace_invalid_utf8(student.id);
  json["name"] = replace_invalid_utf8(student.name);
  json["folder"] = replace_invalid_utf8(student.folder);
  json["lessons"] = Json::array();
  for (const LessonGrade& lesson : student.lessons) {
    json["lessons"].push_back(lesson_to_json(lesson));
  }
  return json;
}

StudentGrade student_from_json(const Json& json) {
  FieldReader reader(json, "");
  StudentGrade student;
  student.id = reader.text("id");
  student.name = reader.text("name");
  student.folder = reader.text("folder");
  const Json& lessons = reader.list("lessons");
  for (std::size_t i = 0; i < lessons.size(); ++i) {
    student.lessons.push_back(lesson_from_json(lessons[i], fmt::format("lessons[{}]", i)));
  }
  return student;
}

}  // namespace gradlings::runner
