// Tests of each operation against two oracles:
//   - values and derivatives derived by hand, exact in double precision unless
//     EXPECT_NEAR states a tolerance.
//   - check_gradients on random inputs, with the default tolerance
//     |analytic - numerical| <= 1e-6 + 1e-4 |numerical| and step 1e-6.
// Random inputs come from a seeded std::mt19937_64 and stay away from the
// points where an operation is not differentiable.

#include "engine/ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "engine/gradcheck.h"

namespace gradlings::engine {
namespace {

using Parameters = std::vector<std::pair<std::string, Matrix>>;

// Returns a rows x cols matrix with entries uniform in [low, high].
Matrix random_matrix(std::mt19937_64& rng, Eigen::Index rows, Eigen::Index cols, double low,
                     double high) {
  std::uniform_real_distribution<double> uniform(low, high);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    m(i) = uniform(rng);
  }
  return m;
}

// Returns a matrix whose entries have magnitude in [0.2, 1.5] and a random sign,
// so no entry is near the kink of relu.
Matrix away_from_zero(std::mt19937_64& rng, Eigen::Index rows, Eigen::Index cols) {
  Matrix m = random_matrix(rng, rows, cols, 0.2, 1.5);
  std::bernoulli_distribution negative(0.5);
  for (Eigen::Index i = 0; i < m.size(); ++i) {
    if (negative(rng)) {
      m(i) = -m(i);
    }
  }
  return m;
}

// Reduces y to a 1x1 loss with a different fixed weight per entry, so that a
// gradient with entries swapped or transposed fails the check.
Var weighted_sum(const Var& y) {
  std::mt19937_64 rng(7);
  return sum(mul(y, Var(random_matrix(rng, y.rows(), y.cols(), -2.0, 2.0), "weights")));
}

// Returns "" when every parameter passes check_gradients, and otherwise one
// line per failing parameter with its worst entry.
std::string gradient_failures(const GraphBuilder& build, const Parameters& parameters) {
  const GradientCheck check = check_gradients(build, parameters);
  std::string failures;
  for (const ParameterCheck& parameter : check.parameters) {
    if (parameter.passed) {
      continue;
    }
    const EntryError& worst = parameter.worst.front();
    failures += parameter.name + " (" + std::to_string(worst.row) + ", " +
                std::to_string(worst.col) + "): analytic " + std::to_string(worst.analytic) +
                ", numerical " + std::to_string(worst.numerical) + "\n";
  }
  return failures;
}

template <typename Action>
std::string invalid_argument_message(Action action) {
  try {
    action();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "(no exception)";
}

// Gradient checks of the elementwise binary operations, for every broadcast.

struct BinaryCase {
  std::string name;
  Eigen::Index b_rows;
  Eigen::Index b_cols;
};

const std::vector<BinaryCase> kBroadcastCases = {
    {"same shape", 3, 4}, {"row", 1, 4}, {"column", 3, 1}, {"scalar", 1, 1}};

TEST(OpGradients, AddPassesForEveryBroadcast) {
  std::mt19937_64 rng(1);
  for (const BinaryCase& c : kBroadcastCases) {
    const Parameters parameters = {{"a", random_matrix(rng, 3, 4, -1, 1)},
                                   {"b", random_matrix(rng, c.b_rows, c.b_cols, -1, 1)}};
    const auto build = [](const std::vector<Var>& p) { return weighted_sum(add(p[0], p[1])); };
    EXPECT_EQ(gradient_failures(build, parameters), "") << c.name;
  }
}

TEST(OpGradients, SubPassesForEveryBroadcast) {
  std::mt19937_64 rng(2);
  for (const BinaryCase& c : kBroadcastCases) {
    const Parameters parameters = {{"a", random_matrix(rng, 3, 4, -1, 1)},
                                   {"b", random_matrix(rng, c.b_rows, c.b_cols, -1, 1)}};
    const auto build = [](const std::vector<Var>& p) { return weighted_sum(sub(p[0], p[1])); };
    EXPECT_EQ(gradient_failures(build, parameters), "") << c.name;
  }
}

TEST(OpGradients, MulPassesForEveryBroadcast) {
  std::mt19937_64 rng(3);
  for (const BinaryCase& c : kBroadcastCases) {
    const Parameters parameters = {{"a", random_matrix(rng, 3, 4, -1, 1)},
                                   {"b", random_matrix(rng, c.b_rows, c.b_cols, -1, 1)}};
    const auto build = [](const std::vector<Var>& p) { return weighted_sum(mul(p[0], p[1])); };
    EXPECT_EQ(gradient_failures(build, parameters), "") << c.name;
  }
}

TEST(OpGradients, OperatorsPassLikeTheFunctions) {
  std::mt19937_64 rng(4);
  const Parameters parameters = {{"a", random_matrix(rng, 2, 3, -1, 1)},
                                 {"b", random_matrix(rng, 1, 3, -1, 1)},
                                 {"c", random_matrix(rng, 2, 1, -1, 1)}};
  const auto build = [](const std::vector<Var>& p) {
    return weighted_sum((p[0] + p[1]) * p[0] - p[2]);
  };
  EXPECT_EQ(gradient_failures(build, parameters), "");
}

TEST(OpGradients, MatmulPassesForNonSquareShapes) {
  std::mt19937_64 rng(5);
  const Parameters parameters = {{"a", random_matrix(rng, 3, 4, -1, 1)},
                                 {"b", random_matrix(rng, 4, 2, -1, 1)}};
  const auto build = [](const std::vector<Var>& p) { return weighted_sum(matmul(p[0], p[1])); };
  EXPECT_EQ(gradient_failures(build, parameters), "");
}

TEST(OpGradients, MatmulPassesForRowTimesColumn) {
  std::mt19937_64 rng(6);
  const Parameters parameters = {{"row", random_matrix(rng, 1, 5, -1, 1)},
                                 {"column", random_matrix(rng, 5, 1, -1, 1)}};
  const auto build = [](const std::vector<Var>& p) { return matmul(p[0], p[1]); };
  EXPECT_EQ(gradient_failures(build, parameters), "");
}

// Gradient checks of the unary operations.

TEST(OpGradients, UnaryOpsPass) {
  struct UnaryCase {
    std::string name;
    Var (*apply)(const Var&);
    double low;
    double high;
  };
  const std::vector<UnaryCase> cases = {
      {"sigmoid", [](const Var& a) { return sigmoid(a); }, -3, 3},
      {"tanh", [](const Var& a) { return tanh(a); }, -2, 2},
      {"exp", [](const Var& a) { return exp(a); }, -2, 2},
      {"log", [](const Var& a) { return log(a); }, 0.3, 3},
      {"scale", [](const Var& a) { return scale(a, -1.7); }, -2, 2},
      {"pow 2", [](const Var& a) { return pow(a, 2.0); }, -2, 2},
      {"pow 3", [](const Var& a) { return pow(a, 3.0); }, -2, 2},
      {"pow 0.5", [](const Var& a) { return pow(a, 0.5); }, 0.3, 3},
      {"pow -1.5", [](const Var& a) { return pow(a, -1.5); }, 0.3, 3},
      {"sum", [](const Var& a) { return sum(pow(a, 2.0)); }, -2, 2},
      {"mean", [](const Var& a) { return mean(pow(a, 2.0)); }, -2, 2},
  };

  std::mt19937_64 rng(8);
  for (const UnaryCase& c : cases) {
    const Parameters parameters = {{"a", random_matrix(rng, 3, 2, c.low, c.high)}};
    const auto apply = c.apply;
    const auto build = [apply](const std::vector<Var>& p) { return weighted_sum(apply(p[0])); };
    EXPECT_EQ(gradient_failures(build, parameters), "") << c.name;
  }
}

TEST(OpGradients, ReluPassesAwayFromZero) {
  std::mt19937_64 rng(9);
  const Parameters parameters = {{"a", away_from_zero(rng, 4, 3)}};
  const auto build = [](const std::vector<Var>& p) { return weighted_sum(relu(p[0])); };
  EXPECT_EQ(gradient_failures(build, parameters), "");
}

TEST(OpGradients, LossesPassForOutputAndTarget) {
  std::mt19937_64 rng(10);
  const Parameters parameters = {{"y", random_matrix(rng, 4, 3, -1, 1)},
                                 {"t", random_matrix(rng, 4, 3, -1, 1)}};
  const auto half = [](const std::vector<Var>& p) { return half_squared_error(p[0], p[1]); };
  const auto mean_squared = [](const std::vector<Var>& p) { return mse(p[0], p[1]); };
  EXPECT_EQ(gradient_failures(half, parameters), "");
  EXPECT_EQ(gradient_failures(mean_squared, parameters), "");
}

TEST(OpGradients, ComposedNetworkPasses) {
  // Three layers, batch of 5: h1 = relu(X W1 + b1), h2 = tanh(h1 W2 + b2),
  // y = sigmoid(h2 W3 + b3), loss = mse(y, T). Inputs and weights are also
  // parameters, so every kind of leaf is checked.
  std::mt19937_64 rng(11);
  const Parameters parameters = {
      {"x", random_matrix(rng, 5, 4, -1, 1)},      {"w1", random_matrix(rng, 4, 6, -1, 1)},
      {"b1", random_matrix(rng, 1, 6, 0.1, 0.5)},  {"w2", random_matrix(rng, 6, 3, -1, 1)},
      {"b2", random_matrix(rng, 1, 3, -0.5, 0.5)}, {"w3", random_matrix(rng, 3, 2, -1, 1)},
      {"b3", random_matrix(rng, 1, 2, -0.5, 0.5)},
  };
  const Var target(random_matrix(rng, 5, 2, 0, 1), "t");
  const auto build = [&target](const std::vector<Var>& p) {
    const Var h1 = relu(matmul(p[0], p[1]) + p[2]);
    const Var h2 = tanh(matmul(h1, p[3]) + p[4]);
    const Var y = sigmoid(matmul(h2, p[5]) + p[6]);
    return mse(y, target);
  };

  const GradientCheck check = check_gradients(build, parameters);

  EXPECT_EQ(gradient_failures(build, parameters), "");
  ASSERT_EQ(check.parameters.size(), 7u);
  EXPECT_TRUE(check.passed);
}

// Values and derivatives derived by hand.

TEST(OpValues, SigmoidAtZeroIsHalfWithSlopeQuarter) {
  const Var z = Var::scalar(0.0);
  Var a = sigmoid(z);

  a.backward();

  EXPECT_EQ(a.op(), "sigmoid");
  EXPECT_EQ(a.item(), 0.5);
  EXPECT_EQ(z.grad_item(), 0.25);
}

TEST(OpValues, SigmoidSaturatesWithoutOverflow) {
  const Var z(Matrix{{-800.0, 800.0}});
  const Var a = sigmoid(z);

  EXPECT_GE(a.value()(0, 0), 0.0);
  EXPECT_LT(a.value()(0, 0), 1e-300);
  EXPECT_EQ(a.value()(0, 1), 1.0);
}

TEST(OpValues, TanhAtZeroHasSlopeOne) {
  const Var z = Var::scalar(0.0);
  Var a = tanh(z);

  a.backward();

  EXPECT_EQ(a.item(), 0.0);
  EXPECT_EQ(z.grad_item(), 1.0);
}

TEST(OpValues, ReluPassesOnlyPositiveEntries) {
  const Var z(Matrix{{-2.0, 0.0, 3.0}});
  Var loss = sum(relu(z));

  loss.backward();

  EXPECT_EQ(loss.item(), 3.0);
  EXPECT_EQ(z.grad(), (Matrix{{0.0, 0.0, 1.0}}));
}

TEST(OpValues, ExpAndLogAtKnownPoints) {
  const Var zero = Var::scalar(0.0);
  const Var one = Var::scalar(1.0);
  Var e = exp(zero);
  Var l = log(one);

  e.backward();
  l.backward();

  EXPECT_EQ(e.item(), 1.0);
  EXPECT_EQ(zero.grad_item(), 1.0);
  EXPECT_EQ(l.item(), 0.0);
  EXPECT_EQ(one.grad_item(), 1.0);
}

TEST(OpValues, LogOfNonPositiveGivesInfinityOrNan) {
  const Var a(Matrix{{0.0, -1.0}});
  const Var l = log(a);

  EXPECT_EQ(l.value()(0, 0), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(l.value()(0, 1)));
}

TEST(OpValues, PowMatchesPowerRule) {
  const Var x = Var::scalar(3.0);
  Var y = pow(x, 2.0);

  y.backward();

  EXPECT_EQ(y.item(), 9.0);
  EXPECT_EQ(x.grad_item(), 6.0);
}

TEST(OpValues, PowOfNegativeBaseWithIntegerExponent) {
  const Var x = Var::scalar(-2.0);
  Var y = pow(x, 3.0);

  y.backward();

  EXPECT_EQ(y.item(), -8.0);
  EXPECT_EQ(x.grad_item(), 12.0);
}

TEST(OpValues, PowZeroExponentHasZeroGradAtZero) {
  const Var x = Var::scalar(0.0);
  Var y = pow(x, 0.0);

  y.backward();

  EXPECT_EQ(y.item(), 1.0);
  EXPECT_EQ(x.grad_item(), 0.0);
}

TEST(OpValues, SumAndMeanSpreadTheGrad) {
  const Var a(Matrix{{1.0, 2.0}, {3.0, 6.0}});
  Var s = sum(a);
  Var m = mean(a);

  s.backward();
  EXPECT_EQ(s.item(), 12.0);
  EXPECT_EQ(a.grad(), Matrix::Ones(2, 2));

  m.backward();
  EXPECT_EQ(m.item(), 3.0);
  EXPECT_EQ(a.grad(), Matrix::Constant(2, 2, 0.25));
}

TEST(OpValues, LossesAtKnownPoint) {
  const Var y(Matrix{{1.0, 2.0}});
  const Var t(Matrix{{0.0, 0.0}});
  Var half = half_squared_error(y, t);
  Var mean_squared = mse(y, t);

  half.backward();
  EXPECT_EQ(half.item(), 2.5);
  EXPECT_EQ(y.grad(), (Matrix{{1.0, 2.0}}));
  EXPECT_EQ(t.grad(), (Matrix{{-1.0, -2.0}}));

  mean_squared.backward();
  EXPECT_EQ(mean_squared.item(), 2.5);
  EXPECT_EQ(y.grad(), (Matrix{{1.0, 2.0}}));
  EXPECT_EQ(t.grad(), (Matrix{{-1.0, -2.0}}));
}

TEST(OpValues, LossGradRatioIsTwoOverN) {
  // d(half)/dy = y - t and d(mse)/dy = 2 (y - t) / n, so their ratio is 2/n.
  std::mt19937_64 rng(12);
  const Var y(random_matrix(rng, 4, 3, -1, 1));
  const Var t(random_matrix(rng, 4, 3, -1, 1));
  Var half = half_squared_error(y, t);
  Var mean_squared = mse(y, t);

  half.backward();
  const Matrix half_grad = y.grad();
  mean_squared.backward();
  const Matrix mse_grad = y.grad();

  const double expected_ratio = 2.0 / 12.0;
  for (Eigen::Index i = 0; i < half_grad.size(); ++i) {
    EXPECT_NEAR(mse_grad(i) / half_grad(i), expected_ratio, 1e-12) << "entry " << i;
  }
}

TEST(OpValues, RowBiasGradSumsOverBatch) {
  const Var x(Matrix{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  const Var b(Matrix{{10.0, 20.0}});
  Var loss = sum(x + b);

  loss.backward();

  EXPECT_EQ((x + b).value(), (Matrix{{11.0, 22.0}, {13.0, 24.0}, {15.0, 26.0}}));
  EXPECT_EQ(b.grad(), (Matrix{{3.0, 3.0}}));
  EXPECT_EQ(x.grad(), Matrix::Ones(3, 2));
}

TEST(OpValues, ColumnAndScalarGradsSumOverBroadcastAxes) {
  const Var x(Matrix{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  const Var column(Matrix{{1.0}, {2.0}, {3.0}});
  const Var scalar = Var::scalar(2.0);
  Var loss = sum(mul(x, column) - scalar);

  loss.backward();

  // d/dcolumn_i = sum_j x_ij, and the scalar is subtracted 6 times.
  EXPECT_EQ(column.grad(), (Matrix{{3.0}, {7.0}, {11.0}}));
  EXPECT_EQ(scalar.grad_item(), -6.0);
  EXPECT_EQ(x.grad(), (Matrix{{1.0, 1.0}, {2.0, 2.0}, {3.0, 3.0}}));
}

TEST(OpValues, MatmulGradsAreTransposedProducts) {
  const Var a(Matrix{{1.0, 2.0, 3.0}});
  const Var b(Matrix{{4.0}, {5.0}, {6.0}});
  Var c = matmul(a, b);

  c.backward();

  EXPECT_EQ(c.item(), 32.0);
  EXPECT_EQ(a.grad(), (Matrix{{4.0, 5.0, 6.0}}));
  EXPECT_EQ(b.grad(), (Matrix{{1.0}, {2.0}, {3.0}}));
}

TEST(OpValues, OpNamesForTraces) {
  const Var a(Matrix::Ones(2, 2));
  EXPECT_EQ(add(a, a).op(), "add");
  EXPECT_EQ(sub(a, a).op(), "sub");
  EXPECT_EQ(mul(a, a).op(), "mul");
  EXPECT_EQ((a + a).op(), "add");
  EXPECT_EQ((a - a).op(), "sub");
  EXPECT_EQ((a * a).op(), "mul");
  EXPECT_EQ(matmul(a, a).op(), "matmul");
  EXPECT_EQ(scale(a, 2.0).op(), "scale");
  EXPECT_EQ(tanh(a).op(), "tanh");
  EXPECT_EQ(relu(a).op(), "relu");
  EXPECT_EQ(exp(a).op(), "exp");
  EXPECT_EQ(log(a).op(), "log");
  EXPECT_EQ(pow(a, 2.0).op(), "pow");
  EXPECT_EQ(sum(a).op(), "sum");
  EXPECT_EQ(mean(a).op(), "mean");
  EXPECT_EQ(half_squared_error(a, a).op(), "half_squared_error");
  EXPECT_EQ(mse(a, a).op(), "mse");
  EXPECT_EQ(add(a, a).name(), "");
}

// Rejected inputs.

TEST(OpErrors, MatmulRejectsMismatchedShapes) {
  const Var a(Matrix::Zero(2, 3));
  EXPECT_EQ(invalid_argument_message([&] { matmul(a, a); }),
            "matmul: shapes 2x3 and 2x3 do not fit (columns of the left must equal rows of the "
            "right)");
}

TEST(OpErrors, ElementwiseRejectsUnbroadcastableShapes) {
  const Var a(Matrix::Zero(2, 3));
  const Var b(Matrix::Zero(3, 2));
  const std::string expected_tail =
      ": shapes 2x3 and 3x2 do not fit (the right must be 2x3, 1x1, 1x3 or 2x1)";
  EXPECT_EQ(invalid_argument_message([&] { add(a, b); }), "add" + expected_tail);
  EXPECT_EQ(invalid_argument_message([&] { sub(a, b); }), "sub" + expected_tail);
  EXPECT_EQ(invalid_argument_message([&] { mul(a, b); }), "mul" + expected_tail);
}

TEST(OpErrors, OnlyTheRightOperandBroadcasts) {
  const Var row(Matrix::Zero(1, 3));
  const Var full(Matrix::Zero(2, 3));
  EXPECT_EQ(invalid_argument_message([&] { add(row, full); }),
            "add: shapes 1x3 and 2x3 do not fit (the right must be 1x3 or 1x1, because only the "
            "right operand broadcasts)");
}

TEST(OpErrors, LossesRejectDifferentShapes) {
  const Var y(Matrix::Zero(2, 3));
  const Var t(Matrix::Zero(3, 2));
  const std::string expected_tail =
      ": shapes 2x3 and 3x2 do not fit (the output and the target must have the same shape)";
  EXPECT_EQ(invalid_argument_message([&] { half_squared_error(y, t); }),
            "half_squared_error" + expected_tail);
  EXPECT_EQ(invalid_argument_message([&] { mse(y, t); }), "mse" + expected_tail);
}

TEST(OpErrors, MeanRejectsEmptyInput) {
  const Var empty(Matrix::Zero(0, 3));
  EXPECT_EQ(invalid_argument_message([&] { mean(empty); }),
            "mean: the input has shape 0x3, but it must have at least one entry");
  EXPECT_EQ(invalid_argument_message([&] { mse(empty, empty); }),
            "mse: the input has shape 0x3, but it must have at least one entry");
}

TEST(OpErrors, PowRejectsNegativeBaseWithFractionalExponent) {
  const Var a(Matrix{{1.0, 2.0}, {3.0, -0.5}});
  EXPECT_EQ(invalid_argument_message([&] { pow(a, 0.5); }),
            "pow: entry (1, 1) of the base is -0.5 and the exponent 0.5 is not an integer, so "
            "the result is not real (use a positive base or an integer exponent)");
}

}  // namespace
}  // namespace gradlings::engine
