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

TEST(ReplaceInvalidUtf8, KeepsValidText) {
  EXPECT_EQ("", replace_invalid_utf8(""));
  EXPECT_EQ("plain ASCII", replace_invalid_utf8("plain ASCII"));
  EXPECT_EQ("dL/dw₂ − 0.5 ✓ \xF0\x9F\x98\x80", replace_invalid_utf8("dL/dw₂ − 0.5 ✓ \xF0\x9F\x98\x80"));
}

TEST(ReplaceInvalidUtf8, ReplacesEachBadByte) {
  const std::string bad = "\xEF\xBF\xBD";
  EXPECT_EQ("a" + bad + "b", replace_invalid_utf8("a\xFF" "b"));
  EXPECT_EQ("a" + bad + bad + "b", replace_invalid_utf8("a\x80\xBF" "b"));
  // A sequence cut short: each of its bytes is replaced.
  EXPECT_EQ("a" + bad + bad + "b", replace_invalid_utf8("a\xE2\x82" "b"));
  EXPECT_EQ("a" + bad, replace_invalid_utf8("a\xC3"));
  // The overlong form of '/', a surrogate and a code point above U+10FFFF.
  EXPECT_EQ(bad + bad, replace_invalid_utf8("\xC0\xAF"));
  EXPECT_EQ(bad + bad + bad, replace_invalid_utf8("\xED\xA0\x80"));
  EXPECT_EQ(bad + bad + bad + bad, replace_invalid_utf8("\xF4\x90\x80\x80"));
  EXPECT_EQ(bad + bad + bad, replace_invalid_utf8("\xE0\x80\x80"));
}

}  // namespace
}  // namespace gradlings::runner
