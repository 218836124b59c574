// The gradient-clipping kind: its lesson keys, its hidden cases, its grading
// of hand-made channel records, and lesson 6 end to end (the solution, the
// stub and typical mistakes, compiled and run as `runner lesson 6` does).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/clipping.h"
#include "runner/check.h"
#include "runner/kinds/clipping.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "06-gradient-clipping";
const fs::path kSolution = kRoot / "solutions" / "06-gradient-clipping" / "exercise.cpp";

const char* const kKindKeys = R"(cases:
  - name: exploding
    weights: [-25, 10, -5, 25, 2]
    coefficients: [3, 1.5, 0.5, 4, 2]
    clip_value: 50
    max_norm: 50
hidden:
  seed: 11
  count: 40
  length: [1, 8]
  weights: [-30, 30]
  coefficients: [0.25, 4]
  threshold_factor: [0.2, 1.5]
)";

ClippingSpec parse(const std::string& text) {
  return parse_clipping_spec(YamlDoc::parse(text, "lesson.yaml"));
}

std::string parse_error(const std::string& text) {
  return error_message([&] { parse(text); });
}

TEST(ClippingSpec, ReadsPublicCase) {
  ClippingSpec spec = parse(kKindKeys);
  ASSERT_EQ(1u, spec.cases.size());
  const ClippingCase& c = spec.cases[0];
  EXPECT_EQ("exploding", c.name);
  EXPECT_EQ((std::vector<double>{-25, 10, -5, 25, 2}), c.weights);
  EXPECT_EQ((std::vector<double>{3, 1.5, 0.5, 4, 2}), c.coefficients);
  EXPECT_EQ(50, c.clip_value);
  EXPECT_EQ(50, c.max_norm);
}

TEST(ClippingSpec, FirstHiddenCaseIsZeroGradient) {
  std::vector<ClippingCase> cases = clipping_cases(parse(kKindKeys));
  const ClippingCase& zero = cases.at(1);
  EXPECT_EQ("hidden 1", zero.name);
  for (double w : zero.weights) {
    EXPECT_EQ(0.0, w);
  }
  EXPECT_EQ(1.0, zero.clip_value);
  EXPECT_EQ(1.0, zero.max_norm);
}

TEST(ClippingSpec, SecondHiddenCaseStaysUnchanged) {
  const ClippingCase small = clipping_cases(parse(kKindKeys)).at(2);
  EXPECT_EQ("hidden 2", small.name);
  engine::ClippingReference r =
      engine::clipping_reference(small.weights, small.coefficients, small.clip_value, small.max_norm);
  EXPECT_NE(0.0, r.norm);
  EXPECT_EQ(r.gradient, r.by_value);
  EXPECT_EQ(r.gradient, r.by_norm);
  EXPECT_EQ(1.0, r.scale);
}

TEST(ClippingSpec, RandomHiddenCasesMixClippedAndKept) {
  std::vector<ClippingCase> cases = clipping_cases(parse(kKindKeys));
  ASSERT_EQ(41u, cases.size());
  int scaled = 0;
  int kept = 0;
  int partly_clipped = 0;
  for (std::size_t i = 3; i < cases.size(); ++i) {
    const ClippingCase& c = cases[i];
    EXPECT_GE(c.weights.size(), 1u);
    EXPECT_LE(c.weights.size(), 8u);
    EXPECT_EQ(c.weights.size(), c.coefficients.size());
    EXPECT_GE(c.clip_value, 0.01);
    EXPECT_GE(c.max_norm, 0.01);
    engine::ClippingReference r =
        engine::clipping_reference(c.weights, c.coefficients, c.clip_value, c.max_norm);
    (r.scale < 1 ? scaled : kept) += 1;
    int changed = 0;
    for (std::size_t k = 0; k < r.gradient.size(); ++k) {
      changed += r.by_value[k] != r.gradient[k];
    }
    partly_clipped += changed > 0 && changed < static_cast<int>(r.gradient.size());
  }
  EXPECT_GT(scaled, 0);
  EXPECT_GT(kept, 0);
  EXPECT_GT(partly_clipped, 0);
}

TEST(ClippingSpec, InputListsWeightsThenCoefficients) {
  ClippingCase c;
  c.weights = {1.5, -2};
  c.coefficients = {0.25, 4};
  c.clip_value = 3;
  c.max_norm = 0.5;
  EXPECT_EQ("case 0 2 3 0.5 1.5 -2 0.25 4\n", clipping_input({c}));
}

