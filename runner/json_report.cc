#include "runner/json_report.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "runner/report.h"
#include "runner/sandbox.h"
#include "runner/text.h"

namespace gradlings::runner {

namespace {

// Ordered, so the document reads top down: Exercism's fields first.
using Json = nlohmann::ordered_json;

// Exercism's limit on the top-level message, in bytes.
constexpr std::size_t kMaxMessageBytes = 65535;

// The position of a check in a case's trace.
struct Place {
  const CaseTrace* trace = nullptr;
  std::optional<int> step;         // set inside a "Training step N" section
  std::string section;             // the heading of the check's section
  std::optional<std::size_t> row;  // set for a check in a table cell: the row, from 1
};

// JSON has no NaN or infinity, so such a value is written as null and named
// in the matching *_text field.
Json number(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

std::string value_text(double value, int decimals) {
  return fmt::format("{:.{}f}", value, decimals);
}

std::string expected_value(const Check& c) {
  return c.expected_text.empty() ? value_text(c.expected, c.decimals) : c.expected_text;
}


// The check as the reference computes it: "dL/dz2 = -0.146 × 0.226 = -0.033".
// A learner's formula is shown only when the check passed, because a wrong
// value need not follow from the formula filled in with the learner's inputs.
std::string test_code(const Check& c) {
  std::string formula = c.expected_formula;
  if (formula.empty() && c.passed) {
    formula = c.formula;
  }
  if (c.style == Check::Style::update) {
    return formula.empty() ? fmt::format("{} → {}", c.label, expected_value(c))
                           : fmt::format("{}: {} → {}", c.label, formula, expected_value(c));
  }
  return formula.empty() ? fmt::format("{} = {}", c.label, expected_value(c))
                         : fmt::format("{} = {} = {}", c.label, formula, expected_value(c));
}

std::string test_name(const Place& place, const std::string& last) {
  std::string name = place.trace->name;
  if (place.step) {
    name += fmt::format(" / step {}", *place.step);
  }
  if (!place.section.empty()) {
    name += " / " + place.section;
  }
  if (place.row) {
    name += fmt::format(" / row {}", *place.row);
  }
  return name + " / " + last;
}

bool same_check(const Check& a, const Check& b) {
  return a.label == b.label && a.expected == b.expected && a.actual == b.actual &&
         a.passed == b.passed;
}

void put_place(Json& test, const Place& place) {
  test["case"] = place.trace->name;
  test["hidden"] = place.trace->hidden;
  if (place.step) {
    test["step"] = *place.step;
  }
  test["section"] = place.section;
  if (place.row) {
    test["row"] = *place.row;
  }
}

// The fields of a check, shared by a test and the first_wrong object.
void put_check(Json& out, const Check& c) {
  out["label"] = c.label;
  out["expected"] = number(c.expected);
  if (!c.expected_text.empty()) {
    out["expected_text"] = c.expected_text;
  } else if (!std::isfinite(c.expected)) {
    out["expected_text"] = fmt::format("{}", c.expected);
  }
  out["actual"] = c.actual ? number(*c.actual) : Json(nullptr);
  if (!c.actual_text.empty()) {
    out["actual_text"] = c.actual_text;
  } else if (c.actual && !std::isfinite(*c.actual)) {
    out["actual_text"] = fmt::format("{}", *c.actual);
  }
  out["expected_source"] = c.expected_source;
  out["decimals"] = c.decimals;
  if (!c.formula.empty()) {
    out["formula"] = c.formula;
  }
  if (!c.expected_formula.empty()) {
    out["expected_formula"] = c.expected_formula;
  }
  if (!c.note.empty()) {
    out["note"] = c.note;
  }
  if (!c.diagnosis.empty()) {
    out["diagnosis"] = c.diagnosis;
  }
}

Json check_test(const Check& c, const Place& place, bool is_first_wrong) {
  Json test;
  test["name"] = test_name(place, c.label);
  test["status"] = c.passed ? "pass" : "fail";
  if (!c.passed) {
    test["message"] = check_message(c);
  }
  test["test_code"] = test_code(c);
  put_place(test, place);
  put_check(test, c);
  test["first_wrong"] = is_first_wrong;
  return test;
}

std::string stop_reason(StageStop::Reason reason) {
  switch (reason) {
    case StageStop::Reason::missing:
      return "not_implemented";
    case StageStop::Reason::threw:
      return "threw";
    case StageStop::Reason::invalid:
      return "invalid";
  }
  return "unknown";
}

std::string stop_message(const StageStop& stop) {
  switch (stop.reason) {
    case StageStop::Reason::missing:
      return fmt::format("not implemented yet ({}() still calls not_implemented())",
                         short_function_name(stop.detail));
    case StageStop::Reason::threw:
      return "threw an exception: " + stop.detail;
    case StageStop::Reason::invalid:
      return stop.detail;
  }
  return stop.detail;
}

Json stop_test(const CaseTrace& trace) {
  const StageStop& stop = *trace.stop;
  Json test;
  test["name"] = fmt::format("{} / {}", trace.name, stop.stage);
  test["status"] = "error";
  test["message"] = stop_message(stop);
  test["test_code"] = fmt::format("{} runs to the end", stop.stage);
  test["case"] = trace.name;
  test["hidden"] = trace.hidden;
  test["stage"] = stop.stage;
  test["reason"] = stop_reason(stop.reason);
  test["first_wrong"] = false;
  return test;
}

// Returns N for a heading "Training step N".
std::optional<int> training_step(const std::string& heading) {
  constexpr std::string_view kPrefix = "Training step ";
  if (!heading.starts_with(kPrefix)) {
    return std::nullopt;
  }
  int step = 0;
  const char* begin = heading.data() + kPrefix.size();
  const char* end = heading.data() + heading.size();
  auto [stop, error] = std::from_chars(begin, end, step);
  if (error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return step;
}

// Appends a test for every check of `trace`, in the order the text report
// shows them, and one for the stage where the case stopped.
void add_case_tests(Json& tests, const CaseTrace& trace) {
  bool first_wrong_found = false;
  auto is_first_wrong = [&](const Check& c) {
    if (first_wrong_found || !trace.first_wrong || !same_check(c, trace.first_wrong->check)) {
      return false;
    }
    first_wrong_found = true;
    return true;
  };

  Place place{&trace, std::nullopt, "", std::nullopt};
  for (const Section& section : trace.sections) {
    if (std::optional<int> step = training_step(section.heading)) {
      place.step = step;
      continue;
    }
    place.section = section.heading;
    for (const TraceLine& line : section.lines) {
      if (line.check) {
        place.row.reset();
        tests.push_back(check_test(*line.check, place, is_first_wrong(*line.check)));
      }
      if (!line.table) {
        continue;
      }
      for (std::size_t r = 0; r < line.table->rows.size(); ++r) {
        place.row = r + 1;
        for (const Cell& cell : line.table->rows[r]) {
          if (cell.check) {
            tests.push_back(check_test(*cell.check, place, is_first_wrong(*cell.check)));
          }
        }
      }
      place.row.reset();
    }
  }
  if (trace.stop) {
    tests.push_back(stop_test(trace));
  }
}

std::string missing_list(const LessonResult& result) {
  std::string names;
  for (const std::string& function : result.missing_functions) {
    names += (names.empty() ? "" : ", ") + short_function_name(function) + "()";
  }
  return names;
}

const CaseTrace* first_with_first_wrong(const LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (trace.first_wrong) {
      return &trace;
    }
  }
  return nullptr;
}

std::string failed_summary(const LessonResult& result) {
  if (const CaseTrace* trace = first_with_first_wrong(result)) {
    const FirstWrong& first = *trace->first_wrong;
    return fmt::format("First wrong value: {} ({}, case '{}'): {}.", first.check.label, first.where,
                       trace->name, check_message(first.check));
  }
  for (const CaseTrace& trace : result.traces) {
    if (!trace.passed && trace.stop) {
      return fmt::format("Case '{}' stopped: {}: {}.", trace.name, trace.stop->stage,
                         stop_message(*trace.stop));
    }
  }
  return "Some values are wrong.";
}

// One sentence on the whole lesson, with the same facts as the text
// report's closing lines.
std::string summary(const Lesson& lesson, const std::string& exercise,
                    const LessonResult& result) {
  switch (result.outcome) {
    case Outcome::passed:
      return fmt::format("Lesson {} passed: every value is right.", lesson.number);
    case Outcome::failed:
      return failed_summary(result);
    case Outcome::not_implemented:
      return fmt::format("Not implemented yet: {}.", missing_list(result));
    case Outcome::compile_error:
      return fmt::format("{} does not compile.", exercise);
    case Outcome::crashed:
      return fmt::format("Your program crashed ({}).", result.detail);
    case Outcome::timed_out:
      return fmt::format("Your program took longer than {} s.", result.timeout.count() / 1000.0);
    case Outcome::output_flood:
      return fmt::format("Your program printed more than {} KiB and was stopped.",
                         RunLimits{}.max_output_bytes / 1024);
    case Outcome::ended_early:
      return fmt::format("Your program ended before the checks finished ({}).", result.detail);
    case Outcome::channel_error:
      return fmt::format("The harness sent a record that does not parse: '{}'.", result.detail);
    case Outcome::cancelled:
      return "The check was stopped before it finished.";
    case Outcome::not_finite:
      return failed_summary(result);
    case Outcome::threw: {
      std::string text = failed_summary(result);
      if (first_with_first_wrong(result) == nullptr && !result.detail.empty() &&
          text == "Some values are wrong.") {
        return fmt::format("Your program threw an exception: {}.", result.detail);
      }
      return text;
    }
  }
  return "";
}

// Cuts `text` to at most `limit` bytes, at a UTF-8 character boundary.
std::string cut_utf8(std::string text, std::size_t limit) {
  if (text.size() <= limit) {
    return text;
  }
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  text.resize(end);
  return text;
}

std::string overall_status(const LessonResult& result, const Json& tests) {
  if (result.outcome == Outcome::passed) {
    return "pass";
  }
  for (const Json& test : tests) {
    if (test["status"] != "error") {
      return "fail";
    }
  }
  return "error";
}

Json first_wrong_json(const LessonResult& result) {
  const CaseTrace* trace = first_with_first_wrong(result);
  if (!trace) {
    return nullptr;
  }
  Json first;
  first["case"] = trace->name;
  first["where"] = trace->first_wrong->where;
  put_check(first, trace->first_wrong->check);
  first["message"] = check_message(trace->first_wrong->check);
  return first;
}

Json cases_json(const LessonResult& result) {
  Json cases = Json::array();
  for (const CaseTrace& trace : result.traces) {
    Json c;
    c["name"] = trace.name;
    c["hidden"] = trace.hidden;
    c["setup"] = trace.setup;
    if (trace.passed) {
      c["status"] = "pass";
    } else if (trace.stop) {
      c["status"] = "error";
    } else {
      c["status"] = "fail";
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace

std::string outcome_id(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed:
      return "passed";
    case Outcome::failed:
      return "failed";
    case Outcome::not_implemented:
      return "not_implemented";
    case Outcome::compile_error:
      return "compile_error";
    case Outcome::crashed:
      return "crashed";
    case Outcome::timed_out:
      return "timed_out";
    case Outcome::output_flood:
      return "output_flood";
    case Outcome::ended_early:
      return "ended_early";
    case Outcome::channel_error:
      return "channel_error";
    case Outcome::not_finite:
      return "not_finite";
    case Outcome::threw:
      return "threw";
    case Outcome::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string render_json(const Lesson& lesson, const std::string& exercise,
                        const LessonResult& result, bool ascii) {
  Json tests = Json::array();
  for (const CaseTrace& trace : result.traces) {
    add_case_tests(tests, trace);
  }
  std::string verdict = summary(lesson, exercise, result);

  // A fault of the whole program is a test of its own, so that a run whose
  // checks all passed before it crashed does not read as a pass.
  bool program_fault = result.outcome != Outcome::passed && result.outcome != Outcome::failed &&
                       result.outcome != Outcome::not_implemented &&
                       result.outcome != Outcome::compile_error;
  if (program_fault) {
    Json test;
    test["name"] = "program";
    test["status"] = "error";
    test["message"] = verdict;
    test["test_code"] = "the program runs to the end";
    test["first_wrong"] = false;
    tests.push_back(std::move(test));
  }

  Json out;
  out["version"] = kResultsVersion;
  out["status"] = overall_status(result, tests);
  if (out["status"] == "error") {
    std::string message = verdict;
    if (result.outcome == Outcome::compile_error) {
      message += "\n\n" + result.compiler_log;
    }
    out["message"] = cut_utf8(message, kMaxMessageBytes);
  }
  out["tests"] = std::move(tests);

  out["lesson"] = lesson.number;
  out["title"] = lesson.title;
  out["exercise"] = exercise;
  out["outcome"] = outcome_id(result.outcome);
  out["summary"] = verdict;
  out["first_wrong"] = first_wrong_json(result);
  Json missing = Json::array();
  for (const std::string& function : result.missing_functions) {
    missing.push_back(short_function_name(function));
  }
  out["missing_functions"] = std::move(missing);
  out["cases"] = cases_json(result);
  out["compiler_log"] = result.compiler_log;
  out["cached_build"] = result.cached_build;
  out["program_output"] = result.program_output;
  out["program_output_bytes"] = result.program_output_bytes;
  out["detail"] = result.detail;
  out["timeout_seconds"] = result.timeout.count() / 1000.0;

  return out.dump(2, ' ', ascii, Json::error_handler_t::replace) + "\n";
}

}  // namespace gradlings::runner
