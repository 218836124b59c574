#include "runner/grading.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace gradlings::runner {

namespace {

constexpr std::array<std::pair<Verdict, const char*>, 11> kVerdictIds = {{
    {Verdict::passed, "passed"},
    {Verdict::wrong, "wrong"},
    {Verdict::not_implemented, "not_implemented"},
    {Verdict::compile_error, "compile_error"},
    {Verdict::crashed, "crashed"},
    {Verdict::timed_out, "timed_out"},
    {Verdict::memory_limit, "memory_limit"},
    {Verdict::output_limit, "output_limit"},
    {Verdict::invalid_output, "invalid_output"},
    {Verdict::missing_file, "missing_file"},
    {Verdict::internal_error, "internal_error"},
}};

}  // namespace

std::string verdict_id(Verdict verdict) {
  for (const auto& [value, id] : kVerdictIds) {
    if (value == verdict) {
      return id;
    }
  }
  return "internal_error";
}

std::optional<Verdict> verdict_from_id(const std::string& id) {
  for (const auto& [value, known] : kVerdictIds) {
    if (id == known) {
      return value;
    }
  }
  return std::nullopt;
}

double StudentGrade::points() const {
  double sum = 0;
  for (const LessonGrade& lesson : lessons) {
    sum += lesson.points;
  }
  return sum;
}

double StudentGrade::max_points() const {
  double sum = 0;
  for (const LessonGrade& lesson : lessons) {
    sum += lesson.max_points;
  }
  return sum;
}

std::string format_points(double points) {
  // fmt rounds the exact binary value, so the text is the same everywhere.
  std::string text = fmt::format("{:.3f}", points);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') {
      text.pop_back();
    }
    if (text.back() == '.') {
      text.pop_back();
    }
  }
  if (text == "-0") {
    return "0";
  }
  return text;
}

}  // namespace gradlings::runner
