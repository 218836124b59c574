// Typical mistakes, each put into a shipped solution and checked end to end:
// the trace must name the mistake at the first wrong value, and name no
// other mistake anywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "runner/check.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

fs::path scratch() { return scratch_dir("mistakes-test"); }

fs::path lesson_dir(const std::string& name) { return kRoot / "lessons" / name; }

fs::path solution(const std::string& name) { return kRoot / "solutions" / name / "exercise.cpp"; }

struct Mistaken {
  std::string name;
  std::string lesson;  // the folder under lessons/ and solutions/
  std::vector<Replacement> replacements;
  std::string first_wrong;             // the label of the first wrong value
  std::string diagnosis;               // its diagnosis, exactly; "" when none must be named
  std::vector<std::string> also = {};  // other mistakes that later values may name
};

void PrintTo(const Mistaken& mistaken, std::ostream* out) { *out << mistaken.name; }

// Returns every diagnosis in the trace, in the order the report shows them.
std::vector<std::string> diagnoses(const CaseTrace& trace) {
  std::vector<std::string> found;
  for (const auto& [heading, check] : shown_checks(trace)) {
    if (!check.diagnosis.empty()) {
      found.push_back(check.diagnosis);
    }
  }
  return found;
}

std::string mistake_of(const std::string& diagnosis) {
  return diagnosis.substr(0, diagnosis.find(". "));
}

class LessonMistake : public ::testing::TestWithParam<Mistaken> {};

TEST_P(LessonMistake, NamesItAtFirstWrongValue) {
  const Mistaken& mistaken = GetParam();
  fs::path exercise = write_mutated_copy(solution(mistaken.lesson), scratch(), mistaken.name,
                                         mistaken.replacements, Match::unique);
  LessonResult result = check_exercise(lesson_dir(mistaken.lesson), exercise, scratch());
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& first_case = result.traces.at(0);
  ASSERT_TRUE(first_case.first_wrong);
  EXPECT_EQ(mistaken.first_wrong, first_case.first_wrong->check.label);
  EXPECT_EQ(mistaken.diagnosis, first_case.first_wrong->check.diagnosis);

  // Every other diagnosis names the same mistake, and none appears on a
  // passing check.
  for (const CaseTrace& trace : result.traces) {
    for (const std::string& diagnosis : diagnoses(trace)) {
      EXPECT_FALSE(mistaken.diagnosis.empty()) << trace.name << ": " << diagnosis;
      std::string mistake = mistake_of(diagnosis);
      bool allowed =
          mistake == mistake_of(mistaken.diagnosis) ||
          std::find(mistaken.also.begin(), mistaken.also.end(), mistake) != mistaken.also.end();
      EXPECT_TRUE(allowed) << trace.name << ": " << diagnosis;
    }
    for (const auto& [heading, check] : shown_checks(trace)) {
      EXPECT_TRUE(check.diagnosis.empty() || !check.passed) << check.label;
    }
  }
}

const std::string kTwoLayer = "02-two-layer-network";
const std::string kFromScratch = "07-network-from-scratch";

