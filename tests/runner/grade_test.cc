// Tests of runner/grade.h on small classes built here: the parsing of the
// command's values, the roster, the scoring of one lesson, recording and
// skipping students, --student and merge's refusals. The class-sized tests,
// with every kind of attack, are tests/grading/*.py.
#include "runner/grade.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runner/error.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;
using namespace lesson_support;

const std::string kSlug = "02-two-layer-network";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// A fresh folder with a submissions/ and a results/ path inside.
struct Class {
  fs::path root;
  fs::path submissions;
  fs::path out;

  explicit Class(const std::string& name) {
    root = scratch_dir("grade") / name;
    fs::remove_all(root);
    submissions = root / "submissions";
    out = root / "results";
    fs::create_directories(submissions);
  }

  void add(const std::string& folder, const std::string& source) {
    write(submissions / folder / kSlug / "exercise.cpp", source);
  }

  GradeOptions options() const {
    GradeOptions options;
    options.submissions = submissions;
    options.out = out;
    options.lessons_root = kRoot / "lessons";
    options.lessons = {2};
    options.seed = "grade-test";
    options.jobs = 2;
    options.timeout = std::chrono::milliseconds(5000);
    return options;
  }
};

std::string solution() { return read_file(kRoot / "solutions" / kSlug / "exercise.cpp"); }
std::string stub() { return read_file(kRoot / "lessons" / kSlug / "exercise.cpp"); }

GradeSummary grade(const GradeOptions& options, std::vector<std::string>* order = nullptr) {
  return grade_class(options, [&](const GradeProgress& progress) {
    if (order && progress.student) {
      order->push_back(progress.student->id);
    }
  });
}

nlohmann::json state_of(const Class& c, const std::string& id) {
  std::ifstream in(c.out / ".state" / (id + ".json"));
  return nlohmann::json::parse(in);
}

