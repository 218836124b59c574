// The chain-rule reference against hand-derived derivatives, the numerical
// checker and the ice cream numbers of the textbook example. The sin and cos
// ops that the reference needs are tested here too.
#include "engine/chain.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/gradcheck.h"
#include "engine/ops.h"

namespace gradlings::engine {
namespace {

// Closed forms evaluated in double precision: 1e-12 leaves room only for
// rounding.
constexpr double kTolerance = 1e-12;

double sigmoid_of(double z) { return 1.0 / (1.0 + std::exp(-z)); }

TEST(SinCosOps, ValuesMatchStandardLibrary) {
  Matrix at(1, 3);
  at << -1.2, 0.0, 2.5;
  Var a(at);
  Matrix s = sin(a).value();
  Matrix c = cos(a).value();
  for (int i = 0; i < 3; ++i) {
    EXPECT_DOUBLE_EQ(std::sin(at(0, i)), s(0, i));
    EXPECT_DOUBLE_EQ(std::cos(at(0, i)), c(0, i));
  }
  EXPECT_EQ("sin", sin(a).op());
  EXPECT_EQ("cos", cos(a).op());
}

TEST(SinCosOps, GradientsPassNumericalCheck) {
  Matrix at(2, 2);
  at << -2.1, 0.3, 1.4, 3.0;
  GradientCheck check = check_gradients(
      [](const std::vector<Var>& p) { return sum(mul(sin(p[0]), cos(p[0]))); }, {{"a", at}});
  ASSERT_EQ(1u, check.parameters.size());
  EXPECT_TRUE(check.passed) << "max relative error " << check.parameters[0].max_relative_error;
}

TEST(SinCosOps, GradientsMatchHandDerived) {
  Var a = Var::scalar(0.7);
  sin(a).backward();
  EXPECT_NEAR(std::cos(0.7), a.grad_item(), kTolerance);
  cos(a).backward();
  EXPECT_NEAR(-std::sin(0.7), a.grad_item(), kTolerance);
}

// The textbook prints sales 300, happiness 30.0, 0.1 happiness per sale,
// 10 sales per degree and 1.0 happiness per degree at 30 degrees.
TEST(IceCreamReference, MatchesTextbookNumbers) {
  IceCreamValues v = ice_cream_values(30.0, 10.0, 0.1);
  EXPECT_NEAR(300.0, v.sales, kTolerance);
  EXPECT_NEAR(30.0, v.happiness, kTolerance);
  EXPECT_NEAR(0.1, v.dhappiness_dsales, kTolerance);
  EXPECT_NEAR(10.0, v.dsales_dT, kTolerance);
  EXPECT_NEAR(1.0, v.dhappiness_dT, kTolerance);
}

TEST(IceCreamReference, DerivativeAgreesWithCentralDifference) {
  double rate = 7.3;
  double per_sale = 0.42;
  auto happiness = [&](const std::vector<Matrix>& p) {
    return ice_cream_happiness(p[0](0, 0), rate, per_sale);
  };
  Matrix numerical = numerical_gradient(happiness, {Matrix::Constant(1, 1, -4.0)})[0];
  IceCreamValues v = ice_cream_values(-4.0, rate, per_sale);
  EXPECT_NEAR(numerical(0, 0), v.dhappiness_dT, 1e-6);
  EXPECT_NEAR(-4.0 * rate * per_sale, v.happiness, kTolerance);
}

TEST(ChainReference, SinOfSquareMatchesHandDerived) {
  double x = 1.5;
  std::vector<ChainLinkValues> v =
      chain_values({{ChainFunction::square}, {ChainFunction::sin}}, x);
  ASSERT_EQ(2u, v.size());
  EXPECT_NEAR(x * x, v[0].u, kTolerance);
  EXPECT_NEAR(2 * x, v[0].local, kTolerance);
  EXPECT_NEAR(2 * x, v[0].du_dx, kTolerance);
  EXPECT_NEAR(std::sin(x * x), v[1].u, kTolerance);
  EXPECT_NEAR(std::cos(x * x), v[1].local, kTolerance);
  EXPECT_NEAR(std::cos(x * x) * 2 * x, v[1].du_dx, kTolerance);
}

TEST(ChainReference, SigmoidOfScaledExpMatchesHandDerived) {
  double x = 0.2;
  std::vector<ChainLinkValues> v = chain_values(
      {{ChainFunction::exp}, {ChainFunction::scale, 3.0}, {ChainFunction::sigmoid}}, x);
  ASSERT_EQ(3u, v.size());
  double s = sigmoid_of(3 * std::exp(x));
  EXPECT_NEAR(std::exp(x), v[0].local, kTolerance);
  EXPECT_NEAR(3.0, v[1].local, kTolerance);
  EXPECT_NEAR(3 * std::exp(x), v[1].du_dx, kTolerance);
  EXPECT_NEAR(s, v[2].u, kTolerance);
  EXPECT_NEAR(s * (1 - s), v[2].local, kTolerance);
  EXPECT_NEAR(s * (1 - s) * 3 * std::exp(x), v[2].du_dx, kTolerance);
}

// Each function's local derivative at u = 0.8, against its textbook formula.
TEST(ChainReference, EveryLocalDerivativeMatchesFormula) {
  double u = 0.8;
  struct Expected {
    ChainLink link;
    double value;
    double derivative;
  };
  double s = sigmoid_of(u);
  for (const Expected& e : {
           Expected{{ChainFunction::square}, u * u, 2 * u},
           Expected{{ChainFunction::sin}, std::sin(u), std::cos(u)},
           Expected{{ChainFunction::cos}, std::cos(u), -std::sin(u)},
           Expected{{ChainFunction::exp}, std::exp(u), std::exp(u)},
           Expected{{ChainFunction::log}, std::log(u), 1 / u},
           Expected{{ChainFunction::sigmoid}, s, s * (1 - s)},
           Expected{{ChainFunction::tanh}, std::tanh(u), 1 - std::tanh(u) * std::tanh(u)},
           Expected{{ChainFunction::scale, -2.5}, -2.5 * u, -2.5},
           Expected{{ChainFunction::add, 1.75}, u + 1.75, 1.0},
       }) {
    std::vector<ChainLinkValues> v = chain_values({e.link}, u);
    ASSERT_EQ(1u, v.size());
    EXPECT_NEAR(e.value, v[0].u, kTolerance) << static_cast<int>(e.link.function);
    EXPECT_NEAR(e.derivative, v[0].local, kTolerance) << static_cast<int>(e.link.function);
    EXPECT_NEAR(e.derivative, v[0].du_dx, kTolerance) << static_cast<int>(e.link.function);
  }
}

// A long chain through every function: each du_k/dx is the product of the
// local derivatives so far, and the last agrees with central differences.
TEST(ChainReference, LongChainAgreesWithNumericalChecker) {
  std::vector<ChainLink> chain = {
      {ChainFunction::sin},     {ChainFunction::scale, 2.0}, {ChainFunction::add, 3.0},
      {ChainFunction::log},     {ChainFunction::square},     {ChainFunction::tanh},
      {ChainFunction::sigmoid}, {ChainFunction::cos},        {ChainFunction::exp},
  };
  double x = 0.4;
  std::vector<ChainLinkValues> v = chain_values(chain, x);
  ASSERT_EQ(chain.size(), v.size());

  double product = 1.0;
  for (const ChainLinkValues& link : v) {
    product *= link.local;
    EXPECT_NEAR(product, link.du_dx, kTolerance * (1 + std::abs(product)));
  }

  for (std::size_t k = 0; k < chain.size(); ++k) {
    std::vector<ChainLink> prefix(chain.begin(), chain.begin() + static_cast<long>(k) + 1);
    auto output = [&](const std::vector<Matrix>& p) { return chain_output(prefix, p[0](0, 0)); };
    double numerical = numerical_gradient(output, {Matrix::Constant(1, 1, x)})[0](0, 0);
    EXPECT_TRUE(within_tolerance(v[k].du_dx, numerical, Tolerance{1e-7, 1e-6}))
        << "link " << k + 1 << ": " << v[k].du_dx << " against " << numerical;
  }
  EXPECT_DOUBLE_EQ(v.back().u, chain_output(chain, x));
}

TEST(ChainReference, EmptyChainHasNoLinks) {
  EXPECT_TRUE(chain_values({}, 2.0).empty());
  EXPECT_EQ(2.0, chain_output({}, 2.0));
}

}  // namespace
}  // namespace gradlings::engine
