// Tests of the numerical gradient checker: its error measures, its central
// differences against derivatives known in closed form, and that it reports a
// wrong gradient with the right parameter and entry.

#include "engine/gradcheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/ops.h"

namespace gradlings::engine {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

template <typename Action>
std::string invalid_argument_message(Action action) {
  try {
    action();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "(no exception)";
}

// Returns x^2 with the derivative written as x instead of 2x, the kind of slip
// a learner makes in a backward pass.
Var square_with_wrong_derivative(const Var& x) {
  auto node = std::make_shared<Node>();
  node->value = x.value().array().square().matrix();
  node->grad = Matrix::Zero(x.rows(), x.cols());
  node->parents = {x.node()};
  node->op = "wrong_square";
  node->backward_step = [](Node& self) {
    Node& input = *self.parents[0];
    input.grad += self.grad.cwiseProduct(input.value);
  };
  return Var(node);
}

TEST(RelativeError, FollowsDefinition) {
  EXPECT_DOUBLE_EQ(relative_error(1.0, 0.9), 0.1 / 1.9);
  EXPECT_DOUBLE_EQ(relative_error(-2.0, 2.0), 1.0);
  EXPECT_EQ(relative_error(0.0, 0.0), 0.0);
}

TEST(RelativeError, IsLargeForTinyNoiseNearZero) { EXPECT_EQ(relative_error(1e-13, 0.0), 1.0); }

TEST(WithinTolerance, UsesAbsolutePlusRelativeBound) {
  const Tolerance tolerance;  // 1e-6 absolute, 1e-4 relative

  EXPECT_TRUE(within_tolerance(1e-13, 0.0, tolerance));
  EXPECT_TRUE(within_tolerance(1.0, 1.00005, tolerance));
  EXPECT_FALSE(within_tolerance(1.0, 1.001, tolerance));
  EXPECT_FALSE(within_tolerance(2e-6, 0.0, tolerance));
  EXPECT_TRUE(within_tolerance(1000.0, 1000.09, tolerance));
}

TEST(WithinTolerance, RejectsNan) {
  const Tolerance tolerance;

  EXPECT_FALSE(within_tolerance(kNan, 1.0, tolerance));
  EXPECT_FALSE(within_tolerance(1.0, kNan, tolerance));
}

TEST(NumericalGradient, MatchesClosedFormDerivative) {
  // f(x, y) = sum(x^3) + sum(x .* y), so df/dx = 3x^2 + y and df/dy = x. The
  // central difference error with step 1e-6 is about 1e-12 from truncation and
  // 1e-9 from rounding, so 1e-7 is a safe absolute bound.
  const Matrix x{{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}};
  const Matrix y{{1.0, 2.0, -3.0}, {0.5, -0.5, 4.0}};
  const ScalarFunction f = [](const std::vector<Matrix>& p) {
    return p[0].array().cube().sum() + p[0].cwiseProduct(p[1]).sum();
  };

  const std::vector<Matrix> gradient = numerical_gradient(f, {x, y});

  ASSERT_EQ(gradient.size(), 2u);
  const Matrix expected_dx = (3.0 * x.array().square() + y.array()).matrix();
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(gradient[0](i), expected_dx(i), 1e-7) << "dx entry " << i;
    EXPECT_NEAR(gradient[1](i), x(i), 1e-7) << "dy entry " << i;
  }
}

TEST(NumericalGradient, EvaluatesTwicePerEntryAndRestoresPoint) {
  const Matrix x{{1.0, 2.0}, {3.0, 4.0}};
  int calls = 0;
  const ScalarFunction f = [&](const std::vector<Matrix>& p) {
    ++calls;
    int changed = 0;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      changed += p[0](i) != x(i) ? 1 : 0;
    }
    EXPECT_EQ(changed, 1) << "only the entry being differentiated may move";
    return p[0].sum();
  };

  numerical_gradient(f, {x});

  EXPECT_EQ(calls, 8);
}

TEST(NumericalGradient, RejectsInvalidStep) {
  const ScalarFunction f = [](const std::vector<Matrix>& p) { return p[0].sum(); };
  const std::vector<Matrix> at = {Matrix::Ones(1, 1)};

  EXPECT_EQ(invalid_argument_message([&] { numerical_gradient(f, at, 0.0); }),
            "numerical_gradient: step 0 is invalid (it must be positive and finite, such as "
            "1e-6)");
  EXPECT_NE(invalid_argument_message([&] { numerical_gradient(f, at, -1e-6); }), "(no exception)");
  EXPECT_NE(invalid_argument_message([&] { numerical_gradient(f, at, kNan); }), "(no exception)");
  EXPECT_NE(invalid_argument_message(
                [&] { numerical_gradient(f, at, std::numeric_limits<double>::infinity()); }),
            "(no exception)");
}