TEST(ParseLessonSelection, ReadsNumbersRangesAndLists) {
  EXPECT_EQ(parse_lesson_selection("2"), (std::vector<int>{2}));
  EXPECT_EQ(parse_lesson_selection("1-3"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(parse_lesson_selection("5,2,4-5"), (std::vector<int>{2, 4, 5}));
}

TEST(ParseLessonSelection, RefusesAnythingElse) {
  for (std::string text : {"", "two", "3-1", "2,", "-2", "1--3", "2.5"}) {
    EXPECT_EQ(error_message([&] { parse_lesson_selection(text); }),
              fmt::format("'{}' is not a lesson selection; write numbers and ranges such as "
                          "'2', '1-7' or '2,4-6'",
                          text))
        << text;
  }
}

TEST(ParseShard, ReadsIndexAndCount) {
  EXPECT_EQ(parse_shard("1/1"), std::make_pair(1, 1));
  EXPECT_EQ(parse_shard("3/8"), std::make_pair(3, 8));
  for (std::string text : {"0/2", "3/2", "2", "a/b", "1/", "/2", "-1/2"}) {
    EXPECT_EQ(error_message([&] { parse_shard(text); }),
              fmt::format("'{}' is not a shard; write I/N with 1 <= I <= N, such as '2/8'", text))
        << text;
  }
}

// One correct, one stub, one without the file: each scored by its own rule,
// with lesson 2's points summed from its cases as the lesson file sets them.
TEST(GradeClass, ScoresEachSubmissionAndRecordsIt) {
  Class c("scores");
  c.add("ada", solution());
  c.add("bob", stub());
  fs::create_directories(c.submissions / "cy");

  std::vector<std::string> order;
  GradeSummary summary = grade(c.options(), &order);

  EXPECT_EQ(summary.students_graded, 3u);
  EXPECT_EQ(summary.students_skipped, 0u);
  EXPECT_FALSE(summary.cancelled);
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (std::vector<std::string>{"ada", "bob", "cy"}));

  Lesson lesson = load_lesson(kRoot / "lessons" / kSlug);
  std::vector<CaseName> cases = lesson.kind_impl->case_names(lesson);
  double max_points = 0;
  for (const CaseName& name : cases) {
    max_points += name.hidden ? lesson.points.hidden_case : lesson.points.public_case;
  }
  std::string max = format_points(max_points);

  EXPECT_EQ(read_file(c.out / "grades.csv"),
            "student,lesson,points,max_points,verdict\n"
            "ada,2," +
                max + "," + max +
                ",passed\n"
                "bob,2,0," +
                max +
                ",not_implemented\n"
                "cy,2,0," +
                max + ",missing_file\n");

  nlohmann::json bob = state_of(c, "bob")["student"]["lessons"][0];
  EXPECT_EQ(bob["checks"].size(), cases.size());
  EXPECT_EQ(bob["checks"][0]["reason"], "not implemented yet: forward, loss, backward, update");

  nlohmann::json cy = state_of(c, "cy")["student"]["lessons"][0];
  EXPECT_EQ(cy["reason"], "no file 'cy/02-two-layer-network/exercise.cpp'");

  nlohmann::json run = nlohmann::json::parse(read_file(c.out / "run.json"));
  EXPECT_EQ(run["seed"], "grade-test");
  EXPECT_EQ(run["complete"], true);
  EXPECT_EQ(run["lessons"], nlohmann::json::array({2}));
}

// The compiler and the programs run in other working folders, so relative
// folders must be resolved before they are handed over.
TEST(GradeClass, AcceptsRelativeFolders) {
  Class c("relative");
  c.add("ada", solution());
  fs::path before = fs::current_path();
  fs::current_path(c.root);

  GradeOptions options = c.options();
  options.submissions = "submissions";
  options.out = "results";
  grade(options);
  fs::current_path(before);

  EXPECT_EQ(state_of(c, "ada")["student"]["lessons"][0]["verdict"], "passed");
}

TEST(GradeClass, ASymbolicLinkToTheSolutionIsNotGraded) {
  Class c("symlink");
  fs::create_directories(c.submissions / "eve" / kSlug);
  fs::create_symlink(kRoot / "solutions" / kSlug / "exercise.cpp",
                     c.submissions / "eve" / kSlug / "exercise.cpp");

  grade(c.options());

  nlohmann::json eve = state_of(c, "eve")["student"]["lessons"][0];
  EXPECT_EQ(eve["verdict"], "missing_file");
  EXPECT_EQ(eve["points"], 0);
  EXPECT_EQ(eve["reason"],
            "'eve/02-two-layer-network/exercise.cpp' is a symbolic link; submit the file itself");
}

// A wrong value in the public case only: the hidden cases keep their points.
TEST(GradeClass, PartialCreditCaseByCase) {
  Class c("partial");
  std::string wrong_at_one = replace_first(solution(), "g.dL_dw1 = g.dL_dz1 * x;",
                                           "g.dL_dw1 = g.dL_dz1 * x + (x == 1.0 ? 1.0 : 0.0);");
  c.add("pat", wrong_at_one);

  grade(c.options());

  nlohmann::json lesson = state_of(c, "pat")["student"]["lessons"][0];
  Lesson loaded = load_lesson(kRoot / "lessons" / kSlug);
  double hidden = 0;
  for (const CaseName& name : loaded.kind_impl->case_names(loaded)) {
    hidden += name.hidden ? loaded.points.hidden_case : 0;
  }
  EXPECT_EQ(lesson["verdict"], "wrong");
  EXPECT_DOUBLE_EQ(lesson["points"].get<double>(), hidden);
  EXPECT_EQ(lesson["checks"][0]["verdict"], "wrong");
  EXPECT_EQ(lesson["checks"][1]["verdict"], "passed");
}

TEST(GradeClass, ARerunSkipsRecordedStudentsAndRegradesChangedOnes) {
  Class c("rerun");
  c.add("ada", solution());
  c.add("bob", stub());
  grade(c.options());
  std::string grades = read_file(c.out / "grades.csv");

  GradeSummary again = grade(c.options());
  EXPECT_EQ(again.students_graded, 0u);
  EXPECT_EQ(again.students_skipped, 2u);
  EXPECT_EQ(read_file(c.out / "grades.csv"), grades);

  c.add("bob", solution());
  std::vector<std::string> order;
  GradeSummary changed = grade(c.options(), &order);
  EXPECT_EQ(order, std::vector<std::string>{"bob"});
  EXPECT_EQ(changed.students_skipped, 1u);

  GradeOptions single = c.options();
  single.students = {"ada"};
  order.clear();
  grade(single, &order);
  EXPECT_EQ(order, std::vector<std::string>{"ada"});

  GradeOptions forced = c.options();
  forced.force = true;
  order.clear();
  grade(forced, &order);
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (std::vector<std::string>{"ada", "bob"}));
}