INSTANTIATE_TEST_SUITE_P(
    LessonTwo, LessonMistake,
    ::testing::Values(
        Mistaken{"error_doubled",
                 kTwoLayer,
                 {{"g.dL_da2 = values.a2 - target;", "g.dL_da2 = 2.0 * (values.a2 - target);"}},
                 "dL/da2",
                 "the value is twice the right one. The 0.5 of the loss cancels the 2 of the "
                 "square, so dL/da2 = a2 − target"},
        Mistaken{"error_sign_flipped",
                 kTwoLayer,
                 {{"g.dL_da2 = values.a2 - target;", "g.dL_da2 = target - values.a2;"}},
                 "dL/da2",
                 "the sign is flipped. dL/da2 = a2 − target, not target − a2"},
        Mistaken{"error_scaled_by_constant",
                 kTwoLayer,
                 {{"g.dL_da2 = values.a2 - target;", "g.dL_da2 = 1.3 * (values.a2 - target);"}},
                 "dL/da2",
                 ""},
        Mistaken{"output_derivative_missing",
                 kTwoLayer,
                 {{"g.dL_dz2 = g.dL_da2 * g.da2_dz2;", "g.dL_dz2 = g.dL_da2;"}},
                 "dL/dz2",
                 "the sigmoid's derivative is missing. dL/dz2 = dL/da2 × da2/dz2, so multiply "
                 "by the sigmoid's derivative"},
        Mistaken{"output_derivative_constant",
                 kTwoLayer,
                 {{"g.da2_dz2 = values.a2 * (1.0 - values.a2);", "g.da2_dz2 = 1.0;"}},
                 "da2/dz2",
                 ""},
        Mistaken{"output_derivative_at_z",
                 kTwoLayer,
                 {{"g.da2_dz2 = values.a2 * (1.0 - values.a2);",
                   "g.da2_dz2 = values.z2 * (1.0 - values.z2);"}},
                 "da2/dz2",
                 "the sigmoid's derivative is taken at z instead of a. It is a2 × (1 − a2), "
                 "written with the output a2, not with z2"},
        Mistaken{"hidden_derivative_of_a",
                 kTwoLayer,
                 {{"g.da1_dz1 = values.a1 * (1.0 - values.a1);",
                   "g.da1_dz1 = sigmoid(values.a1) * (1.0 - sigmoid(values.a1));"}},
                 "da1/dz1",
                 "the sigmoid is applied twice, so its derivative is taken at a instead of z. a1 "
                 "is already sigmoid(z1), so its derivative is a1 × (1 − a1)"},
        Mistaken{"w2_updated_before_dL_da1",
                 kTwoLayer,
                 {{"g.dL_da1 = g.dL_dz2 * params.w2;",
                   "double w2 = params.w2 - 0.1 * g.dL_dw2;\n  g.dL_da1 = g.dL_dz2 * w2;"}},
                 "dL/da1",
                 "a weight was updated before this gradient was computed from it. It uses w2 "
                 "after the update. Compute every gradient from the weights the step started "
                 "with, and change them only in update()"},
        Mistaken{"update_uphill",
                 kTwoLayer,
                 {{"next.w1 = params.w1 - learning_rate * gradients.dL_dw1;",
                   "next.w1 = params.w1 + learning_rate * gradients.dL_dw1;"}},
                 "w1",
                 "the sign is flipped. The update goes uphill. Step against the gradient: w1 − "
                 "learning_rate × dL/dw1"}),
    [](const auto& info) { return info.param.name; });

const std::string kOutputDelta =
    "delta[j] = (output[j] - target[j]) * output[j] * (1.0 - output[j]);";

INSTANTIATE_TEST_SUITE_P(
    LessonSeven, LessonMistake,
    ::testing::Values(
        Mistaken{"half_missing_from_loss",
                 kFromScratch,
                 {{"return 0.5 * total;", "return total;"}},
                 "loss",
                 "the value is twice the right one. The loss is 0.5 × the sum of (a − target)². "
                 "Is the 0.5 missing?",
                 // Backward still matches the loss with the 0.5, so each gradient is half the
                 // derivative of the learner's loss in the gradient check.
                 {"the value is half the right one"}},
        Mistaken{"output_delta_doubled",
                 kFromScratch,
                 {{kOutputDelta,
                   "delta[j] = 2.0 * (output[j] - target[j]) * output[j] * (1.0 - output[j]);"}},
                 "delta[1][0]",
                 "the value is twice the right one. The 0.5 of the loss cancels the 2 of the "
                 "square, so delta starts from a − target"},
        Mistaken{
            "output_delta_sign_flipped",
            kFromScratch,
            {{kOutputDelta, "delta[j] = (target[j] - output[j]) * output[j] * (1.0 - output[j]);"}},
            "delta[1][0]",
            "the sign is flipped. delta = (a − target) × a × (1 − a), not (target − a) × a "
            "× (1 − a)"},
        Mistaken{"output_derivative_missing",
                 kFromScratch,
                 {{kOutputDelta, "delta[j] = output[j] - target[j];"}},
                 "delta[1][0]",
                 "the sigmoid's derivative is missing. delta = dL/dz, so multiply by the "
                 "sigmoid's derivative a × (1 − a)"},
        Mistaken{"hidden_derivative_at_z",
                 kFromScratch,
                 {{"below[i] = sum * input[i] * (1.0 - input[i]);",
                   "below[i] = sum * pass.z[l - 1][i] * (1.0 - pass.z[l - 1][i]);"}},
                 "delta[0][0]",
                 "the sigmoid's derivative is taken at z instead of a. It is a × (1 − a), "
                 "written with the unit's output a, not with z"},
        Mistaken{"hidden_delta_scaled_by_constant",
                 kFromScratch,
                 {{"below[i] = sum * input[i] * (1.0 - input[i]);",
                   "below[i] = 0.7 * sum * input[i] * (1.0 - input[i]);"}},
                 "delta[0][0]",
                 ""}),
    [](const auto& info) { return info.param.name; });