TEST(CompareGradients, NearZeroNoisePasses) {
  // A dead ReLU: the true gradient is 0 and the analytic one carries rounding
  // noise. The pass rule accepts it, although the relative error is 1.
  const GradientCheck check =
      compare_gradients({"w"}, {Matrix::Constant(1, 2, 1e-12)}, {Matrix::Zero(1, 2)});

  ASSERT_EQ(check.parameters.size(), 1u);
  EXPECT_TRUE(check.passed);
  EXPECT_TRUE(check.parameters[0].passed);
  EXPECT_EQ(check.parameters[0].max_relative_error, 1.0);
  EXPECT_EQ(check.parameters[0].max_absolute_error, 1e-12);
}

TEST(CompareGradients, DoubledEntryFailsWithNameAndIndex) {
  const Matrix w1 = Matrix::Constant(2, 2, 0.5);
  const Matrix w2{{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}};
  Matrix wrong_w2 = w2;
  wrong_w2(1, 2) *= 2.0;

  const GradientCheck check = compare_gradients({"w1", "w2"}, {w1, wrong_w2}, {w1, w2});

  EXPECT_FALSE(check.passed);
  ASSERT_EQ(check.parameters.size(), 2u);
  EXPECT_EQ(check.parameters[0].name, "w1");
  EXPECT_TRUE(check.parameters[0].passed);
  EXPECT_EQ(check.parameters[1].name, "w2");
  EXPECT_FALSE(check.parameters[1].passed);
  ASSERT_EQ(check.parameters[1].worst.size(), 3u);
  const EntryError& worst = check.parameters[1].worst[0];
  EXPECT_EQ(worst.row, 1);
  EXPECT_EQ(worst.col, 2);
  EXPECT_EQ(worst.analytic, -1.2);
  EXPECT_EQ(worst.numerical, -0.6);
  EXPECT_DOUBLE_EQ(worst.absolute_error, 0.6);
  EXPECT_DOUBLE_EQ(worst.relative_error, 0.6 / 1.8);
  EXPECT_DOUBLE_EQ(check.parameters[1].max_absolute_error, 0.6);
}

TEST(CompareGradients, WorstOrderedByExcessThenAbsoluteError) {
  // Tolerance 0 + 0.5|n|. Entry by entry, in column-major order:
  //   (0,0) n = 100, a = 140: error 40, allowed 50, excess -10
  //   (1,0) n = 0,   a = 0.5: error 0.5, allowed 0, excess 0.5
  //   (0,1) n = 2,   a = 3:   error 1,  allowed 1,  excess 0
  //   (1,1) n = 0,   a = 0:   error 0,  allowed 0,  excess 0
  const Matrix numerical{{100.0, 2.0}, {0.0, 0.0}};
  const Matrix analytic{{140.0, 3.0}, {0.5, 0.0}};
  const Tolerance tolerance{0.0, 0.5};

  const GradientCheck check = compare_gradients({"b"}, {analytic}, {numerical}, tolerance, 4);

  const std::vector<EntryError>& worst = check.parameters[0].worst;
  ASSERT_EQ(worst.size(), 4u);
  EXPECT_EQ(worst[0].row, 1);
  EXPECT_EQ(worst[0].col, 0);
  EXPECT_EQ(worst[1].row, 0);
  EXPECT_EQ(worst[1].col, 1);
  EXPECT_EQ(worst[2].row, 1);
  EXPECT_EQ(worst[2].col, 1);
  EXPECT_EQ(worst[3].row, 0);
  EXPECT_EQ(worst[3].col, 0);
  EXPECT_FALSE(check.parameters[0].passed);
  EXPECT_EQ(check.parameters[0].max_absolute_error, 40.0);
}

TEST(CompareGradients, WorstCountLimitsTheList) {
  const Matrix g = Matrix::Ones(3, 3);

  EXPECT_EQ(compare_gradients({"g"}, {g}, {g}).parameters[0].worst.size(), 3u);
  EXPECT_EQ(compare_gradients({"g"}, {g}, {g}, {}, 0).parameters[0].worst.size(), 0u);
  EXPECT_EQ(compare_gradients({"g"}, {g}, {g}, {}, 20).parameters[0].worst.size(), 9u);
}

