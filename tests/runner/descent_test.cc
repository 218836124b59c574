// The gradient-descent kind: its lesson keys, its hidden cases, its grading
// of hand-made channel records, and lesson 4 end to end (the solution, the
// stub and typical mistakes, compiled and run as `runner lesson 4` does).
#include "engine/descent.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>

#include "runner/check.h"
#include "runner/kinds/descent.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "04-gradient-descent";
const fs::path kSolution = kRoot / "solutions" / "04-gradient-descent" / "exercise.cpp";

const char* const kKindKeys = R"(cases:
  - name: public
    start: 2.0
    target: 1.0
    learning_rate: 0.1
    epochs: 6
hidden:
  seed: 9
  count: 12
  start: [-5, 5]
  target: [-3, 3]
  learning_rate: [0.02, 0.95]
  epochs: [3, 12]
  diverging_count: 3
  diverging_learning_rate: [1.05, 1.3]
)";

DescentSpec parse(const std::string& text) {
  return parse_descent_spec(YamlDoc::parse(text, "lesson.yaml"));
}

// Returns the message of the Error that parsing `text` throws, or "".
std::string parse_error(const std::string& text) {
  return error_message([&] { parse(text); });
}

TEST(DescentSpec, ReadsPublicCase) {
  DescentSpec spec = parse(kKindKeys);
  ASSERT_EQ(1u, spec.cases.size());
  EXPECT_EQ("public", spec.cases[0].name);
  EXPECT_EQ(2.0, spec.cases[0].start);
  EXPECT_EQ(1.0, spec.cases[0].target);
  EXPECT_EQ(0.1, spec.cases[0].learning_rate);
  EXPECT_EQ(6, spec.cases[0].epochs);
}

TEST(DescentSpec, HiddenCasesFollowRanges) {
  DescentSpec spec = parse(kKindKeys);
  std::vector<DescentCase> cases = descent_cases(spec);
  ASSERT_EQ(13u, cases.size());
  for (std::size_t i = 1; i < cases.size(); ++i) {
    const DescentCase& c = cases[i];
    EXPECT_TRUE(c.hidden);
    EXPECT_EQ("hidden " + std::to_string(i), c.name);
    EXPECT_GE(c.start, -5);
    EXPECT_LE(c.start, 5);
    EXPECT_GE(c.target, -3);
    EXPECT_LE(c.target, 3);
    EXPECT_GE(c.epochs, 3);
    EXPECT_LE(c.epochs, 12);
    if (i <= 3) {
      EXPECT_GT(c.learning_rate, 1.0) << c.name << " must diverge";
    } else {
      EXPECT_GE(c.learning_rate, 0.02) << c.name;
      EXPECT_LE(c.learning_rate, 0.95) << c.name;
    }
  }
}

TEST(DescentSpec, HiddenCasesRepeatForSeed) {
  std::vector<DescentCase> first = descent_cases(parse(kKindKeys));
  std::vector<DescentCase> second = descent_cases(parse(kKindKeys));
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].start, second[i].start);
    EXPECT_EQ(first[i].learning_rate, second[i].learning_rate);
    EXPECT_EQ(first[i].epochs, second[i].epochs);
  }
}

TEST(DescentSpec, InputHasOneLinePerCase) {
  DescentCase c;
  c.start = 2.0;
  c.target = -0.5;
  c.learning_rate = 0.1;
  c.epochs = 6;
  // The last field is dL/dw = 2 × (2 − (−0.5)) = 5 at the start.
  EXPECT_EQ("case 0 2 -0.5 0.10000000000000001 6 5\ncase 1 2 -0.5 0.10000000000000001 6 5\n",
            descent_input({c, c}));
}

TEST(DescentSpec, RejectsRunawayPublicCase) {
  std::string message = parse_error(replace_first(kKindKeys, "learning_rate: 0.1\n    epochs: 6",
                                                  "learning_rate: 3.0\n    epochs: 20"));
  EXPECT_NE(std::string::npos, message.find("lesson.yaml:2:5: case 'public' moves w")) << message;
  EXPECT_NE(std::string::npos, message.find("beyond the limit 10000 (use fewer epochs or a "
                                            "smaller learning rate)"))
      << message;
}

