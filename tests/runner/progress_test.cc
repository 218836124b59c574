// The progress bar, the lesson list and the verify summary, compared line by
// line with what a learner reads.
#include "runner/progress.h"

#include <gtest/gtest.h>

namespace gradlings::runner {
namespace {

const ReportStyle kPlain{false, false};
const ReportStyle kUnicode{false, true};

TEST(ProgressBar, FillsInProportion) {
  EXPECT_EQ("[..........] 0/7 lessons", progress_bar(0, 7, kPlain, 10));
  EXPECT_EQ("[####......] 3/7 lessons", progress_bar(3, 7, kPlain, 10));
  EXPECT_EQ("[##########] 7/7 lessons", progress_bar(7, 7, kPlain, 10));
  EXPECT_EQ("[████░░░░░░] 3/7 lessons", progress_bar(3, 7, kUnicode, 10));
}

TEST(ProgressBar, NeverLooksEmptyOrFullByRounding) {
  EXPECT_EQ("[#...................] 1/50 lessons", progress_bar(1, 50, kPlain));
  EXPECT_EQ("[###################.] 49/50 lessons", progress_bar(49, 50, kPlain));
}

TEST(Standing, OnlyPassedIsDone) {
  EXPECT_EQ(Standing::passed, standing_of("passed"));
  EXPECT_EQ(Standing::failed, standing_of("failed"));
  EXPECT_EQ(Standing::failed, standing_of("does not compile"));
  EXPECT_EQ(Standing::not_started, standing_of(""));
}

TEST(FirstUnfinished, SkipsPassedLessons) {
  std::vector<LessonProgress> lessons = {{1, "One", Standing::passed, "passed"},
                                         {2, "Two", Standing::failed, "failed"},
                                         {3, "Three", Standing::not_started, ""}};
  ASSERT_TRUE(first_unfinished(lessons));
  EXPECT_EQ(2, first_unfinished(lessons)->number);
  lessons[1].standing = Standing::passed;
  EXPECT_EQ(3, first_unfinished(lessons)->number);
  lessons[2].standing = Standing::passed;
  EXPECT_FALSE(first_unfinished(lessons));
}

TEST(RenderList, ShowsEachStandingAndTheBar) {
  std::vector<LessonProgress> lessons = {{1, "The chain rule", Standing::passed, "passed"},
                                         {2, "XOR", Standing::failed, "does not compile"},
                                         {3, "Clipping", Standing::not_started, ""}};
  EXPECT_EQ(
      "  1  The chain rule  ok passed\n"
      "  2  XOR             XX does not compile\n"
      "  3  Clipping        .. not started\n"
      "\n"
      "[#######.............] 1/3 lessons\n"
      "Next: lesson 2, XOR. Run 'runner next' or 'runner watch'.\n",
      render_list(lessons, kPlain));
}

TEST(RenderList, InsideWatchNamesNoCommand) {
  std::vector<LessonProgress> lessons = {{1, "One", Standing::passed, "passed"},
                                         {2, "Two", Standing::not_started, ""}};
  ReportStyle watching = kPlain;
  watching.watching = true;
  std::string text = render_list(lessons, watching);
  EXPECT_NE(std::string::npos, text.find("Next: lesson 2, Two.\n")) << text;
  EXPECT_EQ(std::string::npos, text.find("runner next")) << text;
}

TEST(RenderList, AllPassedPointsAtSolutions) {
  std::vector<LessonProgress> lessons = {{1, "One", Standing::passed, "passed"}};
  EXPECT_EQ(
      "  1  One  ✓ passed\n"
      "\n"
      "[████████████████████] 1/1 lessons\n"
      "Every lesson has passed. 'runner solution N' shows the reference solution to compare "
      "with yours.\n",
      render_list(lessons, kUnicode));
}

TEST(RenderVerifySummary, NamesWhereItStopped) {
  std::vector<VerifyRow> rows = {{1, "The chain rule", "passed", true, 0.25},
                                 {2, "Two layers", "crashed", false, 1.5},
                                 {3, "XOR", "not checked", false, std::nullopt}};
  EXPECT_EQ(
      "  #  Lesson          Verdict                 Time\n"
      "---------------------------------------------------\n"
      "  1  The chain rule  ok passed               0.25 s\n"
      "  2  Two layers      XX crashed              1.50 s\n"
      "  3  XOR             .. not checked\n"
      "\n"
      "[#######.............] 1/3 lessons passed in this run\n"
      "Stopped at lesson 2: crashed. Fix it, then run 'runner verify' again.\n",
      render_verify_summary(rows, kPlain));
}

TEST(RenderVerifySummary, NotStartedStopsToo) {
  std::vector<VerifyRow> rows = {{1, "One", "passed", true, 0.5},
                                 {2, "Two", "not started", false, std::nullopt}};
  std::string text = render_verify_summary(rows, kPlain);
  EXPECT_NE(std::string::npos, text.find("  2  Two     .. not started\n")) << text;
  EXPECT_NE(std::string::npos, text.find("Stopped at lesson 2: not started.")) << text;
}

TEST(RenderVerifySummary, AllPass) {
  std::vector<VerifyRow> rows = {{1, "One", "passed", true, 0.5}};
  std::string text = render_verify_summary(rows, kPlain);
  EXPECT_NE(std::string::npos, text.find("Every lesson passes.\n")) << text;
}

}  // namespace
}  // namespace gradlings::runner
