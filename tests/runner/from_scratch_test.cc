// Lesson 7 end to end: the shipped solution, the stub and typical mistakes
// on networks of any shape, compiled and run exactly as `runner lesson 7`
// does.
#include <gtest/gtest.h>

#include "runner/kinds/network.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "07-network-from-scratch";
const fs::path kSolution = kRoot / "solutions" / "07-network-from-scratch" / "exercise.cpp";

fs::path scratch() { return scratch_dir("from-scratch-test"); }

LessonResult check(const fs::path& exercise) {
  return check_exercise(kLessonDir, exercise, scratch());
}

TEST(LessonSeven, SolutionPassesEveryCase) {
  LessonResult result = check(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  Lesson lesson = load_lesson(kLessonDir);
  EXPECT_EQ(network_cases(spec_as<NetworkSpec>(lesson.spec)).size(), result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
  }
}

TEST(LessonSeven, StubReportsNotImplemented) {
  LessonResult result = check(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;
  EXPECT_EQ((std::vector<std::string>{"forward", "loss", "backward", "update", "train_epoch"}),
            missing_names(result));
}

struct Mutation {
  std::string name;
  std::vector<Replacement> replacements;
  std::string first_wrong;        // the label the summary must name
  std::string where;              // and where
  std::string first_shown_wrong;  // the first ✗ in the trace, top to bottom
  bool fails_gradient_check;      // the central differences of the learner's loss disagree too
};

// Names a mutation by its name alone in test listings.
void PrintTo(const Mutation& mutation, std::ostream* out) { *out << mutation.name; }

class LessonSevenMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(LessonSevenMutation, FailsAtFirstWrongValue) {
  const Mutation& mutation = GetParam();
  LessonResult result =
      check(write_mutated_copy(kSolution, scratch(), mutation.name, mutation.replacements));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& first_case = result.traces.at(0);
  ASSERT_FALSE(first_case.passed);
  ASSERT_TRUE(first_case.first_wrong);
  EXPECT_EQ(mutation.first_wrong, first_case.first_wrong->check.label);
  EXPECT_EQ(mutation.where, first_case.first_wrong->where);
  for (const auto& [heading, check] : shown_checks(first_case)) {
    if (!check.passed) {
      EXPECT_EQ(mutation.first_shown_wrong, check.label) << heading;
      break;
    }
  }
  EXPECT_EQ(mutation.fails_gradient_check, gradient_check_failed(first_case));
}

// The loss without the 1/2 while backward still starts from a - target: the
// mismatch that the explanation describes.
const Mutation kHalfMissing{"half_missing_from_loss",
                            {{"return 0.5 * total;", "return total;"}},
                            "loss",
                            "sample 1, loss",
                            "loss",
                            true};

const Mutation kHiddenDerivativeAtZ{
    "hidden_sigmoid_derivative_at_z",
    {{"below[i] = sum * input[i] * (1.0 - input[i]);",
      "below[i] = sum * pass.z[l - 1][i] * (1.0 - pass.z[l - 1][i]);"}},
    "delta[0][0]",
    "sample 1, backward pass",
    "delta[0][0]",
    true};

// dW built as input × delta: the output layer's 1 × 2 gradient comes out 2 × 1.
const Mutation kTransposedGradient{
    "transposed_weight_gradient",
    {{"g.dW.assign(delta.size(), std::vector<double>(input.size()));",
      "g.dW.assign(input.size(), std::vector<double>(delta.size()));"},
     {"g.dW[j][i] = delta[j] * input[i];", "g.dW[i][j] = delta[j] * input[i];"}},
    "gradients.layers[1].dW.size()",
    "sample 1, backward pass",
    "gradients.layers[1].dW.size()",
    false};

// Every forward pass of the epoch taken from the weights the epoch started
// with, so the later samples' gradients use stale activations.
const Mutation kStaleForwardPasses{"stale_forward_passes",
                                   {{R"(  for (const Sample& sample : samples) {
    ForwardPass pass = forward(network, sample.x);
    Gradients gradients = backward(network, pass, sample.target);
    network = update(network, gradients, learning_rate);
  })",
                                     R"(  std::vector<ForwardPass> passes;
  for (const Sample& sample : samples) {
    passes.push_back(forward(network, sample.x));
  }
  for (std::size_t k = 0; k < samples.size(); ++k) {
    Gradients gradients = backward(network, passes[k], samples[k].target);
    network = update(network, gradients, learning_rate);
  })"}},
                                   "W[0][0][0]",
                                   "training, epoch 1",
                                   "average loss",
                                   false};

INSTANTIATE_TEST_SUITE_P(TypicalMistakes, LessonSevenMutation,
                         ::testing::Values(kHalfMissing, kHiddenDerivativeAtZ, kTransposedGradient,
                                           kStaleForwardPasses),
                         [](const auto& info) { return info.param.name; });

// The explanation's claim: without the 1/2, each gradient is half the
// derivative of the reported loss, a relative error of 1/3 everywhere.
TEST(LessonSeven, MissingHalfFailsGradientCheck) {
  LessonResult result =
      check(write_mutated_copy(kSolution, scratch(), "half_note", kHalfMissing.replacements));
  int failed = 0;
  for (const auto& [heading, check] : shown_checks(result.traces.at(0))) {
    if (heading.starts_with("Gradient check")) {
      EXPECT_FALSE(check.passed) << check.label;
      EXPECT_NE(std::string::npos, check.note.find("relative error 3.3e-01")) << check.note;
      ++failed;
    }
  }
  EXPECT_EQ(2 * 4, failed);  // two layers, four samples
}

// A mistake that only a shape other than 1 → 2 → 1 shows: the output delta
// computed for the first output only.
TEST(LessonSeven, SingleOutputAssumptionFailsDeeperNetwork) {
  fs::path exercise = write_mutated_copy(
      kSolution, scratch(), "single_output",
      {{"std::vector<double> delta(output.size());", "std::vector<double> delta(1);"},
       {"for (std::size_t j = 0; j < output.size(); ++j) {\n    delta[j] = (output[j]",
        "for (std::size_t j = 0; j < 1; ++j) {\n    delta[j] = (output[j]"}});
  LessonResult result = check(exercise);
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;
  EXPECT_TRUE(result.traces.at(0).passed);
  const CaseTrace& deeper = result.traces.at(1);
  EXPECT_EQ("deeper network", deeper.name);
  ASSERT_TRUE(deeper.first_wrong);
  EXPECT_EQ("gradients.layers[2].delta.size()", deeper.first_wrong->check.label);
}

TEST(LessonSevenCommand, SolutionPredictsHeldOutPoint) {
  CommandOutput output = run_runner("lesson 7 --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (const char* line : {
           "Epoch │ Avg Loss │ f(0.1)  │ f(0.5)  │ f(0.8)  │ f(1)    │ f(0.7) (test)",
           "2000  │ 0.0017 ✓ │",
           "│ 0.487 ✓",
           "Input │ Target │ Prediction │ Correct? │ Trained on",
           "0.7   │ 0.490  │ 0.487 ✓    │ ✓        │ no",
           "weights from random_network({1, 2, 1}, 1)",
           "Lesson 7 passed",
       }) {
    EXPECT_NE(std::string::npos, output.text.find(line)) << line << "\n" << output.text;
  }
}

TEST(LessonSevenCommand, PlainOutputIsAscii) {
  CommandOutput output = run_runner("lesson 7 --plain --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  EXPECT_TRUE(is_ascii(output.text)) << output.text;
}

TEST(LessonSevenCommand, StubExitsOneWithNotImplemented) {
  fs::path workspace = scratch() / "workspace";
  fs::remove_all(workspace);
  CommandOutput output = run_runner("lesson 7 --workspace " + workspace.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("not implemented yet")) << output.text;
}

}  // namespace
}  // namespace gradlings::runner