TEST(DescentSpec, RejectsRunawayHiddenCases) {
  std::string message = parse_error(replace_first(kKindKeys, "diverging_learning_rate: [1.05, 1.3]",
                                                  "diverging_learning_rate: [2.5, 3.0]"));
  EXPECT_NE(std::string::npos, message.find("case 'hidden 1' moves w")) << message;
}

TEST(DescentSpec, RejectsFractionalEpochRange) {
  std::string message =
      parse_error(replace_first(kKindKeys, "epochs: [3, 12]", "epochs: [3, 12.5]"));
  EXPECT_NE(std::string::npos,
            message.find("lesson.yaml:13:11: 'epochs' must be a range of whole numbers between 1 "
                         "and 200, not [3, 12.5]"))
      << message;
}

TEST(DescentSpec, RejectsLearningRateRangeFromZero) {
  std::string message = parse_error(
      replace_first(kKindKeys, "learning_rate: [0.02, 0.95]", "learning_rate: [0, 0.95]"));
  EXPECT_NE(std::string::npos,
            message.find("'learning_rate' must lie above 0, but its low end is 0"))
      << message;
}

TEST(DescentSpec, RejectsMoreDivergingThanHiddenCases) {
  std::string message =
      parse_error(replace_first(kKindKeys, "diverging_count: 3", "diverging_count: 13"));
  EXPECT_NE(std::string::npos, message.find("'diverging_count' must be between 0 and 12, not 13"))
      << message;
}