TEST(ClippingSpec, RejectsCoefficientCountMismatch) {
  std::string message = parse_error(
      replace_first(kKindKeys, "coefficients: [3, 1.5, 0.5, 4, 2]", "coefficients: [3, 1.5]"));
  EXPECT_NE(std::string::npos,
            message.find("lesson.yaml:4:19: 'coefficients' has 2 entries but 'weights' has 5; "
                         "give one coefficient per weight"))
      << message;
}

TEST(ClippingSpec, RejectsNonNumericWeight) {
  std::string message = parse_error(replace_first(kKindKeys, "[-25, 10,", "[-25, ten,"));
  EXPECT_NE(std::string::npos,
            message.find("lesson.yaml:3:20: each entry of 'weights' must be a finite number"))
      << message;
}

TEST(ClippingSpec, RejectsZeroClipValue) {
  std::string message = parse_error(replace_first(kKindKeys, "clip_value: 50", "clip_value: 0"));
  EXPECT_NE(std::string::npos, message.find("lesson.yaml:5:17: 'clip_value' must be greater than 0, not '0'"))
      << message;
}

TEST(ClippingSpec, RejectsFractionalLengthRange) {
  std::string message = parse_error(replace_first(kKindKeys, "length: [1, 8]", "length: [0.5, 8]"));
  EXPECT_NE(std::string::npos,
            message.find("'length' must be a range of whole numbers between 1 and 32, not [0.5, 8]"))
      << message;
}

// Grading hand-made records, without compiling anything.

Lesson grading_lesson() {
  Lesson lesson;
  lesson.tolerance = {1e-9, 1e-7};
  lesson.gradient_check.step = 1e-6;
  lesson.gradient_check.tolerance = {1e-6, 1e-4};
  return lesson;
}

ClippingCase make_case(std::vector<double> w, std::vector<double> c, double clip_value,
                       double max_norm) {
  ClippingCase result;
  result.name = "case";
  result.weights = std::move(w);
  result.coefficients = std::move(c);
  result.clip_value = clip_value;
  result.max_norm = max_norm;
  return result;
}

// The records a correct harness run sends for `c`, with `edit` applied to
// the reference values first.
template <class Edit>
std::string records_for(const ClippingCase& c, Edit edit) {
  engine::ClippingReference r =
      engine::clipping_reference(c.weights, c.coefficients, c.clip_value, c.max_norm);
  edit(r);
  std::string text = "case 0\nstep 1\n";
  auto send = [&](const std::string& name, const std::vector<double>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      text += fmt::format("value {}_{} {:.17g}\n", name, i + 1, values[i]);
    }
  };
  send("g", r.gradient);
  send("by_value", r.by_value);
  text += fmt::format("value norm {:.17g}\nvalue scale {:.17g}\n", r.norm, r.scale);
  send("by_norm", r.by_norm);
  return text + "end\n";
}

CaseTrace grade_one(const ClippingCase& c, const std::string& records) {
  std::vector<CaseTrace> traces = grade_clipping(grading_lesson(), {c}, parse_channel(records));
  EXPECT_EQ(1u, traces.size());
  return traces.empty() ? CaseTrace{} : traces[0];
}

// The checks of the direction table, by label.
std::optional<Check> cosine_check(const CaseTrace& trace, const std::string& label) {
  for (const Section& section : trace.sections) {
    for (const TraceLine& line : section.lines) {
      if (!line.table) {
        continue;
      }
      for (const auto& row : line.table->rows) {
        for (const Cell& cell : row) {
          if (cell.check && cell.check->label == label) {
            return cell.check;
          }
        }
      }
    }
  }
  return std::nullopt;
}

TEST(ClippingGrading, CorrectRecordsPass) {
  ClippingCase c = make_case({-25, 10, -5, 25, 2}, {3, 1.5, 0.5, 4, 2}, 50, 50);
  CaseTrace trace = grade_one(c, records_for(c, [](engine::ClippingReference&) {}));
  EXPECT_TRUE(trace.passed);
  EXPECT_FALSE(trace.first_wrong);

  std::optional<Check> by_norm = cosine_check(trace, "cosine, clipped by norm");
  ASSERT_TRUE(by_norm);
  EXPECT_NEAR(1.0, *by_norm->actual, 1e-15);
  std::optional<Check> by_value = cosine_check(trace, "cosine, clipped by value");
  ASSERT_TRUE(by_value);
  EXPECT_NEAR(0.948172, *by_value->actual, 1e-6);
  EXPECT_NE(std::string::npos, trace_text(trace).find("Clipping by value cut 2 of 5 entries"));
  EXPECT_NE(
      std::string::npos,
      trace_text(trace).find("Clipping by norm shortened the gradient from 251.970 to 50.000"));
}