const std::string kMiniBatches = "08-mini-batches";
const std::string kDb1 = "g.db1 = column_sums(g.dZ1);";
const std::string kDb2 = "g.db2 = column_sums(g.dY);";

// The bias detector on a batch names one sample's row and the mean over the
// rows. It does not call a flipped sign or a wrong constant a bias mistake.
INSTANTIATE_TEST_SUITE_P(
    LessonEight, LessonMistake,
    ::testing::Values(
        Mistaken{"db1_first_row_only",
                 kMiniBatches,
                 {{kDb1, "g.db1 = {g.dZ1(0, 0), g.dZ1(0, 1)};"}},
                 "db1[0]",
                 "the bias gradient is one sample's, not the whole batch's. db1 adds up every "
                 "row of dZ1, one row per sample"},
        Mistaken{"db2_mean_over_rows",
                 kMiniBatches,
                 {{kDb2, kDb2 + "\n  for (double& v : g.db2) v /= batch;"}},
                 "db2[0]",
                 "the bias gradient is the mean over the batch where the sum is meant. dY already "
                 "carries the 1/B of the loss, so db2 is the plain sum of its rows"},
        Mistaken{"db1_mean_over_rows",
                 kMiniBatches,
                 {{kDb1, kDb1 + "\n  for (double& v : g.db1) v /= batch;"}},
                 "db1[0]",
                 "the bias gradient is the mean over the batch where the sum is meant. dZ1 "
                 "already carries the 1/B of the loss, so db1 is the plain sum of its rows"},
        Mistaken{"db2_sign_flipped",
                 kMiniBatches,
                 {{kDb2, kDb2 + "\n  for (double& v : g.db2) v = -v;"}},
                 "db2[0]",
                 "the sign is flipped. Check each factor of db2 = the sum of the rows of dY"},
        Mistaken{"db1_scaled_by_constant",
                 kMiniBatches,
                 {{kDb1, kDb1 + "\n  for (double& v : g.db1) v *= 1.3;"}},
                 "db1[0]",
                 ""},
        Mistaken{"dW1_transposed",
                 kMiniBatches,
                 {{"g.dW1 = matmul(transpose(g.dZ1), X);", "g.dW1 = matmul(transpose(X), g.dZ1);"}},
                 "dW1[0][1]",
                 "a matrix is transposed. dW1 has the shape of W1, one row per hidden unit: dW1 = "
                 "dZ1ᵀ X, not Xᵀ dZ1"},
        Mistaken{"hidden_derivative_missing",
                 kMiniBatches,
                 {{"g.dZ1.data[i] = g.dH.data[i] * h * (1.0 - h);",
                   "g.dZ1.data[i] = g.dH.data[i] + 0.0 * h;"}},
                 "dZ1[0][0]",
                 "the sigmoid's derivative is missing. dZ1 = dH ∘ H ∘ (1 − H), so multiply by "
                 "the sigmoid's derivative"}),
    [](const auto& info) { return info.param.name; });

// The report shows the diagnosis under the ✗ and in the summary.
TEST(MistakeReport, ShowsDiagnosisTwice) {
  fs::path exercise =
      write_mutated_copy(solution(kTwoLayer), scratch(), "report_sign_flipped",
                         {{"g.dL_da2 = values.a2 - target;", "g.dL_da2 = target - values.a2;"}});
  Lesson lesson = load_lesson(lesson_dir(kTwoLayer));
  LessonResult result = check_exercise(lesson, exercise, scratch());
  std::string report = render_result(lesson, "exercise.cpp", result, ReportStyle{});

  EXPECT_NE(std::string::npos,
            report.find("  ✗ dL/da2 = 0.146  (error)\n"
                        "      you have 0.146, expected -0.146 (reference), off by 0.293\n"
                        "      likely cause: the sign is flipped. dL/da2 = a2 − target, not "
                        "target − a2\n"))
      << report;
  EXPECT_NE(std::string::npos,
            report.find("✗ First wrong value: dL/da2 (step 1, backward pass, case 'public').\n"
                        "  You have 0.146, expected -0.146 (reference).\n"
                        "  Likely cause: the sign is flipped. dL/da2 = a2 − target, not target − "
                        "a2.\n"))
      << report;
}

