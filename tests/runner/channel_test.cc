#include "runner/channel.h"

#include <gtest/gtest.h>

#include <cmath>

namespace gradlings::runner {
namespace {

TEST(Channel, ParsesCasesStepsAndValues) {
  ChannelData data = parse_channel(
      "case 0\nstep 1\nvalue z1 0.69999999999999996\nvalue a1 nan\nstep 2\nvalue z1 -1e-3\n"
      "case 1\nstep 1\nend\n");
  ASSERT_EQ(2u, data.cases.size());
  EXPECT_TRUE(data.ended);
  EXPECT_TRUE(data.malformed.empty());

  const CaseRecords& first = data.cases[0];
  ASSERT_EQ(2u, first.steps.size());
  EXPECT_EQ(0.7, first.steps[0].find("z1"));
  EXPECT_TRUE(std::isnan(*first.steps[0].find("a1")));
  EXPECT_EQ(-0.001, first.steps[1].find("z1"));
  EXPECT_FALSE(first.steps[1].find("a1"));
  EXPECT_EQ(1, data.cases[1].id);
}

TEST(Channel, MissingStageStopsCaseAndProbeListsAll) {
  ChannelData data = parse_channel(
      "case 0\nstep 1\nmissing forward double sigmoid(double)\nprobe\n"
      "missing forward double sigmoid(double)\nmissing backward Gradients backward(const "
      "Params&)\nend\n");
  ASSERT_EQ(1u, data.cases.size());
  ASSERT_TRUE(data.cases[0].stop);
  EXPECT_EQ(StageStop::Reason::missing, data.cases[0].stop->reason);
  EXPECT_EQ("forward", data.cases[0].stop->stage);
  EXPECT_EQ("double sigmoid(double)", data.cases[0].stop->detail);
  std::vector<std::string> expected = {"double sigmoid(double)",
                                       "Gradients backward(const Params&)"};
  EXPECT_EQ(expected, data.missing_functions);
}

TEST(Channel, ExceptionTextIsUnescaped) {
  ChannelData data = parse_channel("case 0\nstep 1\nexception backward bad\\nthing \\\\ here\n");
  ASSERT_TRUE(data.cases[0].stop);
  EXPECT_EQ(StageStop::Reason::threw, data.cases[0].stop->reason);
  EXPECT_EQ("bad\nthing \\ here", data.cases[0].stop->detail);
  EXPECT_FALSE(data.ended);
}

TEST(Channel, InvalidResultStopsCase) {
  ChannelData data = parse_channel("case 0\nstep 1\ninvalid train train() returned 7 rows\nend\n");
  ASSERT_TRUE(data.cases[0].stop);
  EXPECT_EQ(StageStop::Reason::invalid, data.cases[0].stop->reason);
  EXPECT_EQ("train", data.cases[0].stop->stage);
  EXPECT_EQ("train() returned 7 rows", data.cases[0].stop->detail);
  EXPECT_TRUE(data.missing_functions.empty());
}

TEST(Channel, MalformedRecordIsQuoted) {
  ChannelData data = parse_channel("case 0\nstep 1\nvalue z1 zero\nend\n");
  EXPECT_EQ("value z1 zero", data.malformed);
  EXPECT_FALSE(data.ended);
}

TEST(Channel, RecordAfterEndIsMalformed) {
  ChannelData data = parse_channel("case 0\nend\ncase 1\n");
  EXPECT_EQ("case 1", data.malformed);
  EXPECT_FALSE(data.ended);
}

TEST(Channel, ValueBeforeAnyStepIsMalformed) {
  EXPECT_EQ("value z1 1", parse_channel("value z1 1\n").malformed);
  EXPECT_EQ("value z1 1", parse_channel("case 0\nvalue z1 1\n").malformed);
}

}  // namespace
}  // namespace gradlings::runner