TEST(ClippingGrading, ZeroGradientPassesWithoutCosine) {
  ClippingCase c = make_case({0, 0, 0}, {1, 2, 3}, 1, 1);
  CaseTrace trace = grade_one(c, records_for(c, [](engine::ClippingReference&) {}));
  EXPECT_TRUE(trace.passed);
  EXPECT_FALSE(cosine_check(trace, "cosine, clipped by norm"));
  EXPECT_NE(std::string::npos, trace_text(trace).find("The gradient is zero")) << trace_text(trace);
}

// A learner who divides by the norm without the epsilon gets 0/0 = NaN for
// the zero gradient, which must be marked wrong.
TEST(ClippingGrading, NanFromZeroNormIsWrong) {
  ClippingCase c = make_case({0, 0}, {1, 2}, 1, 1);
  CaseTrace trace = grade_one(c, records_for(c, [](engine::ClippingReference& r) {
    r.scale = std::numeric_limits<double>::quiet_NaN();
    r.by_norm = {r.scale, r.scale};
  }));
  EXPECT_FALSE(trace.passed);
  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("scale", trace.first_wrong->check.label);
  EXPECT_EQ("clipping by norm", trace.first_wrong->where);
}

// The cosines are computed from the learner's vectors, not copied from the
// reference, so a wrong clipped vector also gives a wrong cosine.
TEST(ClippingGrading, CosineComesFromLearnerVectors) {
  ClippingCase c = make_case({-25, 10, -5, 25, 2}, {3, 1.5, 0.5, 4, 2}, 50, 50);
  CaseTrace trace = grade_one(c, records_for(c, [](engine::ClippingReference& r) {
    r.by_value = {50, 30, -5, 50, 8};
  }));
  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("clipped g1", trace.first_wrong->check.label);
  EXPECT_EQ("clipping by value", trace.first_wrong->where);

  std::optional<Check> cosine = cosine_check(trace, "cosine, clipped by value");
  ASSERT_TRUE(cosine);
  EXPECT_FALSE(cosine->passed);
  EXPECT_NEAR(*engine::cosine_similarity({-150, 30, -5, 200, 8}, {50, 30, -5, 50, 8}),
              *cosine->actual, 1e-15);
}

TEST(ClippingGrading, MissingClipByNormFails) {
  ClippingCase c = make_case({1, 2}, {1, 1}, 10, 10);
  std::string records = records_for(c, [](engine::ClippingReference&) {});
  records = records.substr(0, records.find("value by_norm_1")) + "end\n";
  CaseTrace trace = grade_one(c, records);
  EXPECT_FALSE(trace.passed);
  EXPECT_FALSE(trace.first_wrong);
}

// End to end: the shipped solution, the stub and typical mistakes.

fs::path scratch() { return scratch_dir("clipping-test"); }

LessonResult check_file(const fs::path& exercise) {
  return check_exercise(kLessonDir, exercise, scratch());
}

fs::path mutated_solution(const std::string& name, const std::vector<Replacement>& edits) {
  return write_mutated_copy(kSolution, scratch(), name, edits);
}

