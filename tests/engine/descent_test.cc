// The gradient descent reference against the closed form and the table
// printed by the textbook example the lesson follows.
#include "engine/descent.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/gradcheck.h"

namespace gradlings::engine {
namespace {

// Hand-derived values; agreement to 1e-12 leaves room only for rounding.
constexpr double kTolerance = 1e-12;

// For L = (w - t)^2 the update is -2 lr (w - t), so after k epochs
// w_k - t = (1 - 2 lr)^k (w_0 - t).
TEST(DescentReference, MatchesClosedForm) {
  const double start = -1.5;
  const double target = 0.75;
  const double learning_rate = 0.3;
  std::vector<DescentEpoch> epochs = descent_trajectory(start, target, learning_rate, 7);
  ASSERT_EQ(7u, epochs.size());

  for (int k = 0; k < 7; ++k) {
    double distance = std::pow(1 - 2 * learning_rate, k) * (start - target);
    const DescentEpoch& e = epochs[static_cast<std::size_t>(k)];
    EXPECT_NEAR(target + distance, e.weight, kTolerance) << "epoch " << k;
    EXPECT_NEAR(distance * distance, e.loss, kTolerance) << "epoch " << k;
    EXPECT_NEAR(2 * distance, e.gradient, kTolerance) << "epoch " << k;
    EXPECT_NEAR(-learning_rate * 2 * distance, e.update, kTolerance) << "epoch " << k;
  }
}

// The textbook's table for w = 2.0, target 1.0, learning rate 0.1, printed
// with two decimals, and its final weight 1.26 = 1 + 0.8^6.
TEST(DescentReference, RoundsToTextbookTable) {
  std::vector<DescentEpoch> epochs = descent_trajectory(2.0, 1.0, 0.1, 6);
  ASSERT_EQ(6u, epochs.size());
  const double weights[] = {2.00, 1.80, 1.64, 1.51, 1.41, 1.33};
  const double losses[] = {1.00, 0.64, 0.41, 0.26, 0.17, 0.11};
  const double gradients[] = {2.00, 1.60, 1.28, 1.02, 0.82, 0.66};
  const double updates[] = {-0.20, -0.16, -0.13, -0.10, -0.08, -0.07};

  for (std::size_t k = 0; k < 6; ++k) {
    EXPECT_NEAR(weights[k], epochs[k].weight, 5e-3) << "epoch " << k;
    EXPECT_NEAR(losses[k], epochs[k].loss, 5e-3) << "epoch " << k;
    EXPECT_NEAR(gradients[k], epochs[k].gradient, 5e-3) << "epoch " << k;
    EXPECT_NEAR(updates[k], epochs[k].update, 5e-3) << "epoch " << k;
  }
  EXPECT_NEAR(1.262144, epochs.back().weight + epochs.back().update, kTolerance);
}

TEST(DescentReference, LargeLearningRateDiverges) {
  // |1 - 2 * 1.1| = 1.2 > 1: the distance to the target grows every epoch
  // and the weight lands on alternate sides of it.
  std::vector<DescentEpoch> epochs = descent_trajectory(2.0, 1.0, 1.1, 6);
  for (std::size_t k = 1; k < epochs.size(); ++k) {
    double before = epochs[k - 1].weight - 1.0;
    double after = epochs[k].weight - 1.0;
    EXPECT_NEAR(-1.2 * before, after, kTolerance) << "epoch " << k;
  }
  EXPECT_NEAR(std::pow(1.2, 6), std::abs(epochs.back().weight + epochs.back().update - 1.0),
              kTolerance);
}

TEST(DescentReference, HalfLearningRateLandsInOneStep) {
  std::vector<DescentEpoch> epochs = descent_trajectory(4.0, -2.0, 0.5, 2);
  EXPECT_NEAR(-2.0, epochs[1].weight, kTolerance);
  EXPECT_EQ(0.0, epochs[1].loss);
  EXPECT_EQ(0.0, epochs[1].gradient);
}

TEST(DescentReference, GradientMatchesCentralDifferences) {
  for (double weight : {-3.0, 0.2, 1.0, 7.5, 1234.5}) {
    auto loss = [](const std::vector<Matrix>& p) { return descent_loss(p[0](0, 0), 0.4); };
    std::vector<Matrix> numerical =
        numerical_gradient(loss, {Matrix::Constant(1, 1, weight)}, 1e-6);
    double analytic = descent_epoch(weight, 0.4, 0.1).gradient;
    EXPECT_TRUE(within_tolerance(analytic, numerical[0](0, 0), {1e-6, 1e-6}))
        << "w = " << weight << ": " << analytic << " vs " << numerical[0](0, 0);
  }
}

TEST(DescentReference, LossAloneMatchesEpoch) {
  EXPECT_EQ(descent_epoch(-0.7, 2.1, 0.2).loss, descent_loss(-0.7, 2.1));
}

TEST(DescentReference, ZeroEpochsGiveEmptyTrajectory) {
  EXPECT_TRUE(descent_trajectory(1.0, 0.0, 0.1, 0).empty());
}

}  // namespace
}  // namespace gradlings::engine
