// The mini-batch reference against PyTorch and against central differences.
#include "engine/mini_batch.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/gradcheck.h"

namespace gradlings::engine {
namespace {

// Builds a matrix from rows.
Matrix rows(std::initializer_list<std::initializer_list<double>> values) {
  Matrix m(static_cast<Eigen::Index>(values.size()),
           static_cast<Eigen::Index>(values.begin()->size()));
  Eigen::Index r = 0;
  for (const auto& row : values) {
    Eigen::Index c = 0;
    for (double v : row) {
      m(r, c++) = v;
    }
    ++r;
  }
  return m;
}

// The public case of lesson 8.
MiniBatchParams public_params() {
  return {rows({{0.5, -0.3}, {0.2, 0.4}}), rows({{0.1, -0.1}}), rows({{0.7, -0.5}}),
          rows({{0.2}})};
}
const Matrix kX = rows({{1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}});
const Matrix kT = rows({{1.0}, {0.0}, {0.5}});
constexpr double kLearningRate = 0.5;

// PyTorch sums in another order than Eigen, so the two differ by rounding:
// a few units in the last place of values of order 1.
constexpr double kTorchTolerance = 1e-13;

void expect_matrix(const std::vector<double>& expected, const Matrix& actual, const char* name) {
  ASSERT_EQ(static_cast<Eigen::Index>(expected.size()), actual.size()) << name;
  for (Eigen::Index r = 0; r < actual.rows(); ++r) {
    for (Eigen::Index c = 0; c < actual.cols(); ++c) {
      EXPECT_NEAR(expected[static_cast<std::size_t>(r * actual.cols() + c)], actual(r, c),
                  kTorchTolerance)
          << name << "(" << r << ", " << c << ")";
    }
  }
}

// The numbers scripts/mini_batch_torch_oracle.py prints (PyTorch 1.13,
// float64), row by row.
TEST(MiniBatchReference, FirstStepMatchesPyTorch) {
  MiniBatchStep s = mini_batch_step(public_params(), kX, kT, kLearningRate);

  EXPECT_NEAR(0.07806905656269969, s.loss, kTorchTolerance);
  expect_matrix({0.6456563062257954, 0.52497918747894001, 0.45016600268752216, 0.57444251681165903,
                 0.57444251681165903, 0.6224593312018547},
                s.H, "H");
  expect_matrix({0.38946982061858676, 0.22789494347543598, 0.29088009616723398}, s.Y, "Y");
  expect_matrix({-0.20351005979380443, 0.075964981158478662, -0.069706634610921997}, s.dY, "dY");
  expect_matrix({-0.1424570418556631, 0.10175502989690222, 0.053175486810935063,
                 -0.037982490579239331, -0.048794644227645394, 0.034853317305460998},
                s.dH, "dH");
  expect_matrix({-0.044520182466090914, 0.0012335579002865672, 0.033565925374722222,
                 -0.0010944765714870994},
                s.dW1, "dW1");
  expect_matrix({-0.031358368218363554, 0.024280789853911709}, s.db1, "db1");
  expect_matrix({-0.13724315619828198, -0.10659057602836178}, s.dW2, "dW2");
  expect_matrix({-0.19725171324624777}, s.db2, "db2");
}

TEST(MiniBatchReference, ThreeStepsMatchPyTorch) {
  const double losses[] = {0.07806905656269969, 0.056544170154193406, 0.0549262911367778};
  MiniBatchParams params = public_params();
  for (double loss : losses) {
    MiniBatchStep s = mini_batch_step(params, kX, kT, kLearningRate);
    EXPECT_NEAR(loss, s.loss, kTorchTolerance);
    params = s.updated;
  }
  expect_matrix({0.54754022411313952, -0.32547881357463226, 0.16727376100543659,
                 0.41459562223011787},
                params.W1, "W1");
  expect_matrix({0.11513383713980824, -0.11349174347977931}, params.b1, "b1");
  expect_matrix({0.80184403413165251, -0.44862121709316716}, params.W2, "W2");
  expect_matrix({0.3083592302003888}, params.b2, "b2");
}

// The backward pass worked out by hand from the engine's forward values:
// dY = (Y - T) / B, dZ1 = (dY W2) ∘ H ∘ (1 - H), and each bias gradient is
// the column sum of the rows above it.
TEST(MiniBatchReference, BackwardMatchesMatrixFormulas) {
  MiniBatchParams p = public_params();
  MiniBatchStep s = mini_batch_step(p, kX, kT, kLearningRate);

  Matrix dY = (s.Y - kT) / 3.0;
  Matrix dH = dY * p.W2;
  Matrix dZ1 = dH.cwiseProduct(s.H).cwiseProduct((1.0 - s.H.array()).matrix());
  EXPECT_TRUE(dY.isApprox(s.dY, 1e-14));
  EXPECT_TRUE(dH.isApprox(s.dH, 1e-14));
  EXPECT_TRUE(dZ1.isApprox(s.dZ1, 1e-14));
  EXPECT_TRUE((dZ1.transpose() * kX).isApprox(s.dW1, 1e-14));
  EXPECT_TRUE(dZ1.colwise().sum().isApprox(s.db1, 1e-14));
  EXPECT_TRUE((dY.transpose() * s.H).isApprox(s.dW2, 1e-14));
  EXPECT_TRUE(dY.colwise().sum().isApprox(s.db2, 1e-14));
}

TEST(MiniBatchReference, GradientsMatchCentralDifferences) {
  MiniBatchParams p = public_params();
  MiniBatchStep s = mini_batch_step(p, kX, kT, kLearningRate);
  auto loss = [](const std::vector<Matrix>& at) {
    return mini_batch_loss({at[0], at[1], at[2], at[3]}, kX, kT);
  };
  std::vector<Matrix> numerical = numerical_gradient(loss, {p.W1, p.b1, p.W2, p.b2});
  GradientCheck check = compare_gradients({"W1", "b1", "W2", "b2"}, {s.dW1, s.db1, s.dW2, s.db2},
                                          numerical, Tolerance{1e-9, 1e-6});
  EXPECT_TRUE(check.passed);
}

}  // namespace
}  // namespace gradlings::engine
