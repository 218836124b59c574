// The matching behind the diagnoses, against values worked out by hand.
#include "runner/diagnosis.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gradlings::runner {
namespace {

// The lessons' tolerance: 1e-9 absolute plus 1e-7 relative.
const engine::Tolerance kTolerance{1e-9, 1e-7};

// dL/da2 of lesson 2's public case: a2 = sigmoid(0.635...) = 0.6536, target
// 0.8, so the right value is -0.1464 and the suspects are -0.2928, -0.0732
// and 0.1464.
Suspects error_suspects() { return {-0.1464, factor_and_sign(-0.1464, "dL/da2 = a2 − target")}; }

TEST(Diagnose, NamesFlippedSign) {
  EXPECT_EQ("the sign is flipped. dL/da2 = a2 − target",
            diagnose(0.1464, error_suspects(), kTolerance));
}

TEST(Diagnose, NamesFactorOfTwoBothWays) {
  EXPECT_EQ("the value is twice the right one. dL/da2 = a2 − target",
            diagnose(-0.2928, error_suspects(), kTolerance));
  EXPECT_EQ("the value is half the right one. dL/da2 = a2 − target",
            diagnose(-0.0732, error_suspects(), kTolerance));
}

TEST(Diagnose, MatchesWithinTolerance) {
  // 0.1464 * 1e-7 = 1.5e-8 is allowed, 1e-6 is not.
  EXPECT_EQ("the sign is flipped. dL/da2 = a2 − target",
            diagnose(0.1464 + 1e-8, error_suspects(), kTolerance));
  EXPECT_EQ("", diagnose(0.1464 + 1e-6, error_suspects(), kTolerance));
}

TEST(Diagnose, SilentForArbitraryValue) {
  EXPECT_EQ("", diagnose(-0.19032, error_suspects(), kTolerance));  // 1.3 × the right value
}

TEST(Diagnose, SilentForRightValue) {
  EXPECT_EQ("", diagnose(-0.1464, error_suspects(), kTolerance));
}

TEST(Diagnose, SilentForNonFiniteValue) {
  EXPECT_EQ("", diagnose(std::nan(""), error_suspects(), kTolerance));
}

TEST(Diagnose, IgnoresSuspectEqualToRightValue) {
  // At a right value of 0, a flipped sign and a factor of 2 all give 0, so
  // they name nothing. A learner's 0.5 matches none of them.
  Suspects zero{0.0, factor_and_sign(0.0, "")};
  EXPECT_EQ("", diagnose(0.0, zero, kTolerance));
  EXPECT_EQ("", diagnose(0.5, zero, kTolerance));
}

TEST(Diagnose, NamesBothOfTwoMatchingMistakes) {
  // Two different mistakes that happen to give the same value are both
  // named, since the numbers cannot tell them apart.
  Suspects s{-0.1,
             {{Mistake::missing_derivative, -0.4, "multiply by da2/dz2"},
              {Mistake::derivative_at_z, -0.4, "use a2"}}};
  EXPECT_EQ(
      "either the sigmoid's derivative is missing, or the sigmoid's derivative is taken at z "
      "instead of a",
      diagnose(-0.4, s, kTolerance));
}

TEST(Diagnose, SilentForThreeMatchingMistakes) {
  Suspects s{1.0,
             {{Mistake::missing_derivative, 3.0, ""},
              {Mistake::derivative_at_z, 3.0, ""},
              {Mistake::transposed, 3.0, ""}}};
  EXPECT_EQ("", diagnose(3.0, s, kTolerance));
}

TEST(Diagnose, SameMistakeTwiceCountsOnce) {
  // Two samples with the same bias gradient: one sample's gradient is one
  // mistake, whichever sample it came from.
  Suspects s = bias_suspects({0.25, 0.25, -0.1}, true);
  EXPECT_EQ(
      "the bias gradient is one sample's, not the whole batch's. Add up the gradients of every "
      "sample in the batch",
      diagnose(0.25, s, kTolerance));
}

TEST(Diagnose, NameWithoutAdvice) {
  Suspects s{2.0, {{Mistake::updated_too_early, 2.5, ""}}};
  EXPECT_EQ("a weight was updated before this gradient was computed from it",
            diagnose(2.5, s, kTolerance));
}

TEST(BiasSuspects, SumOverBatch) {
  // Per-sample gradients 0.3, -0.1, 0.4: sum 0.6, mean 0.2.
  Suspects s = bias_suspects({0.3, -0.1, 0.4}, true);
  EXPECT_DOUBLE_EQ(0.6, s.right);
  EXPECT_EQ("", diagnose(0.6, s, kTolerance));
  EXPECT_EQ(
      "the bias gradient is the mean over the batch where the sum is meant. Sum the samples' "
      "gradients, not their mean",
      diagnose(0.2, s, kTolerance));
  EXPECT_EQ(
      "the bias gradient is one sample's, not the whole batch's. Add up the gradients of every "
      "sample in the batch",
      diagnose(0.4, s, kTolerance));
  EXPECT_EQ("", diagnose(0.5, s, kTolerance));
}

TEST(BiasSuspects, MeanOverBatch) {
  Suspects s = bias_suspects({0.3, -0.1, 0.4}, false);
  EXPECT_DOUBLE_EQ(0.2, s.right);
  EXPECT_EQ(
      "the bias gradient is the sum over the batch where the mean is meant. Divide the sum by the "
      "batch size",
      diagnose(0.6, s, kTolerance));
  EXPECT_EQ(
      "the bias gradient is one sample's, not the whole batch's. Average the gradients of every "
      "sample in the batch",
      diagnose(-0.1, s, kTolerance));
}

TEST(AddDiagnosis, OnlyOnFailingCheck) {
  Check check;
  check.actual = 0.1464;
  check.expected = -0.1464;
  add_diagnosis(check, error_suspects(), kTolerance);
  EXPECT_EQ("the sign is flipped. dL/da2 = a2 − target", check.diagnosis);

  // The learner's value is right by the reference but not by `right`,
  // computed from a wrong input: no diagnosis on a passing check.
  Check passing;
  passing.actual = -0.2928;
  passing.expected = -0.2928;
  add_diagnosis(passing, error_suspects(), kTolerance);
  EXPECT_EQ("", passing.diagnosis);

  Check missing;
  missing.expected = -0.1464;
  add_diagnosis(missing, error_suspects(), kTolerance);
  EXPECT_EQ("", missing.diagnosis);
}

}  // namespace
}  // namespace gradlings::runner