TEST(CompareGradients, NanEntryFailsAndRanksFirst) {
  Matrix analytic = Matrix::Zero(2, 2);
  Matrix numerical = Matrix::Zero(2, 2);
  analytic(0, 0) = 5.0;
  analytic(1, 1) = kNan;

  const GradientCheck check = compare_gradients({"w"}, {analytic}, {numerical});

  const ParameterCheck& parameter = check.parameters[0];
  EXPECT_FALSE(parameter.passed);
  EXPECT_TRUE(std::isnan(parameter.max_absolute_error));
  EXPECT_TRUE(std::isnan(parameter.max_relative_error));
  EXPECT_EQ(parameter.worst[0].row, 1);
  EXPECT_EQ(parameter.worst[0].col, 1);
  EXPECT_EQ(parameter.worst[1].row, 0);
  EXPECT_EQ(parameter.worst[1].col, 0);
}

TEST(CompareGradients, RejectsMismatchedInputs) {
  const Matrix g = Matrix::Zero(2, 3);

  EXPECT_EQ(invalid_argument_message([&] {
              compare_gradients({"a", "b"}, {g}, {g});
            }),
            "compare_gradients: got 2 names, 1 analytic and 1 numerical gradients, but the three "
            "counts must be equal");
  EXPECT_EQ(invalid_argument_message([&] { compare_gradients({"w"}, {g}, {g.transpose()}); }),
            "compare_gradients: parameter 'w' has an analytic gradient of shape 2x3 and a "
            "numerical one of shape 3x2, but they must be equal");
}

TEST(CheckGradients, WrongBackwardStepIsCaught) {
  const std::vector<std::pair<std::string, Matrix>> parameters = {{"w", Matrix{{0.5, -1.5}}},
                                                                  {"x", Matrix{{2.0, 1.0}}}};
  const GraphBuilder build = [](const std::vector<Var>& p) {
    return sum(mul(square_with_wrong_derivative(p[0]), p[1]));
  };

  const GradientCheck check = check_gradients(build, parameters);

  // df/dw = 2 w x but the wrong step gives w x. The largest miss is at (0, 1):
  // analytic -1.5, numerical -3.
  EXPECT_FALSE(check.passed);
  ASSERT_EQ(check.parameters.size(), 2u);
  EXPECT_EQ(check.parameters[0].name, "w");
  EXPECT_FALSE(check.parameters[0].passed);
  EXPECT_EQ(check.parameters[0].worst[0].row, 0);
  EXPECT_EQ(check.parameters[0].worst[0].col, 1);
  EXPECT_DOUBLE_EQ(check.parameters[0].worst[0].analytic, -1.5);
  EXPECT_NEAR(check.parameters[0].worst[0].numerical, -3.0, 1e-7);
  EXPECT_EQ(check.parameters[1].name, "x");
  EXPECT_TRUE(check.parameters[1].passed);
}

TEST(CheckGradients, CorrectGraphPassesInParameterOrder) {
  const std::vector<std::pair<std::string, Matrix>> parameters = {{"first", Matrix{{0.3, -0.7}}},
                                                                  {"second", Matrix{{1.1}, {0.4}}}};
  const GraphBuilder build = [](const std::vector<Var>& p) {
    return sum(tanh(matmul(p[0], p[1])));
  };

  const GradientCheck check = check_gradients(build, parameters);

  EXPECT_TRUE(check.passed);
  ASSERT_EQ(check.parameters.size(), 2u);
  EXPECT_EQ(check.parameters[0].name, "first");
  EXPECT_EQ(check.parameters[1].name, "second");
  EXPECT_LT(check.parameters[0].max_absolute_error, 1e-6);
}

TEST(CheckGradients, LeavesCarryParameterNames) {
  std::vector<std::string> seen;
  const GraphBuilder build = [&seen](const std::vector<Var>& p) {
    seen.clear();
    for (const Var& leaf : p) {
      seen.push_back(leaf.name());
    }
    return sum(p[0]);
  };

  check_gradients(build, {{"w1", Matrix::Ones(1, 1)}});

  EXPECT_EQ(seen, std::vector<std::string>{"w1"});
}

TEST(CheckGradients, RejectsNonScalarLoss) {
  const GraphBuilder build = [](const std::vector<Var>& p) { return tanh(p[0]); };

  EXPECT_EQ(invalid_argument_message([&] {
              check_gradients(build, {{"w", Matrix::Ones(2, 2)}});
            }),
            "backward: the root has shape 2x2, but it must be 1x1 (reduce it with sum() or "
            "mean() first)");
}

}  // namespace
}  // namespace gradlings::engine
