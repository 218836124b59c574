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