TEST(GradeClass, RefusesBadInputBeforeGrading) {
  Class c("refusals");
  c.add("ada", solution());

  GradeOptions missing = c.options();
  missing.submissions = c.root / "nowhere";
  EXPECT_EQ(error_message([&] { grade(missing); }),
            fmt::format("the submissions folder '{}' does not exist; give the folder that holds "
                        "one folder per student",
                        display_path(c.root / "nowhere")));

  GradeOptions workspace = c.options();
  workspace.submissions = c.submissions / "ada";
  EXPECT_EQ(error_message([&] { grade(workspace); }),
            fmt::format("'{}' looks like one student's workspace, not a class; give the folder "
                        "that holds one such workspace per student",
                        display_path(c.submissions / "ada")));

  GradeOptions student = c.options();
  student.students = {"adda"};
  EXPECT_EQ(error_message([&] { grade(student); }),
            "no student 'adda' in this selection (did you mean 'ada'?)");
  EXPECT_FALSE(fs::exists(c.out / "grades.csv"));

  for (fs::path out : {c.submissions, c.submissions / "ada", c.root}) {
    GradeOptions overlapping = c.options();
    overlapping.out = out;
    EXPECT_EQ(error_message([&] { grade(overlapping); }),
              fmt::format("--out '{}' and the submissions folder '{}' overlap; give a results "
                          "folder outside the submissions, so that no student can see it",
                          display_path(out), display_path(c.submissions)))
        << out;
  }

  GradeOptions empty_seed = c.options();
  empty_seed.seed = "";
  empty_seed.seed_given = true;
  EXPECT_EQ(error_message([&] { grade(empty_seed); }),
            "--seed is empty; give the secret seed of the hidden cases, or leave --seed out to "
            "use the one recorded in the results folder");

  grade(c.options());
  GradeOptions other_lessons = c.options();
  other_lessons.lessons = {2, 4};
  EXPECT_EQ(error_message([&] { grade(other_lessons); }),
            fmt::format("'{}' holds grades of lessons 2; give --lessons 2 to go on, another --out "
                        "for other lessons, or --force to regrade every student on lessons 2,4",
                        display_path(c.out)));

  GradeOptions other_seed = c.options();
  other_seed.seed = "another";
  EXPECT_EQ(error_message([&] { grade(other_seed); }),
            fmt::format("'{}' holds grades made with another seed; give the same --seed to go on, "
                        "or --force to regrade every student with the new one",
                        display_path(c.out)));
}

TEST(GradeClass, RosterMapsFoldersAndRefusesBadLines) {
  Class c("roster");
  c.add("f1", solution());
  c.add("f2", stub());
  write(c.root / "roster.csv", "folder,id,name\nf1,s-001,\"Lovelace, Ada\"\n");

  GradeOptions options = c.options();
  options.roster = c.root / "roster.csv";
  GradeSummary summary = grade(options);
  EXPECT_EQ(summary.notes,
            std::vector<std::string>{"the folder 'f2' is not on the roster, so it was not graded"});
  EXPECT_EQ(state_of(c, "s-001")["student"]["name"], "Lovelace, Ada");

  write(c.root / "bad.csv", "folder,id,name\nf1,../x,Ada\n");
  options.roster = c.root / "bad.csv";
  EXPECT_EQ(error_message([&] { grade(options); }),
            fmt::format("{}:2: the id '../x' cannot name a results folder; use letters, digits "
                        "and punctuation other than '/', not starting with '.'",
                        display_path(c.root / "bad.csv")));

  write(c.root / "header.csv", "name,id\n");
  options.roster = c.root / "header.csv";
  EXPECT_EQ(error_message([&] { grade(options); }),
            fmt::format("{}:1: the roster's first line is 'name,id'; it must be the header "
                        "folder,id,name",
                        display_path(c.root / "header.csv")));
}

TEST(MergeResults, CombinesShardsLikeOneRun) {
  Class c("merge");
  c.add("ada", solution());
  c.add("bob", stub());
  c.add("cy", solution());
  grade(c.options());

  GradeOptions first = c.options();
  first.out = c.root / "shard1";
  first.shard_index = 1;
  first.shard_count = 2;
  grade(first);
  GradeOptions second = first;
  second.out = c.root / "shard2";
  second.shard_index = 2;
  grade(second);

  EXPECT_EQ(error_message([&] { merge_results(c.root / "merged", {first.out}); }),
            "shard 2/2 is missing; merge all 2 shards");
  EXPECT_EQ(error_message([&] {
              merge_results(c.root / "merged", {first.out, first.out});
            }),
            "shard 1/2 is given twice");

  merge_results(c.root / "merged", {first.out, second.out});
  EXPECT_EQ(read_file(c.root / "merged" / "grades.csv"), read_file(c.out / "grades.csv"));
  EXPECT_EQ(read_file(c.root / "merged" / "results.jsonl"), read_file(c.out / "results.jsonl"));
}

}  // namespace
}  // namespace gradlings::runner
