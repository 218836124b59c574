// The JSON result, rendered from hand-built results so each field can be
// checked exactly. tests/runner/json_schema_test.py checks the runner's real
// output against docs/results.schema.json.
#include "runner/json_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace gradlings::runner {
namespace {

using nlohmann::json;

Lesson two_layer_lesson() {
  Lesson lesson;
  lesson.number = 2;
  lesson.title = "The two-layer network";
  return lesson;
}

Check value_check(const std::string& label, std::optional<double> actual, double expected,
                  bool passed) {
  Check c;
  c.label = label;
  c.actual = actual;
  c.expected = expected;
  c.passed = passed;
  return c;
}

// A public case of one training step with a forward and a backward section,
// the way the lesson 2 grader lays it out.
CaseTrace public_case(const Check& forward, const Check& backward) {
  CaseTrace trace;
  trace.name = "public";
  trace.setup = "x = 1, target = 0.8";
  trace.sections.push_back({"Training step 1", {}});
  trace.sections.push_back({"Forward pass (x = 1.000)", {{"", forward, std::nullopt}}});
  trace.sections.push_back({"Backward pass (target = 0.800)", {{"", backward, std::nullopt}}});
  trace.passed = forward.passed && backward.passed;
  return trace;
}

json render(const LessonResult& result, bool ascii = false) {
  return json::parse(render_json(two_layer_lesson(), "ex.cpp", result, ascii));
}

LessonResult passing_result() {
  Check z1 = value_check("z1", 0.7, 0.7, true);
  z1.formula = "1.000×0.500 + 0.200";
  Check loss = value_check("loss", 0.0106, 0.0106, true);
  LessonResult result;
  result.outcome = Outcome::passed;
  result.traces.push_back(public_case(z1, loss));
  result.timeout = std::chrono::milliseconds(10'000);
  return result;
}

LessonResult failing_result() {
  Check z1 = value_check("z1", 0.7, 0.7, true);
  Check error = value_check("dL/da2", 0.146, -0.146, false);
  error.note = "error";
  LessonResult result;
  result.outcome = Outcome::failed;
  result.traces.push_back(public_case(z1, error));
  result.traces[0].first_wrong = FirstWrong{"step 1, backward pass", error};
  return result;
}

TEST(JsonReport, PassFollowsExercismLayout) {
  json out = render(passing_result());
  EXPECT_EQ(2, out["version"]);
  EXPECT_EQ("pass", out["status"]);
  EXPECT_FALSE(out.contains("message"));
  EXPECT_EQ("passed", out["outcome"]);
  EXPECT_EQ("Lesson 2 passed: every value is right.", out["summary"]);
  EXPECT_TRUE(out["first_wrong"].is_null());
  EXPECT_EQ(10.0, out["timeout_seconds"]);
  ASSERT_EQ(2u, out["tests"].size());

  const json& z1 = out["tests"][0];
  EXPECT_EQ("public / step 1 / Forward pass (x = 1.000) / z1", z1["name"]);
  EXPECT_EQ("pass", z1["status"]);
  EXPECT_FALSE(z1.contains("message"));
  EXPECT_EQ("z1 = 1.000×0.500 + 0.200 = 0.700", z1["test_code"]);
  EXPECT_EQ("public", z1["case"]);
  EXPECT_EQ(false, z1["hidden"]);
  EXPECT_EQ(1, z1["step"]);
  EXPECT_EQ("Forward pass (x = 1.000)", z1["section"]);
  EXPECT_EQ(0.7, z1["expected"]);
  EXPECT_EQ(0.7, z1["actual"]);
  EXPECT_EQ("reference", z1["expected_source"]);
  EXPECT_EQ(false, z1["first_wrong"]);
}

TEST(JsonReport, FailNamesExpectedAndActual) {
  json out = render(failing_result());
  EXPECT_EQ("fail", out["status"]);
  EXPECT_FALSE(out.contains("message"));
  EXPECT_EQ(
      "First wrong value: dL/da2 (step 1, backward pass, case 'public'): you have 0.146, "
      "expected -0.146 (reference), off by 0.292.",
      out["summary"]);

  const json& wrong = out["tests"][1];
  EXPECT_EQ("fail", wrong["status"]);
  EXPECT_EQ("you have 0.146, expected -0.146 (reference), off by 0.292", wrong["message"]);
  EXPECT_EQ("dL/da2 = -0.146", wrong["test_code"]);
  EXPECT_EQ(0.146, wrong["actual"]);
  EXPECT_EQ(-0.146, wrong["expected"]);
  EXPECT_EQ("error", wrong["note"]);
  EXPECT_EQ(true, wrong["first_wrong"]);
  EXPECT_EQ(false, out["tests"][0]["first_wrong"]);

  const json& first = out["first_wrong"];
  EXPECT_EQ("public", first["case"]);
  EXPECT_EQ("step 1, backward pass", first["where"]);
  EXPECT_EQ("dL/da2", first["label"]);
  EXPECT_EQ(0.146, first["actual"]);
  EXPECT_EQ(-0.146, first["expected"]);
}

TEST(JsonReport, FailingFormulaUsesReferenceValues) {
  LessonResult result = failing_result();
  Check& check = *result.traces[0].sections[2].lines[0].check;
  check.formula = "0.146 × 0.226";
  check.expected_formula = "-0.146 × 0.226";
  json out = render(result);
  EXPECT_EQ("dL/da2 = -0.146 × 0.226 = -0.146", out["tests"][1]["test_code"]);
  EXPECT_EQ("you have 0.146, expected -0.146 × 0.226 = -0.146 (reference), off by 0.292",
            out["tests"][1]["message"]);
}

TEST(JsonReport, UncomputedValueIsNull) {
  LessonResult result = failing_result();
  result.traces[0].sections[2].lines[0].check->actual.reset();
  json out = render(result);
  EXPECT_TRUE(out["tests"][1]["actual"].is_null());
  EXPECT_FALSE(out["tests"][1].contains("actual_text"));
  EXPECT_EQ("your code did not compute it, expected -0.146 (reference)",
            out["tests"][1]["message"]);
}

TEST(JsonReport, NonFiniteValueIsNamed) {
  LessonResult result = failing_result();
  result.traces[0].sections[2].lines[0].check->actual = std::nan("");
  result.traces[0].sections[1].lines[0].check->actual = -std::numeric_limits<double>::infinity();
  json out = render(result);
  EXPECT_TRUE(out["tests"][1]["actual"].is_null());
  EXPECT_EQ("nan", out["tests"][1]["actual_text"]);
  EXPECT_EQ("you have nan, expected -0.146 (reference)", out["tests"][1]["message"]);
  EXPECT_EQ("-inf", out["tests"][0]["actual_text"]);
}

TEST(JsonReport, StatusTextsReplaceValues) {
  LessonResult result = failing_result();
  Check& check = *result.traces[0].sections[2].lines[0].check;
  check.actual_text = "vanishing";
  check.expected_text = "healthy";
  check.expected_source = "the gradient's size";
  json out = render(result);
  EXPECT_EQ("vanishing", out["tests"][1]["actual_text"]);
  EXPECT_EQ("healthy", out["tests"][1]["expected_text"]);
  EXPECT_EQ("dL/da2 = healthy", out["tests"][1]["test_code"]);
  EXPECT_EQ("you have vanishing, expected healthy (the gradient's size), off by 0.292",
            out["tests"][1]["message"]);
}

TEST(JsonReport, TableCellsAreNumberedByRow) {
  Table table;
  table.header = {"epoch", "loss"};
  table.rows.push_back({{"1", std::nullopt}, {"", value_check("loss", 0.25, 0.25, true)}});
  table.rows.push_back({{"2", std::nullopt}, {"", value_check("loss", 0.3, 0.2, false)}});
  CaseTrace trace;
  trace.name = "hidden 1";
  trace.hidden = true;
  trace.sections.push_back({"Training", {{"", std::nullopt, table}}});
  trace.passed = false;
  LessonResult result;
  result.outcome = Outcome::failed;
  result.traces.push_back(trace);

  json out = render(result);
  ASSERT_EQ(2u, out["tests"].size());
  EXPECT_EQ("hidden 1 / Training / row 1 / loss", out["tests"][0]["name"]);
  EXPECT_EQ("hidden 1 / Training / row 2 / loss", out["tests"][1]["name"]);
  EXPECT_EQ(2, out["tests"][1]["row"]);
  EXPECT_EQ(true, out["tests"][1]["hidden"]);
  EXPECT_FALSE(out["tests"][1].contains("step"));
  EXPECT_EQ("fail", out["cases"][0]["status"]);
}

TEST(JsonReport, StubIsErrorWithStoppedStage) {
  CaseTrace trace;
  trace.name = "public";
  trace.passed = false;
  trace.stop = StageStop{StageStop::Reason::missing, "forward", "Forward forward(const Params&, double)"};
  LessonResult result;
  result.outcome = Outcome::not_implemented;
  result.missing_functions = {"Forward forward(const Params&, double)", "double loss(double, double)"};
  result.traces.push_back(trace);

  json out = render(result);
  EXPECT_EQ("error", out["status"]);
  EXPECT_EQ("Not implemented yet: forward(), loss().", out["message"]);
  EXPECT_EQ((json{"forward", "loss"}), out["missing_functions"]);
  ASSERT_EQ(1u, out["tests"].size());
  const json& stop = out["tests"][0];
  EXPECT_EQ("public / forward", stop["name"]);
  EXPECT_EQ("error", stop["status"]);
  EXPECT_EQ("not implemented yet (forward() still calls not_implemented())", stop["message"]);
  EXPECT_EQ("not_implemented", stop["reason"]);
  EXPECT_EQ("error", out["cases"][0]["status"]);
}

TEST(JsonReport, PartlyWrittenStubIsFail) {
  LessonResult result = failing_result();
  result.outcome = Outcome::not_implemented;
  result.traces[0].stop = StageStop{StageStop::Reason::missing, "update", "Params update()"};
  json out = render(result);
  EXPECT_EQ("fail", out["status"]);
  EXPECT_EQ("error", out["tests"].back()["status"]);
}

TEST(JsonReport, CompileErrorCarriesLog) {
  LessonResult result;
  result.outcome = Outcome::compile_error;
  result.compiler_log = "ex.cpp:3:1: error: expected ';'\n";
  json out = render(result);
  EXPECT_EQ("error", out["status"]);
  EXPECT_EQ("compile_error", out["outcome"]);
  EXPECT_EQ("ex.cpp does not compile.\n\nex.cpp:3:1: error: expected ';'\n", out["message"]);
  EXPECT_EQ(result.compiler_log, out["compiler_log"]);
  EXPECT_TRUE(out["tests"].empty());
}

TEST(JsonReport, LongMessageIsCutAtCharacter) {
  LessonResult result;
  result.outcome = Outcome::compile_error;
  // The prefix "ex.cpp does not compile.\n\n" is 26 bytes, so the limit of
  // 65535 bytes falls inside the second three-byte quote.
  result.compiler_log = std::string(65'505, 'y') + "‘‘‘‘";
  json out = render(result);
  std::string message = out["message"];
  EXPECT_EQ(65'534u, message.size());
  EXPECT_EQ("y‘", message.substr(message.size() - 4));
}

TEST(JsonReport, CrashAfterPassingChecksIsFail) {
  LessonResult result = passing_result();
  result.outcome = Outcome::crashed;
  result.detail = "SIGSEGV";
  json out = render(result);
  EXPECT_EQ("fail", out["status"]);
  EXPECT_EQ("crashed", out["outcome"]);
  const json& program = out["tests"].back();
  EXPECT_EQ("program", program["name"]);
  EXPECT_EQ("error", program["status"]);
  EXPECT_EQ("Your program crashed (SIGSEGV).", program["message"]);
}

TEST(JsonReport, TimeoutBeforeAnyCheckIsError) {
  LessonResult result;
  result.outcome = Outcome::timed_out;
  result.timeout = std::chrono::milliseconds(2'500);
  json out = render(result);
  EXPECT_EQ("error", out["status"]);
  EXPECT_EQ("Your program took longer than 2.5 s.", out["message"]);
}

TEST(JsonReport, InvalidUtf8OutputIsReplaced) {
  LessonResult result = passing_result();
  result.program_output = "bad \xff byte\n";
  result.program_output_bytes = 11;
  json out = render(result);
  EXPECT_EQ("bad \xEF\xBF\xBD byte\n", out["program_output"]);
  EXPECT_EQ(11, out["program_output_bytes"]);
}

TEST(JsonReport, AsciiModeEscapesUnicode) {
  std::string text = render_json(two_layer_lesson(), "ex.cpp", passing_result(), true);
  for (unsigned char c : text) {
    ASSERT_LT(c, 128) << text;
  }
  EXPECT_NE(std::string::npos, text.find("1.000\\u00d70.500")) << text;
  EXPECT_EQ("z1 = 1.000×0.500 + 0.200 = 0.700", json::parse(text)["tests"][0]["test_code"]);
}

TEST(JsonReport, OutcomeIdsAreIdentifiers) {
  EXPECT_EQ("passed", outcome_id(Outcome::passed));
  EXPECT_EQ("failed", outcome_id(Outcome::failed));
  EXPECT_EQ("not_implemented", outcome_id(Outcome::not_implemented));
  EXPECT_EQ("compile_error", outcome_id(Outcome::compile_error));
  EXPECT_EQ("crashed", outcome_id(Outcome::crashed));
  EXPECT_EQ("timed_out", outcome_id(Outcome::timed_out));
  EXPECT_EQ("output_flood", outcome_id(Outcome::output_flood));
  EXPECT_EQ("ended_early", outcome_id(Outcome::ended_early));
  EXPECT_EQ("channel_error", outcome_id(Outcome::channel_error));
}

}  // namespace
}  // namespace gradlings::runner