// A table cell has no room for the diagnosis, so a line below the table
// names it.
TEST(MistakeReport, NamesCauseBelowTable) {
  fs::path exercise = write_mutated_copy(
      solution(kFromScratch), scratch(), "report_delta_sign_flipped",
      {{kOutputDelta, "delta[j] = (target[j] - output[j]) * output[j] * (1.0 - output[j]);"}});
  Lesson lesson = load_lesson(lesson_dir(kFromScratch));
  LessonResult result = check_exercise(lesson, exercise, scratch());
  std::string report = render_result(lesson, "exercise.cpp", result, ReportStyle{});

  EXPECT_NE(std::string::npos,
            report.find("\n  Likely cause of the ✗ at delta[1][0]: the sign is flipped. delta = "
                        "(a − target) × a × (1 − a), not (target − a) × a × (1 − a)\n"))
      << report;
}

// The shipped lessons 3 and 7 have no square weight matrix above the first
// layer, where a transposed W would change delta without changing a shape.
// This copy of lesson 7 has one: sizes {2, 2, 2}.
fs::path square_lesson() {
  fs::path dir = scratch() / "07-square";
  fs::create_directories(dir);
  std::string yaml = read_file(lesson_dir(kFromScratch) / "lesson.yaml");
  std::size_t cases = yaml.find("\ncases:\n");
  std::size_t tolerance = yaml.find("\n# A value passes");
  EXPECT_NE(std::string::npos, cases);
  EXPECT_NE(std::string::npos, tolerance);
  yaml = yaml.substr(0, cases) + R"(
cases:
  - name: square
    sizes: [2, 2, 2]
    seed: 5
    learning_rate: 0.5
    function: g
    samples:
      - {x: [0.5, -0.3], target: [0.2, 0.9]}
    tests: []
    epochs: 0
    checkpoint_every: 1

hidden:
  - draw: weights
    seed: 3
    count: 2
    base: square
    epochs: 0
    checkpoint_every: 1
)" + yaml.substr(tolerance);
  std::ofstream(dir / "lesson.yaml") << yaml;
  return dir;
}

TEST(SquareNetwork, TransposedWeightsNamed) {
  fs::path exercise = write_mutated_copy(
      solution(kFromScratch), scratch(), "transposed_weights",
      {{"sum += layer.W[j][i] * delta[j];", "sum += layer.W[i][j] * delta[j];"}}, Match::unique);
  LessonResult result = check_exercise(square_lesson(), exercise, scratch());
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& square = result.traces.at(0);
  ASSERT_TRUE(square.first_wrong);
  EXPECT_EQ("delta[0][0]", square.first_wrong->check.label);
  EXPECT_EQ(
      "a matrix is transposed. On the way back W acts as its transpose, so input i sums W[j][i] × "
      "delta[j] over the units j above it, not W[i][j]",
      square.first_wrong->check.diagnosis);
}

TEST(SquareNetwork, TransposedGradientNamed) {
  fs::path exercise = write_mutated_copy(
      solution(kFromScratch), scratch(), "transposed_gradient",
      {{"g.dW[j][i] = delta[j] * input[i];", "g.dW[j][i] = delta[i] * input[j];"}});
  LessonResult result = check_exercise(square_lesson(), exercise, scratch());
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& square = result.traces.at(0);
  ASSERT_TRUE(square.first_wrong);
  EXPECT_EQ("dW[1][0][1]", square.first_wrong->check.label);
  EXPECT_EQ(
      "a matrix is transposed. dW has the shape of W, so row j belongs to unit j: dW[j][i] = "
      "delta[j] × in[i]",
      square.first_wrong->check.diagnosis);
}

// A flipped sign is not a transposed matrix: the detector of one stays
// silent on the other.
TEST(SquareNetwork, FlippedSignNotCalledTransposed) {
  fs::path exercise = write_mutated_copy(
      solution(kFromScratch), scratch(), "square_sign_flipped",
      {{"sum += layer.W[j][i] * delta[j];", "sum -= layer.W[j][i] * delta[j];"}});
  LessonResult result = check_exercise(square_lesson(), exercise, scratch());
  ASSERT_EQ(Outcome::failed, result.outcome) << result.compiler_log;

  const CaseTrace& square = result.traces.at(0);
  ASSERT_TRUE(square.first_wrong);
  EXPECT_EQ("delta[0][0]", square.first_wrong->check.label);
  EXPECT_EQ(
      "the sign is flipped. Check each factor of delta_below[i] = (sum over j of W[j][i] × "
      "delta[j]) × a_below[i] × (1 − a_below[i])",
      square.first_wrong->check.diagnosis);
}

}  // namespace
}  // namespace gradlings::runner
