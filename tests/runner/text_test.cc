#include "runner/text.h"

#include <gtest/gtest.h>

namespace gradlings::runner {
namespace {

TEST(EditDistance, CountsSingleEdits) {
  EXPECT_EQ(0u, edit_distance("rate", "rate"));
  EXPECT_EQ(1u, edit_distance("lerning_rate", "learning_rate"));
  EXPECT_EQ(3u, edit_distance("kitten", "sitting"));
  EXPECT_EQ(4u, edit_distance("", "abcd"));
}

TEST(DidYouMean, SuggestsCloseKey) {
  std::vector<std::string> keys = {"learning_rate", "w1", "b1"};
  EXPECT_EQ(" (did you mean 'learning_rate'?)", did_you_mean("lerning_rate", keys));
}

TEST(DidYouMean, SilentWhenNothingIsClose) {
  std::vector<std::string> keys = {"learning_rate", "w1", "b1"};
  EXPECT_EQ("", did_you_mean("momentum", keys));
}

}  // namespace
}  // namespace gradlings::runner

namespace gradlings::runner {
namespace {

TEST(ToAscii, LeavesNoByteAbove127) {
  std::string converted =
      to_ascii("✓ ✗ z1 = 1.000×0.500 − 0.2² → │ ─ ┼ └ ═ … █▇▆▅▄▃▂▁ • √ ·");
  for (unsigned char c : converted) {
    ASSERT_LT(c, 128) << converted;
  }
  EXPECT_EQ("ok XX z1 = 1.000*0.500 - 0.2^2 -> | - + + = ... ###==--_ * sqrt -", converted);
}

TEST(ToAscii, CompilerQuotes) {
  EXPECT_EQ("error: 'x' was not declared", to_ascii("error: ‘x’ was not declared"));
}

TEST(DisplayWidth, CountsCodePoints) {
  EXPECT_EQ(5u, display_width("a ✓ b"));
  EXPECT_EQ(3u, display_width("█▇▆"));
}

TEST(Distinguishable, AddsDecimalsUntilValuesDiffer) {
  EXPECT_EQ(std::make_pair(std::string("0.146"), std::string("-0.146")),
            distinguishable(0.146, -0.146));
  EXPECT_EQ(std::make_pair(std::string("0.70001"), std::string("0.70000")),
            distinguishable(0.70001, 0.7));
}

TEST(ShortFunctionName, DropsReturnTypeAndParameters) {
  EXPECT_EQ("forward", short_function_name("Forward forward(const Params&, double)"));
  EXPECT_EQ("sigmoid", short_function_name("double sigmoid(double)"));
}

}  // namespace
}  // namespace gradlings::runner

namespace gradlings::runner {
namespace {

TEST(AsciiOnly, ReplacesCompilerQuotes) {
  EXPECT_EQ("error: 'w3' was not declared in this scope; \"x\"",
            ascii_only("error: ‘w3’ was not declared in this scope; “x”"));
}

TEST(AsciiOnly, KeepsToAsciiReplacements) {
  EXPECT_EQ("ok z1 = 1.000*0.500 -> 0.700", ascii_only("✓ z1 = 1.000×0.500 → 0.700"));
}

TEST(AsciiOnly, MarksOtherCharactersWithQuestionMark) {
  // é is two bytes, 😀 four, and each becomes one '?'.
  EXPECT_EQ("caf? ? done", ascii_only("café 😀 done"));
}

TEST(AsciiOnly, MarksInvalidBytes) {
  EXPECT_EQ("a?b??c", ascii_only("a\xC3" "b\x80\xBF" "c"));
}

}  // namespace
}  // namespace gradlings::runner
