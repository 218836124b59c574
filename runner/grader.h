// Building a trace: each check is compared at a tolerance, and the first one
// that fails is remembered, because every later value was computed from it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/gradcheck.h"
#include "runner/channel.h"
#include "runner/trace.h"

namespace gradlings::runner {

class CaseGrader {
 public:
  /// Adds checks to `trace`, which must outlive the grader.
  explicit CaseGrader(CaseTrace& trace) : trace_(trace) {}

  /// Sets check.passed: the learner's value exists, is finite and is within
  /// `tolerance` of check.expected. A failure fails the trace and, if it is
  /// the first, becomes its first_wrong. `where` names the place for the
  /// summary ("step 1, backward pass"). Returns check.passed. Use it for
  /// checks shown in a table cell.
  bool evaluate(Check& check, const engine::Tolerance& tolerance, const std::string& where);

  /// Evaluates `check` and appends it to `section` as a line of its own.
  bool check(Section& section, Check check, const engine::Tolerance& tolerance,
             const std::string& where);

  /// Fails the trace without a check, e.g. for a case that stopped early.
  void fail() { trace_.passed = false; }

 private:
  CaseTrace& trace_;
};

/// Grades each case the harness reported on with `grade_case(c, records)`,
/// in the order reported. A record whose id names no case is skipped, so a
/// learner who writes to the channel cannot make the grader index out of
/// range.
template <class Case, class GradeCase>
std::vector<CaseTrace> grade_reported_cases(const std::vector<Case>& cases, const ChannelData& data,
                                            GradeCase grade_case) {
  std::vector<CaseTrace> traces;
  for (const CaseRecords& records : data.cases) {
    if (records.id < 0 || static_cast<std::size_t>(records.id) >= cases.size()) {
      continue;
    }
    traces.push_back(grade_case(cases[records.id], records));
  }
  return traces;
}

/// Formats a value with three decimals, the precision of the traces, or "?"
/// when the learner's code did not produce it.
std::string three_decimals(std::optional<double> value);

/// Like three_decimals(), but in parentheses when negative, for a value that
/// follows an operator in a formula: "0.084 × (-1.483)".
std::string operand(std::optional<double> value);

}  // namespace gradlings::runner
