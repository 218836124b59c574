// Lesson 3 end to end: the shipped solution, the stub and typical mistakes,
// compiled and run exactly as `runner lesson 3` does.
#include <gtest/gtest.h>

#include "runner/kinds/network.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

const fs::path kLessonDir = kRoot / "lessons" / "03-xor";
const fs::path kSolution = kRoot / "solutions" / "03-xor" / "exercise.cpp";

fs::path scratch() { return scratch_dir("xor-test"); }

LessonResult check(const fs::path& exercise) {
  return check_exercise(kLessonDir, exercise, scratch());
}

TEST(LessonThree, SolutionPassesEveryCase) {
  LessonResult result = check(kSolution);
  ASSERT_EQ(Outcome::passed, result.outcome) << result.compiler_log;

  Lesson lesson = load_lesson(kLessonDir);
  EXPECT_EQ(network_cases(spec_as<NetworkSpec>(lesson.spec)).size(), result.traces.size());
  for (const CaseTrace& trace : result.traces) {
    EXPECT_TRUE(trace.passed) << trace.name;
  }
}

TEST(LessonThree, StubReportsNotImplemented) {
  LessonResult result = check(kLessonDir / "exercise.cpp");
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;
  EXPECT_EQ((std::vector<std::string>{"forward", "loss", "backward", "update", "train_epoch"}),
            missing_names(result));
}

TEST(LessonThree, MissingTrainEpochChecksSamplesFirst) {
  std::string solution = read_file(kSolution);
  std::string body = solution.substr(solution.find("Network train_epoch("));
  fs::path exercise = write_mutated_copy(
      kSolution, scratch(), "no_train_epoch",
      {{body,
        "Network train_epoch(Network network, const std::vector<Sample>& samples, "
        "double learning_rate) {\n  not_implemented();\n}\n"}});
  LessonResult result = check(exercise);
  ASSERT_EQ(Outcome::not_implemented, result.outcome) << result.compiler_log;
  EXPECT_EQ(std::vector<std::string>{"train_epoch"}, missing_names(result));

  const CaseTrace& trace = result.traces.at(0);
  ASSERT_TRUE(trace.stop);
  EXPECT_EQ("train_epoch", trace.stop->stage);
  EXPECT_FALSE(trace.first_wrong);
  int updates = 0;
  for (const Section& section : trace.sections) {
    updates += section.heading.starts_with("Update") ? 1 : 0;
  }
  EXPECT_EQ(4, updates);
}

