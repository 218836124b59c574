// The gradient clipping reference against hand-derived values, the numerical
// checker and PyTorch's torch.nn.utils.clip_grad_norm_.
#include "engine/clipping.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "engine/gradcheck.h"

namespace gradlings::engine {
namespace {

// Hand-derived or printed with 17 significant digits: only rounding remains.
constexpr double kTolerance = 1e-12;

void expect_vectors_near(const std::vector<double>& expected, const std::vector<double>& actual,
                         double tolerance) {
  ASSERT_EQ(expected.size(), actual.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(expected[i], actual[i], tolerance) << "entry " << i;
  }
}

// The lesson's public case: w and c chosen so that g = 2 c w is the
// textbook example's gradient [-150, 30, -5, 200, 8].
const std::vector<double> kWeights = {-25, 10, -5, 25, 2};
const std::vector<double> kCoefficients = {3, 1.5, 0.5, 4, 2};
const std::vector<double> kTextbookGradient = {-150, 30, -5, 200, 8};

TEST(ClippingReference, GradientIsTwoCW) {
  expect_vectors_near(kTextbookGradient, weighted_square_gradient(kWeights, kCoefficients),
                      kTolerance);
  EXPECT_NEAR(3 * 625 + 1.5 * 100 + 0.5 * 25 + 4 * 625 + 2 * 4,
              weighted_square_loss(kWeights, kCoefficients), kTolerance);
}

TEST(ClippingReference, GradientMatchesCentralDifferences) {
  std::vector<double> w = {0.3, -2.2, 4.0};
  std::vector<double> c = {-1.5, 0.25, 3.0};
  Matrix at(3, 1);
  at << w[0], w[1], w[2];
  auto loss = [&](const std::vector<Matrix>& p) {
    return weighted_square_loss({p[0](0, 0), p[0](1, 0), p[0](2, 0)}, c);
  };
  Matrix numerical = numerical_gradient(loss, {at}, 1e-6)[0];
  std::vector<double> analytic = weighted_square_gradient(w, c);
  for (Eigen::Index i = 0; i < 3; ++i) {
    EXPECT_TRUE(within_tolerance(analytic[static_cast<std::size_t>(i)], numerical(i, 0), {1e-6, 1e-6}))
        << "entry " << i;
  }
}

TEST(ClippingReference, LengthMismatchThrows) {
  EXPECT_THROW(weighted_square_gradient({1, 2}, {1}), std::invalid_argument);
  EXPECT_THROW(weighted_square_loss({}, {}), std::invalid_argument);
  EXPECT_THROW(cosine_similarity({1, 2}, {1}), std::invalid_argument);
}

TEST(ClippingReference, ClipByValueMatchesTextbook) {
  expect_vectors_near({-50, 30, -5, 50, 8}, clip_by_value(kTextbookGradient, 50), 0);
}

// The numbers below were printed by scripts/clip_norm_oracle.py with
// PyTorch 1.13 (Debian's python3-torch), float64 on the CPU.
struct TorchCase {
  const char* name;
  std::vector<double> gradient;
  double max_norm;
  double norm;
  std::vector<double> by_norm;
};

const TorchCase kTorchCases[] = {
    {"textbook", {-150, 30, -5, 200, 8}, 50, 251.9702363375484,
     {-29.765420230774044, 5.9530840461548085, -0.9921806743591348, 39.687226974365394,
      1.5874890789746157}},
    {"under_threshold", {3, -4}, 10, 5.0, {3.0, -4.0}},
    {"norm_equals_max_norm", {3, 4}, 5, 5.0, {2.99999940000012, 3.99999920000016}},
    {"zero", {0, 0, 0}, 1, 0.0, {0, 0, 0}},
    {"single_negative", {-7.5}, 2, 7.5, {-1.9999997333333688}},
};

TEST(ClippingReference, ClipByNormMatchesTorch) {
  for (const TorchCase& c : kTorchCases) {
    SCOPED_TRACE(c.name);
    EXPECT_NEAR(c.norm, global_norm(c.gradient), kTolerance);
    expect_vectors_near(c.by_norm, clip_by_norm(c.gradient, c.max_norm), kTolerance);
  }
}

TEST(ClippingReference, ScaleFollowsTorchRule) {
  EXPECT_NEAR(50 / (251.9702363375484 + 1e-6), clip_scale(251.9702363375484, 50), kTolerance);
  EXPECT_EQ(1.0, clip_scale(5.0, 10.0));
  EXPECT_EQ(1.0, clip_scale(0.0, 1.0));
  // A norm equal to max_norm is still scaled, by a hair, as in PyTorch.
  EXPECT_LT(clip_scale(5.0, 5.0), 1.0);
}

TEST(ClippingReference, ZeroGradientStaysZeroWithoutNan) {
  ClippingReference r = clipping_reference({0, 0}, {1.0, 2.0}, 1.0, 1.0);
  EXPECT_EQ(0.0, r.norm);
  EXPECT_EQ(1.0, r.scale);
  for (double entry : r.by_norm) {
    EXPECT_EQ(0.0, entry);
  }
  EXPECT_FALSE(r.cosine_by_value);
  EXPECT_FALSE(r.cosine_by_norm);
}

TEST(ClippingReference, NormClippingKeepsDirection) {
  ClippingReference r = clipping_reference(kWeights, kCoefficients, 50, 50);
  ASSERT_TRUE(r.cosine_by_norm);
  EXPECT_NEAR(1.0, *r.cosine_by_norm, 1e-15);
  EXPECT_NEAR(50.0, global_norm(r.by_norm), 1e-6);
}

// Value clipping of the textbook gradient gives [-50, 30, -5, 50, 8], whose
// cosine with the original is 18489 / (sqrt(63489) * sqrt(5989)) = 0.9482.
TEST(ClippingReference, ValueClippingTurnsDirection) {
  ClippingReference r = clipping_reference(kWeights, kCoefficients, 50, 50);
  ASSERT_TRUE(r.cosine_by_value);
  double dot = 150 * 50 + 30 * 30 + 5 * 5 + 200 * 50 + 8 * 8;
  double expected = dot / (std::sqrt(63489.0) * std::sqrt(5989.0));
  EXPECT_NEAR(expected, *r.cosine_by_value, kTolerance);
  EXPECT_LT(*r.cosine_by_value, 0.99);
}

TEST(ClippingReference, CosineOfOppositeVectorsIsMinusOne) {
  std::optional<double> cosine = cosine_similarity({1, -2, 3}, {-2, 4, -6});
  ASSERT_TRUE(cosine);
  EXPECT_NEAR(-1.0, *cosine, kTolerance);
}

TEST(ClippingReference, CosineOfNanIsNan) {
  std::optional<double> cosine = cosine_similarity({1, 2}, {std::nan(""), 1});
  ASSERT_TRUE(cosine);
  EXPECT_TRUE(std::isnan(*cosine));
}

}  // namespace
}  // namespace gradlings::engine