TEST(LessonSix, SolutionPassesEveryCase) {
  LessonResult result = check_file(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  const ClippingSpec& spec = spec_as<ClippingSpec>(load_lesson(kLessonDir).spec);
  EXPECT_EQ(spec.cases.size() + static_cast<std::size_t>(spec.hidden.count), result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
  }
}

TEST(LessonSix, StubReportsEveryFunctionInOrder) {
  LessonResult result = check_file(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;

  std::vector<std::string> names;
  for (const std::string& function : result.missing_functions) {
    names.push_back(short_function_name(function));
  }
  EXPECT_EQ((std::vector<std::string>{"gradient", "clip_by_value", "global_norm", "clip_scale",
                                      "clip_by_norm"}),
            names);
}

struct Mutation {
  std::string name;
  std::vector<Replacement> edits;
  std::string failing_case;   // the first case that fails
  std::string first_wrong;    // the label its trace must name
  std::string where;          // and where
  bool fails_gradient_check;  // the central differences also disagree
};

void PrintTo(const Mutation& mutation, std::ostream* out) { *out << mutation.name; }

class LessonSixMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(LessonSixMutation, FailsAtFirstWrongValue) {
  const Mutation& mutation = GetParam();
  LessonResult result = check_file(mutated_solution(mutation.name, mutation.edits));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace* failed = nullptr;
  for (const CaseTrace& trace : result.traces) {
    if (!trace.passed) {
      failed = &trace;
      break;
    }
  }
  ASSERT_TRUE(failed);
  EXPECT_EQ(mutation.failing_case, failed->name);
  ASSERT_TRUE(failed->first_wrong);
  EXPECT_EQ(mutation.first_wrong, failed->first_wrong->check.label);
  EXPECT_EQ(mutation.where, failed->first_wrong->where);

  for (const auto& [heading, check] : shown_checks(*failed)) {
    if (!check.passed) {
      EXPECT_EQ(mutation.first_wrong, check.label);
      break;
    }
  }
  EXPECT_EQ(mutation.fails_gradient_check, gradient_check_failed(*failed));
}

INSTANTIATE_TEST_SUITE_P(
    TypicalMistakes, LessonSixMutation,
    ::testing::Values(
        // The public 'exploding' case is above the threshold, where scaling
        // is right, so only the 'already small' case shows the mistake.
        Mutation{"scales_even_under_threshold",
                 {{"return scale < 1.0 ? scale : 1.0;", "return scale;"}},
                 "already small", "scale", "clipping by norm", false},
        Mutation{"value_clip_loses_sign",
                 {{"clipped.push_back(gi > 0 ? clip_value : -clip_value);",
                   "clipped.push_back(clip_value);"}},
                 "exploding", "clipped g1", "clipping by value", false},
        Mutation{"divides_by_squared_norm",
                 {{"max_norm / (norm + kNormEpsilon)", "max_norm / (norm * norm + kNormEpsilon)"}},
                 "exploding", "scale", "clipping by norm", false},
        Mutation{"max_abs_instead_of_l2_norm",
                 {{"sum_of_squares += gi * gi;",
                   "sum_of_squares = std::fmax(sum_of_squares, std::abs(gi));"},
                  {"return std::sqrt(sum_of_squares);", "return sum_of_squares;"}},
                 "exploding", "global norm", "clipping by norm", false},
        Mutation{"gradient_without_two",
                 {{"g.push_back(2.0 * c[i] * w[i]);", "g.push_back(c[i] * w[i]);"}},
                 "exploding", "g1", "raw gradient", true}),
    [](const auto& info) { return info.param.name; });

TEST(RunnerCommand, LessonSixPrintsBothClippings) {
  CommandOutput output = run_runner("lesson 6 --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (const char* line : {
           "Original │ Clipped   │ Action",
           "-150.000 │ -50.000 ✓ │ CLIPPED",
           "30.000   │ 30.000 ✓  │ No change",
           "200.000  │ 50.000 ✓  │ CLIPPED",
           "✓ global norm = √(sum of g_i²) = 251.970",
           "✓ scale = min(1, 50 / (251.970 + 1e-6)) = 0.198",
           "-150.000 │ -29.765 ✓ │ SCALED",
           "200.000  │ 39.687 ✓  │ SCALED",
           "by value │ 0.948172 ✓ │ 77.389",
           "by norm  │ 1.000000 ✓ │ 50.000",
           "Clipping by norm left the gradient as it was: its length 9.434 is within 10.",
       }) {
    EXPECT_NE(std::string::npos, output.text.find(line)) << line << "\n" << output.text;
  }
  EXPECT_NE(std::string::npos, output.text.find("Lesson 6 passed")) << output.text;
}

TEST(RunnerCommand, LessonSixPlainOutputIsAscii) {
  CommandOutput output = run_runner("lesson 6 --plain --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (char c : output.text) {
    ASSERT_LT(static_cast<unsigned char>(c), 128) << output.text;
  }
}

TEST(RunnerCommand, LessonSixStubExitsOne) {
  fs::path workspace = scratch() / "workspace";
  fs::remove_all(workspace);
  CommandOutput output = run_runner("lesson 6 --workspace " + workspace.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("Not implemented yet: gradient(), clip_by_value(), global_norm(), "
                             "clip_scale(), clip_by_norm()."))
      << output.text;
}

TEST(RunnerCommand, LessonSixMutationNamesFirstWrongValue) {
  fs::path exercise = mutated_solution(
      "command_sign", {{"clipped.push_back(gi > 0 ? clip_value : -clip_value);",
                        "clipped.push_back(clip_value);"}});
  CommandOutput output = run_runner("lesson 6 --exercise " + exercise.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("First wrong value: clipped g1 (clipping by value, case 'exploding')"))
      << output.text;
  EXPECT_NE(std::string::npos, output.text.find("You have 50.000, expected -50.000")) << output.text;
}

}  // namespace
}  // namespace gradlings::runner
