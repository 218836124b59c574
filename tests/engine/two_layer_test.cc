// The two-layer reference against the chain rule worked out by hand.
#include "engine/two_layer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gradlings::engine {
namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Hand-derived closed forms; agreement to 1e-12 leaves room only for rounding.
constexpr double kTolerance = 1e-12;

TEST(TwoLayerReference, MatchesHandDerivedChainRule) {
  TwoLayerParams p{0.5, 0.2, 0.8, 0.1};
  double x = 1.0;
  double t = 0.8;
  TwoLayerStep s = two_layer_step(p, x, t, 0.1);

  double z1 = p.w1 * x + p.b1;
  double a1 = sigmoid(z1);
  double z2 = p.w2 * a1 + p.b2;
  double a2 = sigmoid(z2);
  double dz2 = (a2 - t) * a2 * (1 - a2);
  double dz1 = dz2 * p.w2 * a1 * (1 - a1);

  EXPECT_NEAR(z1, s.z1, kTolerance);
  EXPECT_NEAR(a1, s.a1, kTolerance);
  EXPECT_NEAR(z2, s.z2, kTolerance);
  EXPECT_NEAR(a2, s.a2, kTolerance);
  EXPECT_NEAR(0.5 * (a2 - t) * (a2 - t), s.loss, kTolerance);
  EXPECT_NEAR(a2 - t, s.dL_da2, kTolerance);
  EXPECT_NEAR(a2 * (1 - a2), s.da2_dz2, kTolerance);
  EXPECT_NEAR(dz2, s.dL_dz2, kTolerance);
  EXPECT_NEAR(dz2 * a1, s.dL_dw2, kTolerance);
  EXPECT_NEAR(dz2, s.dL_db2, kTolerance);
  EXPECT_NEAR(dz2 * p.w2, s.dL_da1, kTolerance);
  EXPECT_NEAR(a1 * (1 - a1), s.da1_dz1, kTolerance);
  EXPECT_NEAR(dz1, s.dL_dz1, kTolerance);
  EXPECT_NEAR(dz1 * x, s.dL_dw1, kTolerance);
  EXPECT_NEAR(dz1, s.dL_db1, kTolerance);
  EXPECT_NEAR(p.w2 - 0.1 * dz2 * a1, s.updated.w2, kTolerance);
}

// The values printed, to three decimals, by the textbook trace this lesson
// follows (x = 1, target 0.8, w1 0.5, b1 0.2, w2 0.8, b2 0.1, rate 0.1).
TEST(TwoLayerReference, FirstStepRoundsToTextbookValues) {
  TwoLayerStep s = two_layer_step({0.5, 0.2, 0.8, 0.1}, 1.0, 0.8, 0.1);
  EXPECT_NEAR(0.700, s.z1, 5e-4);
  EXPECT_NEAR(0.668, s.a1, 5e-4);
  EXPECT_NEAR(0.635, s.z2, 5e-4);
  EXPECT_NEAR(0.654, s.a2, 5e-4);
  EXPECT_NEAR(0.011, s.loss, 5e-4);
  EXPECT_NEAR(-0.022, s.dL_dw2, 5e-4);
  EXPECT_NEAR(-0.033, s.dL_db2, 5e-4);
  EXPECT_NEAR(-0.006, s.dL_dw1, 5e-4);
  EXPECT_NEAR(0.802, s.updated.w2, 5e-4);
}

TEST(TwoLayerReference, TrajectoryChainsUpdates) {
  std::vector<TwoLayerStep> steps = two_layer_trajectory({0.5, 0.2, 0.8, 0.1}, 1.0, 0.8, 0.1, 3);
  ASSERT_EQ(3u, steps.size());
  EXPECT_EQ(steps[0].updated.w1, steps[1].params.w1);
  EXPECT_EQ(steps[1].updated.b2, steps[2].params.b2);
  EXPECT_LT(steps[2].loss, steps[0].loss);
}

TEST(TwoLayerReference, LossAloneMatchesStep) {
  TwoLayerParams p{-1.3, 0.4, 1.7, -0.2};
  EXPECT_EQ(two_layer_step(p, 0.6, 0.3, 0.1).loss, two_layer_loss(p, 0.6, 0.3));
}

}  // namespace
}  // namespace gradlings::engine
