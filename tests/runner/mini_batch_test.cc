// Lesson 8 end to end: the shipped solution, the stub and typical mistakes
// on mini-batches, compiled and run exactly as `runner lesson 8` does.
#include <gtest/gtest.h>

#include "runner/kinds/mini_batch.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "08-mini-batches";
const fs::path kSolution = kRoot / "solutions" / "08-mini-batches" / "exercise.cpp";

fs::path scratch() { return scratch_dir("mini-batch-test"); }

LessonResult check(const fs::path& exercise) {
  return check_exercise(kLessonDir, exercise, scratch());
}

// Returns the heading of every section of `trace`, each followed by a newline.
std::string headings(const CaseTrace& trace) {
  std::string text;
  for (const Section& section : trace.sections) {
    text += section.heading + "\n";
  }
  return text;
}

TEST(LessonEight, SolutionPassesEveryCase) {
  LessonResult result = check(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  Lesson lesson = load_lesson(kLessonDir);
  EXPECT_EQ(21u, mini_batch_cases(spec_as<MiniBatchSpec>(lesson.spec)).size());
  EXPECT_EQ(21u, result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
  }
}

// The public case has 3 × 2 entries in Z1 and H, 3 in Y, and 3 + 2 + 1 +
// 6 + 6 + 4 + 2 in the backward pass. The gradient check and the update
// each have 4 + 2 + 2 + 1 entries, and the loss table has one per step.
// Later steps are hidden when they pass.
TEST(LessonEight, PublicTraceShowsFirstStepInFull) {
  LessonResult result = check(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  const CaseTrace& trace = result.traces.at(0);
  EXPECT_EQ("batch of 3, 2 inputs, 2 hidden units, 1 output, 3 steps", trace.setup);
  std::vector<ShownCheck> checks = shown_checks(trace);
  EXPECT_EQ(15u + 3u + 24u + 9u + 9u, checks.size());
  EXPECT_EQ("Z1[0][0]", checks.front().check.label);
  EXPECT_EQ("b2[0]", checks.at(checks.size() - 4).check.label);
  EXPECT_EQ("loss", checks.back().check.label);

  EXPECT_EQ(
      "Training step 1\nForward pass (batch of 3)\nBackward pass\n"
      "Gradient check (central differences at your weights)\n"
      "Weight updates (learning rate 0.5)\n"
      "Training (the loss of each step, from your weights at its start)\n",
      headings(trace));
}

// The loss of each step, from the PyTorch oracle of tests/engine: the table
// shows every step, and the learner's value is the reference's.
TEST(LessonEight, LossTableHasEveryStep) {
  LessonResult result = check(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  const Section& last = result.traces.at(0).sections.back();
  ASSERT_EQ(1u, last.lines.size());
  ASSERT_TRUE(last.lines[0].table);
  const Table& table = *last.lines[0].table;
  ASSERT_EQ(3u, table.rows.size());
  const double losses[] = {0.07806905656269969, 0.056544170154193406, 0.0549262911367778};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(std::to_string(i + 1), table.rows[i][0].text);
    ASSERT_TRUE(table.rows[i][1].check);
    EXPECT_NEAR(losses[i], *table.rows[i][1].check->actual, 1e-12);
    EXPECT_TRUE(table.rows[i][1].check->passed);
  }
}

TEST(LessonEight, StubReportsNotImplemented) {
  LessonResult result = check(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;
  EXPECT_EQ((std::vector<std::string>{"forward", "loss", "backward", "update"}),
            missing_names(result));
}

struct Mutation {
  std::string name;
  std::vector<Replacement> replacements;
  std::string first_wrong;    // the label the summary must name
  std::string where;          // and where
  bool fails_gradient_check;  // the central differences disagree too
};

void PrintTo(const Mutation& mutation, std::ostream* out) { *out << mutation.name; }

class LessonEightMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(LessonEightMutation, FailsAtFirstWrongValue) {
  const Mutation& mutation = GetParam();
  LessonResult result = check(
      write_mutated_copy(kSolution, scratch(), mutation.name, mutation.replacements, Match::unique));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& first_case = result.traces.at(0);
  ASSERT_FALSE(first_case.passed);
  ASSERT_TRUE(first_case.first_wrong);
  EXPECT_EQ(mutation.first_wrong, first_case.first_wrong->check.label);
  EXPECT_EQ(mutation.where, first_case.first_wrong->where);
  for (const auto& [heading, check] : shown_checks(first_case)) {
    if (!check.passed) {
      EXPECT_EQ(mutation.first_wrong, check.label) << heading;
      break;
    }
  }
  EXPECT_EQ(mutation.fails_gradient_check, gradient_check_failed(first_case));
  for (const CaseTrace& trace : result.traces) {
    EXPECT_FALSE(trace.passed) << trace.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Mutations, LessonEightMutation,
    ::testing::Values(
        Mutation{"bias_left_out_of_forward",
                 {{"values.Z1(r, j) += params.b1[j];", "values.Z1(r, j) += 0.0;"}},
                 "Z1[0][0]",
                 "step 1, forward pass",
                 true},
        // The loss is checked in the training table, after the forward pass.
        Mutation{"loss_summed_not_averaged",
                 {{"return total / Y.rows;", "return total;"}},
                 "loss",
                 "step 1, loss",
                 false},
        Mutation{"output_error_not_divided_by_batch",
                 {{"g.dY.data[i] = (values.Y.data[i] - T.data[i]) / batch;",
                   "g.dY.data[i] = values.Y.data[i] - T.data[i];"}},
                 "dY[0][0]",
                 "step 1, backward pass",
                 true},
        Mutation{"hidden_derivative_left_out",
                 {{"g.dZ1.data[i] = g.dH.data[i] * h * (1.0 - h);",
                   "g.dZ1.data[i] = g.dH.data[i] + 0.0 * h;"}},
                 "dZ1[0][0]",
                 "step 1, backward pass",
                 true},
        // Every gradient is right, and only the step goes the wrong way.
        Mutation{"update_uphill",
                 {{"next.W2.data[i] -= learning_rate * gradients.dW2.data[i];",
                   "next.W2.data[i] += learning_rate * gradients.dW2.data[i];"}},
                 "W2[0][0]",
                 "step 1, weight updates",
                 false}),
    [](const auto& info) { return info.param.name; });

// A later step that goes wrong is shown in full, and its first wrong value
// is named in that step. Here only step 2 of each case has a wrong dW2, so
// steps 1 and 3 pass.
TEST(LessonEight, LaterWrongStepShownInFull) {
  fs::path exercise = write_mutated_copy(
      kSolution, scratch(), "wrong_from_step_two",
      {{"Gradients g;", "static int calls = 0;\n  Gradients g;"},
       {"g.dW2 = matmul(transpose(g.dY), values.H);",
        "g.dW2 = matmul(transpose(g.dY), values.H);\n  if (++calls % 3 == 2) g.dW2(0, 0) += 0.5;"}},
      Match::unique);
  LessonResult result = check(exercise);
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& first_case = result.traces.at(0);
  ASSERT_TRUE(first_case.first_wrong);
  EXPECT_EQ("dW2[0][0]", first_case.first_wrong->check.label);
  EXPECT_EQ("step 2, backward pass", first_case.first_wrong->where);
  std::string text = headings(first_case);
  EXPECT_NE(std::string::npos, text.find("Training step 2\n")) << text;
  EXPECT_EQ(std::string::npos, text.find("Training step 3\n")) << text;
}

TEST(LessonEight, WrongShapeNamed) {
  fs::path exercise = write_mutated_copy(
      kSolution, scratch(), "dW1_wrong_shape",
      {{"g.dW1 = matmul(transpose(g.dZ1), X);", "g.dW1 = matmul(X, transpose(g.dZ1));"}},
      Match::unique);
  LessonResult result = check(exercise);
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& first_case = result.traces.at(0);
  ASSERT_TRUE(first_case.stop);
  EXPECT_EQ(StageStop::Reason::invalid, first_case.stop->reason);
  EXPECT_EQ("backward", first_case.stop->stage);
  EXPECT_EQ("dW1 is 3x3 with 9 entries, expected 2x2", first_case.stop->detail);
}

}  // namespace
}  // namespace gradlings::runner
