#include "runner/grader.h"

#include <fmt/format.h>

#include <cmath>

namespace gradlings::runner {

bool CaseGrader::evaluate(Check& check, const engine::Tolerance& tolerance,
                          const std::string& where) {
  check.passed = check.actual && std::isfinite(*check.actual) &&
                 engine::within_tolerance(*check.actual, check.expected, tolerance);
  if (!check.passed) {
    trace_.passed = false;
    if (!trace_.first_wrong) {
      trace_.first_wrong = FirstWrong{where, check};
    }
  }
  return check.passed;
}

bool CaseGrader::check(Section& section, Check check, const engine::Tolerance& tolerance,
                       const std::string& where) {
  bool passed = evaluate(check, tolerance, where);
  section.lines.push_back({"", std::move(check), std::nullopt});
  return passed;
}

std::string three_decimals(std::optional<double> value) {
  return value ? fmt::format("{:.3f}", *value) : "?";
}

}  // namespace gradlings::runner

namespace gradlings::runner {

std::string operand(std::optional<double> value) {
  std::string text = three_decimals(value);
  return value && *value < 0 ? "(" + text + ")" : text;
}

}  // namespace gradlings::runner