TEST(DescentSpec, RejectsUnknownCaseKey) {
  std::string message = parse_error(replace_first(kKindKeys, "epochs: 6", "epoch: 6"));
  EXPECT_NE(std::string::npos,
            message.find("unknown key 'epoch' in a case (did you mean 'epochs'?)"))
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

DescentCase make_case(double start, double target, double learning_rate, int epochs) {
  DescentCase c;
  c.name = "case";
  c.start = start;
  c.target = target;
  c.learning_rate = learning_rate;
  c.epochs = epochs;
  return c;
}

// The helper step a correct harness run sends for `c`: loss(), gradient()
// and update() at the start, the values hand-derived from L = (w − t)².
std::string helper_records(const DescentCase& c) {
  double difference = c.start - c.target;
  return fmt::format("step -1\nvalue loss {:.17g}\nvalue gradient {:.17g}\nvalue update {:.17g}\n",
                     difference * difference, 2 * difference, -c.learning_rate * 2 * difference);
}

// The records a correct harness run sends for `c`, with `edit` applied to
// each epoch's values (weight, loss, gradient, update) first.
template <class Edit>
std::string records_for(const DescentCase& c, Edit edit) {
  std::vector<engine::DescentEpoch> epochs =
      engine::descent_trajectory(c.start, c.target, c.learning_rate, c.epochs);
  std::string text = "case 0\n" + helper_records(c);
  for (std::size_t e = 0; e < epochs.size(); ++e) {
    engine::DescentEpoch row = epochs[e];
    edit(e, row);
    text +=
        fmt::format("step {}\nvalue weight {:.17g}\nvalue loss {:.17g}\n", e, row.weight, row.loss);
    text += fmt::format("value gradient {:.17g}\nvalue update {:.17g}\n", row.gradient, row.update);
  }
  const engine::DescentEpoch& last = epochs.back();
  text += fmt::format("step {}\nvalue weight {:.17g}\nend\n", c.epochs, last.weight + last.update);
  return text;
}

std::string correct_records(const DescentCase& c) {
  return records_for(c, [](std::size_t, engine::DescentEpoch&) {});
}

CaseTrace grade_one(const DescentCase& c, const std::string& records) {
  std::vector<CaseTrace> traces = grade_descent(grading_lesson(), {c}, parse_channel(records));
  EXPECT_EQ(1u, traces.size());
  return traces.empty() ? CaseTrace{} : traces[0];
}

TEST(DescentGrading, CorrectRecordsPass) {
  DescentCase c = make_case(2.0, 1.0, 0.1, 6);
  CaseTrace trace = grade_one(c, correct_records(c));
  EXPECT_TRUE(trace.passed);
  EXPECT_FALSE(trace.first_wrong);
  EXPECT_NE(std::string::npos, trace_text(trace).find("Final weight: 1.26 (target was 1)"));
  EXPECT_NE(std::string::npos, trace_text(trace).find("w converges to the target"));
}

TEST(DescentGrading, DivergenceIsSpelledOut) {
  DescentCase c = make_case(2.0, 1.0, 1.1, 6);
  CaseTrace trace = grade_one(c, correct_records(c));
  EXPECT_TRUE(trace.passed);
  std::string text = trace_text(trace);
  EXPECT_NE(std::string::npos, text.find("1 − 2 × 1.1 = -1.200")) << text;
  EXPECT_NE(std::string::npos, text.find("grows by a factor 1.200 every epoch, and w diverges"))
      << text;
  // The plot's last bar, for the largest distance 1.2^6, is the full width.
  EXPECT_NE(std::string::npos, text.find("final │" +
                                         [] {
                                           std::string bar;
                                           for (int i = 0; i < 40; ++i) {
                                             bar += "█";
                                           }
                                           return bar;
                                         }() +
                                         " 2.986"))
      << text;
}

// Far from the target the values are large; the relative tolerance must
// still accept rounding in the last digits and reject a real error.
TEST(DescentGrading, LargeValuesUseRelativeTolerance) {
  DescentCase c = make_case(4000.0, -3000.0, 1.2, 4);
  double largest = 0;
  for (const engine::DescentEpoch& e :
       engine::descent_trajectory(c.start, c.target, c.learning_rate, c.epochs)) {
    largest = std::max(largest, std::abs(e.loss));
  }
  ASSERT_GT(largest, 1e8);

  CaseTrace rounded = grade_one(c, records_for(c, [](std::size_t, engine::DescentEpoch& row) {
                                  row.loss *= 1 + 1e-12;
                                  row.weight *= 1 + 1e-12;
                                }));
  EXPECT_TRUE(rounded.passed);

  CaseTrace wrong = grade_one(c, records_for(c, [](std::size_t e, engine::DescentEpoch& row) {
                                if (e == 2) {
                                  row.loss *= 1 + 1e-5;
                                }
                              }));
  EXPECT_FALSE(wrong.passed);
  ASSERT_TRUE(wrong.first_wrong);
  EXPECT_EQ("loss", wrong.first_wrong->check.label);
  EXPECT_EQ("epoch 2", wrong.first_wrong->where);
}

TEST(DescentGrading, NanAndInfinityAreWrong) {
  DescentCase c = make_case(2.0, 1.0, 0.1, 3);
  CaseTrace nan = grade_one(c, records_for(c, [](std::size_t e, engine::DescentEpoch& row) {
                              if (e == 1) {
                                row.gradient = std::numeric_limits<double>::quiet_NaN();
                              }
                            }));
  ASSERT_TRUE(nan.first_wrong);
  EXPECT_EQ("gradient", nan.first_wrong->check.label);
  EXPECT_EQ("epoch 1", nan.first_wrong->where);

  CaseTrace infinite = grade_one(c, records_for(c, [](std::size_t e, engine::DescentEpoch& row) {
                                   if (e == 0) {
                                     row.weight = std::numeric_limits<double>::infinity();
                                   }
                                 }));
  ASSERT_TRUE(infinite.first_wrong);
  EXPECT_EQ("weight", infinite.first_wrong->check.label);
  EXPECT_EQ("epoch 0", infinite.first_wrong->where);
  EXPECT_NE(std::string::npos, trace_text(infinite).find("0 │ (not a finite number)"));
}

// The helpers are checked at the start, apart from the log, so helpers that
// return constants fail even when the log is right.
TEST(DescentGrading, WrongHelperFailsBeforeLog) {
  DescentCase c = make_case(2.0, 1.0, 0.1, 3);
  std::string records = replace_first(correct_records(c), "value loss 1\n", "value loss 42\n");
  CaseTrace trace = grade_one(c, records);
  EXPECT_FALSE(trace.passed);
  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("loss(w, target)", trace.first_wrong->check.label);
  EXPECT_EQ("before training", trace.first_wrong->where);
  EXPECT_EQ(1.0, trace.first_wrong->check.expected);

  std::vector<ShownCheck> checks = shown_checks(trace);
  ASSERT_GE(checks.size(), 3u);
  EXPECT_FALSE(checks[0].check.passed);
  EXPECT_TRUE(checks[1].check.passed) << checks[1].check.label;
  EXPECT_TRUE(checks[2].check.passed) << checks[2].check.label;
}

// update() gets the reference's gradient, so its expected value does not
// depend on what gradient() returned.
TEST(DescentGrading, HelperUpdateUsesReferenceGradient) {
  DescentCase c = make_case(-1.5, 0.5, 0.3, 2);
  std::string records =
      replace_first(correct_records(c), "value gradient -4\n", "value gradient 7\n");
  CaseTrace trace = grade_one(c, records);
  std::vector<ShownCheck> checks = shown_checks(trace);
  ASSERT_GE(checks.size(), 3u);
  EXPECT_EQ("gradient(w, target)", checks[1].check.label);
  EXPECT_FALSE(checks[1].check.passed);
  EXPECT_EQ("update(gradient, learning_rate)", checks[2].check.label);
  EXPECT_TRUE(checks[2].check.passed);
  // −0.3 × (−4) = 1.2, from the reference gradient 2 × (−1.5 − 0.5).
  EXPECT_NEAR(1.2, checks[2].check.expected, 1e-15);
  EXPECT_EQ("−0.3 × (-4.000)", checks[2].check.formula);
}

TEST(DescentGrading, MissingHelperStepFails) {
  DescentCase c = make_case(2.0, 1.0, 0.1, 2);
  std::string records = correct_records(c);
  records.erase(records.find("step -1\n"), helper_records(c).size());
  CaseTrace trace = grade_one(c, records);
  EXPECT_FALSE(trace.passed);
  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("loss(w, target)", trace.first_wrong->check.label);
  EXPECT_FALSE(trace.first_wrong->check.actual);
}

TEST(DescentGrading, MissingFinalWeightFails) {
  DescentCase c = make_case(2.0, 1.0, 0.1, 2);
  std::string records = correct_records(c);
  records = records.substr(0, records.find("step 2\n")) + "end\n";
  CaseTrace trace = grade_one(c, records);
  EXPECT_FALSE(trace.passed);
  EXPECT_FALSE(trace.first_wrong);
}

// End to end: the shipped solution, the stub and typical mistakes.

fs::path scratch() { return scratch_dir("descent-test"); }

LessonResult check_file(const fs::path& exercise) {
  return check_exercise(kLessonDir, exercise, scratch());
}

fs::path mutated_solution(const std::string& name, const std::vector<Replacement>& edits) {
  return write_mutated_copy(kSolution, scratch(), name, edits);
}

TEST(LessonFour, SolutionPassesEveryCase) {
  LessonResult result = check_file(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  const DescentSpec& spec = spec_as<DescentSpec>(load_lesson(kLessonDir).spec);
  EXPECT_EQ(spec.cases.size() + static_cast<std::size_t>(spec.hidden.count), result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
  }
}

TEST(LessonFour, StubReportsEveryFunctionInOrder) {
  LessonResult result = check_file(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;

  std::vector<std::string> names;
  for (const std::string& function : result.missing_functions) {
    names.push_back(short_function_name(function));
  }
  EXPECT_EQ((std::vector<std::string>{"loss", "gradient", "update", "train"}), names);
}

struct Mutation {
  std::string name;
  std::vector<Replacement> edits;
  std::string first_wrong;    // the label the trace must name
  std::string where;          // and where
  bool fails_gradient_check;  // the central differences also disagree
};

// Names the mutation in test output instead of dumping its bytes.
void PrintTo(const Mutation& mutation, std::ostream* out) { *out << mutation.name; }

class LessonFourMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(LessonFourMutation, FailsAtFirstWrongValue) {
  const Mutation& mutation = GetParam();
  LessonResult result = check_file(mutated_solution(mutation.name, mutation.edits));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& public_case = result.traces.at(0);
  ASSERT_FALSE(public_case.passed);
  ASSERT_TRUE(public_case.first_wrong);
  EXPECT_EQ(mutation.first_wrong, public_case.first_wrong->check.label);
  EXPECT_EQ(mutation.where, public_case.first_wrong->where);

  // The first ✗ in the printed trace is that same value.
  for (const auto& [heading, check] : shown_checks(public_case)) {
    if (!check.passed) {
      EXPECT_EQ(mutation.first_wrong, check.label);
      break;
    }
  }
  EXPECT_EQ(mutation.fails_gradient_check, gradient_check_failed(public_case));
}

INSTANTIATE_TEST_SUITE_P(
    TypicalMistakes, LessonFourMutation,
    ::testing::Values(Mutation{"gradient_without_two",
                               {{"return 2.0 * (w - target);", "return w - target;"}},
                               "gradient(w, target)",
                               "before training",
                               true},
                      Mutation{"update_with_plus",
                               {{"return -learning_rate * gradient;",
                                 "return learning_rate * gradient;"}},
                               "update(gradient, learning_rate)",
                               "before training",
                               false},
                      // The row is filled in after the update, so it shows the next
                      // epoch's weight: every row is one epoch late.
                      Mutation{"row_recorded_after_update",
                               {{"    Epoch row;\n",
                                 "    w += update(gradient(w, target), learning_rate);\n"
                                 "    Epoch row;\n"},
                                {"    w += row.update;\n", ""}},
                               "weight",
                               "epoch 0",
                               false},
                      // |w - t| equals (w - t)^2 at distance 1, so loss() at the start
                      // and epoch 0 still pass.
                      Mutation{"loss_as_absolute_value",
                               {{"return error * error;", "return error < 0 ? -error : error;"}},
                               "loss",
                               "epoch 1",
                               false}),
    [](const auto& info) { return info.param.name; });

// Each row is checked at the learner's own weight, which the learner's own
// updates led to, so an update of half the step is wrong in the Update
// column only, and the weights it leads to are not marked. update() on its
// own, before training, is the first wrong value.
TEST(LessonFour, HalfStepMarksOnlyUpdates) {
  LessonResult result = check_file(mutated_solution(
      "half_step",
      {{"return -learning_rate * gradient;", "return -0.5 * learning_rate * gradient;"}}));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& public_case = result.traces.at(0);
  ASSERT_TRUE(public_case.first_wrong);
  EXPECT_EQ("update(gradient, learning_rate)", public_case.first_wrong->check.label);
  EXPECT_EQ("before training", public_case.first_wrong->where);
  EXPECT_FALSE(gradient_check_failed(public_case));

  std::optional<Table> log;
  for (const Section& section : public_case.sections) {
    for (const TraceLine& line : section.lines) {
      if (line.table) {
        log = line.table;
      }
    }
  }
  ASSERT_TRUE(log);
  ASSERT_EQ(7u, log->rows.size()) << "6 epochs and the final weight";

  for (std::size_t e = 0; e < 6; ++e) {
    const std::vector<Cell>& row = log->rows[e];
    ASSERT_EQ(5u, row.size());
    EXPECT_EQ(std::to_string(e), row[0].text);
    for (std::size_t column = 1; column < 5; ++column) {
      ASSERT_TRUE(row[column].check) << log->header[column] << ", epoch " << e;
      bool is_update = log->header[column] == "Update";
      EXPECT_EQ(!is_update, row[column].check->passed) << log->header[column] << ", epoch " << e;
    }
  }

  const std::vector<Cell>& last = log->rows[6];
  EXPECT_EQ("final", last[0].text);
  ASSERT_TRUE(last[1].check);
  EXPECT_TRUE(last[1].check->passed);
}

// A copy of the solution whose helpers return constants, while train()
// computes every value inline.
fs::path inline_training_with_constant_helpers() {
  return write_mutated_copy(
      kSolution, scratch(), "constant_helpers",
      {{"  double error = w - target;\n  return error * error;", "  return 42.0;"},
       {"return 2.0 * (w - target);", "return 0.0;"},
       {"return -learning_rate * gradient;", "return 0.0;"},
       {"row.loss = loss(w, target);", "row.loss = (w - target) * (w - target);"},
       {"row.gradient = gradient(w, target);", "row.gradient = 2.0 * (w - target);"},
       {"row.update = update(row.gradient, learning_rate);",
        "row.update = -learning_rate * row.gradient;"}},
      Match::unique);
}

// The log of train() is right, but the helpers that the lesson requires are not,
// so every case fails at loss(), which the trace shows before the log.
TEST(LessonFour, ConstantHelpersFailDespiteRightLog) {
  LessonResult result = check_file(inline_training_with_constant_helpers());
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  ASSERT_FALSE(result.traces.empty());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_FALSE(trace.passed) << trace.name;
    ASSERT_TRUE(trace.first_wrong) << trace.name;
    EXPECT_EQ("loss(w, target)", trace.first_wrong->check.label) << trace.name;
    EXPECT_EQ("before training", trace.first_wrong->where) << trace.name;
  }

  const CaseTrace& public_case = result.traces.at(0);
  std::vector<ShownCheck> checks = shown_checks(public_case);
  ASSERT_GE(checks.size(), 4u);
  // loss(2, 1) = 1, gradient(2, 1) = 2, update(2, 0.1) = −0.2.
  EXPECT_EQ("loss(w, target)", checks[0].check.label);
  EXPECT_EQ(std::optional<double>(42.0), checks[0].check.actual);
  EXPECT_EQ(1.0, checks[0].check.expected);
  EXPECT_EQ("gradient(w, target)", checks[1].check.label);
  EXPECT_FALSE(checks[1].check.passed);
  EXPECT_EQ(2.0, checks[1].check.expected);
  EXPECT_EQ("update(gradient, learning_rate)", checks[2].check.label);
  EXPECT_FALSE(checks[2].check.passed);
  EXPECT_NEAR(-0.2, checks[2].check.expected, 1e-15);

  // Every value of the log itself is right.
  for (std::size_t i = 3; i < checks.size(); ++i) {
    EXPECT_TRUE(checks[i].check.passed) << checks[i].heading << ": " << checks[i].check.label;
  }
}

// The reverse: with right helpers, a train() that steps uphill with its own
// inline update fails in the log, while the helpers pass.
TEST(LessonFour, RightHelpersFailWithWrongTraining) {
  LessonResult result = check_file(
      mutated_solution("uphill_training", {{"row.update = update(row.gradient, learning_rate);",
                                            "row.update = learning_rate * row.gradient;"}}));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& public_case = result.traces.at(0);
  ASSERT_TRUE(public_case.first_wrong);
  EXPECT_EQ("update", public_case.first_wrong->check.label);
  EXPECT_EQ("epoch 0", public_case.first_wrong->where);

  std::vector<ShownCheck> checks = shown_checks(public_case);
  ASSERT_GE(checks.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(checks[0].heading, checks[i].heading);
    EXPECT_TRUE(checks[i].check.passed) << checks[i].check.label;
  }
}

TEST(RunnerCommand, LessonFourPrintsTextbookTable) {
  CommandOutput output = run_runner("lesson 4 --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  // The textbook's table for w = 2.0, target 1.0, learning rate 0.1.
  for (const char* line : {
           "Your loss(), gradient() and update() on their own, at the start weight\n"
           "  ✓ loss(w, target) = (2.000 − 1.000)² = 1.000\n"
           "  ✓ gradient(w, target) = 2 × (2.000 − 1.000) = 2.000\n"
           "  ✓ update(gradient, learning_rate) = −0.1 × 2.000 = -0.200  (given the right "
           "gradient)\n"
           "Learning the weight that minimises (w − target)²\n",
           "Epoch │ Weight │ Loss   │ Gradient │ Update",
           "0     │ 2.00 ✓ │ 1.00 ✓ │ 2.00 ✓   │ -0.20 ✓",
           "2     │ 1.64 ✓ │ 0.41 ✓ │ 1.28 ✓   │ -0.13 ✓",
           "5     │ 1.33 ✓ │ 0.11 ✓ │ 0.66 ✓   │ -0.07 ✓",
           "final │ 1.26 ✓ │",
           "Final weight: 1.26 (target was 1)",
           "✓ dL/dw at w = 2.000 = 2.000  (numerically 2.000000",
           "So |w − target| grows by a factor 1.200 every epoch, and w diverges",
       }) {
    EXPECT_NE(std::string::npos, output.text.find(line)) << line << "\n" << output.text;
  }
  EXPECT_NE(std::string::npos, output.text.find("Lesson 4 passed")) << output.text;
}

TEST(RunnerCommand, LessonFourPlainOutputIsAscii) {
  CommandOutput output = run_runner("lesson 4 --plain --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (char c : output.text) {
    ASSERT_LT(static_cast<unsigned char>(c), 128) << output.text;
  }
}

TEST(RunnerCommand, LessonFourStubExitsOne) {
  fs::path workspace = scratch() / "workspace";
  fs::remove_all(workspace);
  CommandOutput output = run_runner("lesson 4 --workspace " + workspace.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("not implemented yet")) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("Not implemented yet: loss(), gradient(), update(), train()."))
      << output.text;
}

TEST(RunnerCommand, LessonFourMutationNamesFirstWrongValue) {
  fs::path exercise = mutated_solution(
      "command_plus", {{"return -learning_rate * gradient;", "return learning_rate * gradient;"}});
  CommandOutput output = run_runner("lesson 4 --exercise " + exercise.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("First wrong value: update(gradient, learning_rate) (before training, "
                             "case 'public')"))
      << output.text;
  EXPECT_NE(std::string::npos, output.text.find("You have 0.200, expected -0.200")) << output.text;
  // The log's own Update column is wrong too, with two decimals.
  EXPECT_NE(std::string::npos, output.text.find("0     │ 2.00 ✓ │ 1.00 ✓ │ 2.00 ✓   │ 0.20 ✗"))
      << output.text;
}

TEST(RunnerCommand, LessonFourConstantHelpersNamed) {
  CommandOutput output =
      run_runner("lesson 4 --exercise " + inline_training_with_constant_helpers().string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("  ✗ loss(w, target) = 42.000\n"
                             "      you have 42.000, expected (2.000 − 1.000)² = 1.000 "
                             "(reference), off by 41\n"))
      << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("First wrong value: loss(w, target) (before training, case "
                             "'public')"))
      << output.text;
  EXPECT_EQ(std::string::npos, output.text.find("Lesson 4 passed")) << output.text;
}

TEST(RunnerCommand, ExtraEpochIsInvalidResultNotException) {
  fs::path exercise = mutated_solution("command_extra_epoch",
                                       {{"for (int epoch = 0; epoch < epochs; ++epoch) {",
                                         "for (int epoch = 0; epoch <= epochs; ++epoch) {"}});
  CommandOutput output = run_runner("lesson 4 --exercise " + exercise.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("train: train() returned 7 rows for 6 epochs"))
      << output.text;
  EXPECT_EQ(std::string::npos, output.text.find("threw an exception")) << output.text;
}

}  // namespace
}  // namespace gradlings::runner