// A train_epoch that returns the wrong shape ends the case at that epoch,
// before the learner's forward could read past the end of a layer.
TEST(LessonThree, TrainEpochOfWrongShapeStopsCase) {
  fs::path exercise =
      write_mutated_copy(kSolution, scratch(), "extra_layer",
                         {{"    network = update(network, gradients, learning_rate);\n  }\n",
                           "    network = update(network, gradients, learning_rate);\n  }\n"
                           "  network.layers.push_back(network.layers.back());\n"}});
  LessonResult result = check(exercise);
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;
  const CaseTrace& trace = result.traces.at(0);
  ASSERT_TRUE(trace.first_wrong);
  EXPECT_EQ("trained.layers.size()", trace.first_wrong->check.label);
  EXPECT_EQ("training, epoch 1", trace.first_wrong->where);
  EXPECT_EQ(3, trace.first_wrong->check.actual);
  EXPECT_EQ(2, trace.first_wrong->check.expected);
  EXPECT_EQ("After epoch 1: the network your train_epoch returned", trace.sections.back().heading);
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

class LessonThreeMutation : public ::testing::TestWithParam<Mutation> {};

TEST_P(LessonThreeMutation, FailsAtFirstWrongValue) {
  const Mutation& mutation = GetParam();
  LessonResult result =
      check(write_mutated_copy(kSolution, scratch(), mutation.name, mutation.replacements));
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& public_case = result.traces.at(0);
  ASSERT_FALSE(public_case.passed);
  ASSERT_TRUE(public_case.first_wrong);
  EXPECT_EQ(mutation.first_wrong, public_case.first_wrong->check.label);
  EXPECT_EQ(mutation.where, public_case.first_wrong->where);

  // Every value shown before the first ✗ is right, and the first ✗ is the
  // expected one.
  for (const auto& [heading, check] : shown_checks(public_case)) {
    if (!check.passed) {
      EXPECT_EQ(mutation.first_shown_wrong, check.label) << heading;
      break;
    }
  }
  EXPECT_EQ(mutation.fails_gradient_check, gradient_check_failed(public_case));
}

// Both sigmoid derivatives dropped and the error scaled by 0.1 at each
// layer: the update that the explanation shows stalling near 0.5.
const Mutation kScaledUpdate{
    "scaled_update_without_derivatives",
    {{"delta[j] = (output[j] - target[j]) * output[j] * (1.0 - output[j]);",
      "delta[j] = 0.1 * (output[j] - target[j]);"},
     {"below[i] = sum * input[i] * (1.0 - input[i]);", "below[i] = 0.1 * sum;"}},
    "delta[1][0]",
    "sample 1, backward pass",
    "delta[1][0]",
    true};

// sigmoid'(z) written as s * (1 - s) with s = z instead of s = sigmoid(z).
const Mutation kDerivativeAtZ{
    "sigmoid_derivative_at_z",
    {{"delta[j] = (output[j] - target[j]) * output[j] * (1.0 - output[j]);",
      "delta[j] = (output[j] - target[j]) * pass.z.back()[j] * (1.0 - pass.z.back()[j]);"}},
    "delta[1][0]",
    "sample 1, backward pass",
    "delta[1][0]",
    true};

// dW built as input × delta instead of delta × input: the output layer's
// 1 × 2 gradient comes out 2 × 1.
const Mutation kTransposedGradient{
    "transposed_weight_gradient",
    {{"g.dW.assign(delta.size(), std::vector<double>(input.size()));",
      "g.dW.assign(input.size(), std::vector<double>(delta.size()));"},
     {"g.dW[j][i] = delta[j] * input[i];", "g.dW[i][j] = delta[j] * input[i];"}},
    "gradients.layers[1].dW.size()",
    "sample 1, backward pass",
    "gradients.layers[1].dW.size()",
    false};

// Each layer's weights change as soon as its gradient is known, and the
// error then travels back through the changed weights. Every single-sample
// check passes, but the trajectory does not.
const Mutation kUpdateBeforePropagating{"update_before_propagating",
                                        {{R"(    ForwardPass pass = forward(network, sample.x);
    Gradients gradients = backward(network, pass, sample.target);
    network = update(network, gradients, learning_rate);)",
                                          R"(    ForwardPass pass = forward(network, sample.x);
    const std::vector<double>& output = pass.a.back();
    std::vector<double> delta(output.size());
    for (std::size_t j = 0; j < output.size(); ++j) {
      delta[j] = (output[j] - sample.target[j]) * output[j] * (1.0 - output[j]);
    }
    for (std::size_t l = network.layers.size(); l-- > 0;) {
      Layer& layer = network.layers[l];
      const std::vector<double>& input = l == 0 ? pass.x : pass.a[l - 1];
      for (std::size_t j = 0; j < delta.size(); ++j) {
        for (std::size_t i = 0; i < input.size(); ++i) {
          layer.W[j][i] -= learning_rate * delta[j] * input[i];
        }
        layer.b[j] -= learning_rate * delta[j];
      }
      if (l == 0) {
        break;
      }
      std::vector<double> below(input.size());
      for (std::size_t i = 0; i < input.size(); ++i) {
        double sum = 0.0;
        for (std::size_t j = 0; j < delta.size(); ++j) {
          sum += layer.W[j][i] * delta[j];
        }
        below[i] = sum * input[i] * (1.0 - input[i]);
      }
      delta = below;
    })"}},
                                        "W[0][0][0]",
                                        "training, epoch 1",
                                        "average loss",
                                        false};

INSTANTIATE_TEST_SUITE_P(TypicalMistakes, LessonThreeMutation,
                         ::testing::Values(kScaledUpdate, kDerivativeAtZ, kTransposedGradient,
                                           kUpdateBeforePropagating),
                         [](const auto& info) { return info.param.name; });

TEST(LessonThree, ScaledUpdateReportsRelativeError) {
  LessonResult result = check(
      write_mutated_copy(kSolution, scratch(), "scaled_update_note", kScaledUpdate.replacements));
  std::vector<std::string> notes;
  for (const auto& [heading, check] : shown_checks(result.traces.at(0))) {
    if (heading.starts_with("Gradient check") && !check.passed) {
      notes.push_back(check.label + ": " + check.note);
    }
  }
  ASSERT_GE(notes.size(), 2u);
  // The numbers quoted in the lesson's explanation.
  EXPECT_NE(std::string::npos, notes[0].find("relative error 3.8e-01")) << notes[0];
  EXPECT_NE(std::string::npos, notes[1].find("relative error 6.9e-01")) << notes[1];
}

TEST(LessonThreeCommand, SolutionPrintsTrainingTrace) {
  CommandOutput output = run_runner("lesson 3 --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  for (const char* line : {
           "Epoch │ Avg Loss │ XOR(0,0) │ XOR(0,1) │ XOR(1,0) │ XOR(1,1)",
           "0     │ 0.1413 ✓ │ 0.666 ✓  │ 0.685 ✓  │ 0.679 ✓  │ 0.695 ✓",
           "2000  │ 0.0009 ✓ │ 0.035 ✓  │ 0.961 ✓  │ 0.961 ✓  │ 0.050 ✓",
           "Input │ Target │ Prediction │ Correct?",
           "0, 1  │ 1.000  │ 0.961 ✓    │ ✓",
           "Loss curve: your average loss after each epoch",
           "└────",
           "✓ loss = 0.5 × (0.666 − 0.000)² = 0.222",
           "Lesson 3 passed",
       }) {
    EXPECT_NE(std::string::npos, output.text.find(line)) << line << "\n" << output.text;
  }
}

TEST(LessonThreeCommand, PlainOutputIsAscii) {
  CommandOutput output = run_runner("lesson 3 --plain --exercise " + kSolution.string());
  EXPECT_EQ(0, output.status) << output.text;
  EXPECT_TRUE(is_ascii(output.text)) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("| XOR(0,0) | XOR(0,1) | XOR(1,0) | XOR(1,1)"))
      << output.text;
}

TEST(LessonThreeCommand, StubExitsOneWithNotImplemented) {
  fs::path workspace = scratch() / "workspace";
  fs::remove_all(workspace);
  CommandOutput output = run_runner("lesson 3 --workspace " + workspace.string());
  EXPECT_EQ(1, output.status) << output.text;
  EXPECT_NE(std::string::npos, output.text.find("not implemented yet")) << output.text;
  EXPECT_EQ(read_file(kLessonDir / "exercise.cpp"),
            read_file(workspace / "03-xor" / "exercise.cpp"));
}

}  // namespace
}  // namespace gradlings::runner
