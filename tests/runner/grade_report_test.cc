#include "runner/grade_report.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runner/error.h"

namespace gradlings::runner {
namespace {

using Json = nlohmann::json;

// The values of a hidden case that a student must never see.
const char* const kHiddenReason = "dL/dw at epoch 2 is 0.41, expected 0.4 (start -3.2, target 1.7)";

CheckResult check(std::string name, bool hidden, double max_points, Verdict verdict) {
  CheckResult result;
  result.name = std::move(name);
  result.hidden = hidden;
  result.max_points = max_points;
  result.points = verdict == Verdict::passed ? max_points : 0;
  result.verdict = verdict;
  return result;
}

LessonGrade lesson(int number, std::string title, std::vector<CheckResult> checks) {
  LessonGrade grade;
  grade.number = number;
  grade.slug = fmt::format("{:02}-lesson", number);
  grade.title = std::move(title);
  grade.verdict = Verdict::passed;
  grade.source_sha256 = std::string(64, 'a');
  for (const CheckResult& c : checks) {
    grade.points += c.points;
    grade.max_points += c.max_points;
    if (grade.verdict == Verdict::passed && c.verdict != Verdict::passed) {
      grade.verdict = c.verdict;
      grade.reason = c.reason;
    }
  }
  grade.checks = std::move(checks);
  return grade;
}

// Alice passes lesson 2 and gets a hidden case of lesson 4 wrong. Bob's
// lesson 2 crashes, after printing a byte that is not UTF-8 and XML's
// special characters. Each list is out of order, so the writers must sort.
std::vector<StudentGrade> small_class() {
  CheckResult wrong = check("hidden 1", true, 0.75, Verdict::wrong);
  wrong.reason = kHiddenReason;
  wrong.student_reason = "dL/dw is wrong (epoch 2, backward pass)";
  wrong.first_wrong = "dL/dw (epoch 2, backward pass)";
  wrong.largest_relative_error = 0.025;

  StudentGrade alice;
  alice.id = "alice";
  alice.name = "Alice Liddell";
  alice.folder = "alice-submission";
  alice.lessons = {
      lesson(4, "Gradient descent", {check("public", false, 2.5, Verdict::passed), wrong}),
      lesson(2, "The two-layer network",
             {check("public", false, 7.5, Verdict::passed),
              check("hidden 1", true, 0.5, Verdict::passed)}),
  };

  CheckResult crashed_public = check("public", false, 7.5, Verdict::crashed);
  crashed_public.reason = "killed by SIGSEGV after printing \xFF & <\"junk\">";
  crashed_public.student_reason = crashed_public.reason;
  CheckResult crashed_hidden = check("hidden 1", true, 0.5, Verdict::crashed);
  crashed_hidden.reason = "killed by SIGSEGV at x = 0.731";
  crashed_hidden.student_reason = "killed by SIGSEGV";

  StudentGrade bob;
  bob.id = "bob,jr";
  bob.folder = "bob";
  bob.lessons = {lesson(2, "The two-layer network", {crashed_public, crashed_hidden})};
  return {bob, alice};
}

TEST(GradesCsv, OneRowPerStudentAndLesson) {
  EXPECT_EQ(
      "student,lesson,points,max_points,verdict\n"
      "alice,2,8,8,passed\n"
      "alice,4,2.5,3.25,wrong\n"
      "\"bob,jr\",2,0,8,crashed\n",
      grades_csv(small_class()));
}

TEST(GradesCsv, QuotesFieldsThatNeedIt) {
  StudentGrade student;
  student.lessons = {lesson(1, "x", {})};
  student.id = "say \"hi\"\nthere";
  EXPECT_EQ(
      "student,lesson,points,max_points,verdict\n"
      "\"say \"\"hi\"\"\nthere\",1,0,0,passed\n",
      grades_csv({student}));
}

TEST(GradesCsv, EmptyClassHasOnlyTheHeader) {
  EXPECT_EQ("student,lesson,points,max_points,verdict\n", grades_csv({}));
}

TEST(ResultsJsonl, OneLinePerCheck) {
  EXPECT_EQ(
      R"x({"student":"alice","lesson":2,"check":"public","visibility":"visible","points":7.5,"max_points":7.5,"verdict":"passed","reason":"","first_wrong":"","largest_relative_error":null}
{"student":"alice","lesson":2,"check":"hidden 1","visibility":"hidden","points":0.5,"max_points":0.5,"verdict":"passed","reason":"","first_wrong":"","largest_relative_error":null}
{"student":"alice","lesson":4,"check":"public","visibility":"visible","points":2.5,"max_points":2.5,"verdict":"passed","reason":"","first_wrong":"","largest_relative_error":null}
{"student":"alice","lesson":4,"check":"hidden 1","visibility":"hidden","points":0.0,"max_points":0.75,"verdict":"wrong","reason":"dL/dw at epoch 2 is 0.41, expected 0.4 (start -3.2, target 1.7)","first_wrong":"dL/dw (epoch 2, backward pass)","largest_relative_error":0.025}
{"student":"bob,jr","lesson":2,"check":"public","visibility":"visible","points":0.0,"max_points":7.5,"verdict":"crashed","reason":"killed by SIGSEGV after printing )x"
      "\xEF\xBF\xBD"
      R"x( & <\"junk\">","first_wrong":"","largest_relative_error":null}
{"student":"bob,jr","lesson":2,"check":"hidden 1","visibility":"hidden","points":0.0,"max_points":0.5,"verdict":"crashed","reason":"killed by SIGSEGV at x = 0.731","first_wrong":"","largest_relative_error":null}
)x",
      results_jsonl(small_class()));
}

TEST(ResultsJsonl, EveryLineParses) {
  std::string text = results_jsonl(small_class());
  std::size_t lines = 0;
  for (std::size_t start = 0; start < text.size(); ++lines) {
    std::size_t end = text.find('\n', start);
    ASSERT_NE(std::string::npos, end);
    Json line = Json::parse(text.substr(start, end - start));
    EXPECT_TRUE(line.contains("largest_relative_error"));
    start = end + 1;
  }
  EXPECT_EQ(6u, lines);
}

TEST(JunitXml, OneSuitePerStudent) {
  EXPECT_EQ(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"gradlings\" tests=\"6\" failures=\"3\">\n"
      "  <testsuite name=\"alice\" tests=\"4\" failures=\"1\">\n"
      "    <testcase classname=\"alice\" name=\"lesson 2: public\"/>\n"
      "    <testcase classname=\"alice\" name=\"lesson 2: hidden 1\"/>\n"
      "    <testcase classname=\"alice\" name=\"lesson 4: public\"/>\n"
      "    <testcase classname=\"alice\" name=\"lesson 4: hidden 1\">\n"
      "      <failure message=\"dL/dw at epoch 2 is 0.41, expected 0.4 (start -3.2, target "
      "1.7)\" type=\"wrong\"/>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "  <testsuite name=\"bob,jr\" tests=\"2\" failures=\"2\">\n"
      "    <testcase classname=\"bob,jr\" name=\"lesson 2: public\">\n"
      "      <failure message=\"killed by SIGSEGV after printing \xEF\xBF\xBD &amp; "
      "&lt;&quot;junk&quot;&gt;\" type=\"crashed\"/>\n"
      "    </testcase>\n"
      "    <testcase classname=\"bob,jr\" name=\"lesson 2: hidden 1\">\n"
      "      <failure message=\"killed by SIGSEGV at x = 0.731\" type=\"crashed\"/>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "</testsuites>\n",
      junit_xml(small_class()));
}

TEST(JunitXml, EscapesLineBreaksAndControlCharacters) {
  CheckResult failed = check("it's <1>", false, 1, Verdict::compile_error);
  failed.reason = "line one\nline\ttwo\x01";
  StudentGrade student;
  student.id = "a&b";
  student.lessons = {lesson(1, "x", {failed})};
  EXPECT_EQ(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"gradlings\" tests=\"1\" failures=\"1\">\n"
      "  <testsuite name=\"a&amp;b\" tests=\"1\" failures=\"1\">\n"
      "    <testcase classname=\"a&amp;b\" name=\"lesson 1: it&apos;s &lt;1&gt;\">\n"
      "      <failure message=\"line one&#10;line&#9;two\xEF\xBF\xBD\" "
      "type=\"compile_error\"/>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "</testsuites>\n",
      junit_xml({student}));
}

TEST(GradescopeJson, ListsEveryCheckAsATest) {
  EXPECT_EQ(R"x({
  "score": 10.5,
  "max_score": 11.25,
  "tests": [
    {
      "name": "lesson 2: public",
      "score": 7.5,
      "max_score": 7.5,
      "status": "passed",
      "output": "",
      "visibility": "visible"
    },
    {
      "name": "lesson 2: hidden 1",
      "score": 0.5,
      "max_score": 0.5,
      "status": "passed",
      "output": "",
      "visibility": "hidden"
    },
    {
      "name": "lesson 4: public",
      "score": 2.5,
      "max_score": 2.5,
      "status": "passed",
      "output": "",
      "visibility": "visible"
    },
    {
      "name": "lesson 4: hidden 1",
      "score": 0.0,
      "max_score": 0.75,
      "status": "failed",
      "output": "dL/dw is wrong (epoch 2, backward pass)",
      "visibility": "hidden"
    }
  ]
}
)x",
            gradescope_json(small_class()[1]));
}

TEST(GradescopeJson, ShowsReasonOfVisibleChecks) {
  Json json = Json::parse(gradescope_json(small_class()[0]));
  EXPECT_EQ(0.0, json["score"]);
  EXPECT_EQ(8.0, json["max_score"]);
  ASSERT_EQ(2u, json["tests"].size());
  EXPECT_EQ("failed", json["tests"][0]["status"]);
  EXPECT_EQ("killed by SIGSEGV after printing \xEF\xBF\xBD & <\"junk\">",
            json["tests"][0]["output"]);
  EXPECT_EQ("killed by SIGSEGV", json["tests"][1]["output"]);
}

TEST(GradescopeJson, RoundsScoresToThreePlaces) {
  StudentGrade student;
  student.lessons = {
      lesson(1, "x",
             {check("a", false, 1.0 / 3.0, Verdict::passed),
              check("b", false, 0.1, Verdict::passed), check("c", false, 0.2, Verdict::passed)})};
  Json json = Json::parse(gradescope_json(student));
  EXPECT_EQ(0.633, json["score"]);
  EXPECT_EQ(0.333, json["tests"][0]["score"]);
}

TEST(FeedbackText, ShowsWhatTheStudentMaySee) {
  EXPECT_EQ(
      "Grades for alice (Alice Liddell)\n"
      "Total: 10.5 of 11.25 points\n"
      "\n"
      "Lesson 2, The two-layer network: 8 of 8 points, passed\n"
      "  all 2 cases: passed\n"
      "\n"
      "Lesson 4, Gradient descent: 2.5 of 3.25 points, wrong\n"
      "  public: passed, 2.5 of 2.5 points\n"
      "  hidden 1: wrong, 0 of 0.75 points\n"
      "    dL/dw is wrong (epoch 2, backward pass)\n",
      feedback_text(small_class()[1]));
}

TEST(FeedbackText, IndentsEveryLineOfAReason) {
  CheckResult failed = check("public", false, 2, Verdict::compile_error);
  failed.reason = "exercise.cpp:3:1: error: expected ';'\r\n  int x\n      ^";
  StudentGrade student;
  student.id = "carol";
  student.lessons = {lesson(1, "The chain rule", {failed})};
  EXPECT_EQ(
      "Grades for carol\n"
      "Total: 0 of 2 points\n"
      "\n"
      "Lesson 1, The chain rule: 0 of 2 points, compile error\n"
      "  public: compile error, 0 of 2 points\n"
      "    exercise.cpp:3:1: error: expected ';'\n"
      "      int x\n"
      "          ^\n",
      feedback_text(student));
}

TEST(FeedbackText, SaysASharedReasonOnce) {
  CheckResult crashed = check("public", false, 2, Verdict::crashed);
  crashed.reason = "crashed with SIGSEGV";
  crashed.student_reason = crashed.reason;
  CheckResult hidden = check("hidden 1", true, 1, Verdict::crashed);
  hidden.reason = crashed.reason;
  hidden.student_reason = crashed.reason;
  StudentGrade student;
  student.id = "dan";
  student.lessons = {lesson(2, "The two-layer network", {crashed, hidden})};
  EXPECT_EQ(
      "Grades for dan\n"
      "Total: 0 of 3 points\n"
      "\n"
      "Lesson 2, The two-layer network: 0 of 3 points, crashed\n"
      "  all 2 cases: crashed\n"
      "    crashed with SIGSEGV\n",
      feedback_text(student));
}

TEST(HiddenDetails, NeverReachTheStudent) {
  for (const StudentGrade& student : small_class()) {
    SCOPED_TRACE(student.id);
    std::string feedback = feedback_text(student);
    std::string gradescope = gradescope_json(student);
    for (const LessonGrade& graded : student.lessons) {
      for (const CheckResult& c : graded.checks) {
        if (!c.hidden || c.reason == c.student_reason) {
          continue;
        }
        EXPECT_EQ(std::string::npos, feedback.find(c.reason)) << c.name;
        EXPECT_EQ(std::string::npos, gradescope.find(c.reason)) << c.name;
      }
    }
  }
  EXPECT_EQ(std::string::npos, feedback_text(small_class()[1]).find(kHiddenReason));
  EXPECT_EQ(std::string::npos, gradescope_json(small_class()[1]).find(kHiddenReason));
  EXPECT_EQ(std::string::npos, feedback_text(small_class()[0]).find("0.731"));
  EXPECT_EQ(std::string::npos, gradescope_json(small_class()[0]).find("0.731"));
}

TEST(Writers, GiveTheSameBytesForAnyOrder) {
  std::vector<StudentGrade> forward = small_class();
  std::vector<StudentGrade> backward(forward.rbegin(), forward.rend());
  for (StudentGrade& student : backward) {
    std::reverse(student.lessons.begin(), student.lessons.end());
  }
  EXPECT_EQ(grades_csv(forward), grades_csv(backward));
  EXPECT_EQ(results_jsonl(forward), results_jsonl(backward));
  EXPECT_EQ(junit_xml(forward), junit_xml(backward));
  EXPECT_EQ(gradescope_json(forward[1]), gradescope_json(backward[0]));
  EXPECT_EQ(feedback_text(forward[1]), feedback_text(backward[0]));
}

void expect_same(const StudentGrade& a, const StudentGrade& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.folder, b.folder);
  ASSERT_EQ(a.lessons.size(), b.lessons.size());
  for (std::size_t i = 0; i < a.lessons.size(); ++i) {
    const LessonGrade& x = a.lessons[i];
    const LessonGrade& y = b.lessons[i];
    EXPECT_EQ(x.number, y.number);
    EXPECT_EQ(x.slug, y.slug);
    EXPECT_EQ(x.title, y.title);
    EXPECT_EQ(x.verdict, y.verdict);
    EXPECT_EQ(x.reason, y.reason);
    EXPECT_EQ(x.points, y.points);
    EXPECT_EQ(x.max_points, y.max_points);
    EXPECT_EQ(x.source_sha256, y.source_sha256);
    ASSERT_EQ(x.checks.size(), y.checks.size());
    for (std::size_t j = 0; j < x.checks.size(); ++j) {
      const CheckResult& p = x.checks[j];
      const CheckResult& q = y.checks[j];
      EXPECT_EQ(p.name, q.name);
      EXPECT_EQ(p.hidden, q.hidden);
      EXPECT_EQ(p.points, q.points);
      EXPECT_EQ(p.max_points, q.max_points);
      EXPECT_EQ(p.verdict, q.verdict);
      EXPECT_EQ(p.reason, q.reason);
      EXPECT_EQ(p.student_reason, q.student_reason);
      EXPECT_EQ(p.first_wrong, q.first_wrong);
      ASSERT_EQ(p.largest_relative_error.has_value(), q.largest_relative_error.has_value());
      if (p.largest_relative_error) {
        double e = *p.largest_relative_error;
        double f = *q.largest_relative_error;
        EXPECT_TRUE(e == f || (std::isnan(e) && std::isnan(f))) << e << " vs " << f;
      }
    }
  }
}

TEST(StudentJson, RoundTripsExactly) {
  std::vector<StudentGrade> students = small_class();
  students[1].lessons[0].points = 0.1 + 0.2;
  students[1].lessons[0].max_points = 1.0 / 3.0;
  students[1].lessons[0].checks[1].largest_relative_error = 1e-300 / 3;
  // Only valid UTF-8 reads back unchanged; ReplacesInvalidUtf8 covers the rest.
  CheckResult& crashed = students[0].lessons[0].checks[0];
  crashed.reason = "killed by SIGSEGV after printing \xEF\xBF\xBD & <\"junk\">";
  crashed.student_reason = crashed.reason;
  students[0].lessons[0].reason = crashed.reason;
  for (const StudentGrade& student : students) {
    SCOPED_TRACE(student.id);
    std::string text = student_to_json(student).dump(2);
    expect_same(student, student_from_json(Json::parse(text)));
  }
}

TEST(StudentJson, RoundTripsNonFiniteErrors) {
  for (double error :
       {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::quiet_NaN()}) {
    StudentGrade student = small_class()[1];
    student.lessons[0].checks[1].largest_relative_error = error;
    Json json = Json::parse(student_to_json(student).dump());
    expect_same(student, student_from_json(json));
  }
}

TEST(StudentJson, ReplacesInvalidUtf8) {
  Json json = student_to_json(small_class()[0]);
  EXPECT_EQ("killed by SIGSEGV after printing \xEF\xBF\xBD & <\"junk\">",
            json["lessons"][0]["checks"][0]["reason"]);
  EXPECT_NO_THROW(json.dump());
}

// Returns the message of the Error that reading `json` throws, or "".
std::string read_error(const Json& json) {
  try {
    student_from_json(json);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(StudentJson, NamesTheBadField) {
  Json good = student_to_json(small_class()[1]);
  ASSERT_EQ("", read_error(good));

  Json json = good;
  json["lessons"][1]["checks"][0]["verdict"] = "passd";
  EXPECT_EQ(
      "invalid student record: 'lessons[1].checks[0].verdict' must be a verdict such as "
      "'passed', not 'passd'",
      read_error(json));

  json = good;
  json["lessons"][0]["checks"][1].erase("student_reason");
  EXPECT_EQ("invalid student record: missing field 'lessons[0].checks[1].student_reason'",
            read_error(json));

  json = good;
  json["lessons"][0]["points"] = "2.5";
  EXPECT_EQ("invalid student record: 'lessons[0].points' must be a number", read_error(json));

  json = good;
  json["lessons"][0]["number"] = -4;
  EXPECT_EQ("invalid student record: 'lessons[0].number' must be a whole number from 0",
            read_error(json));

  json = good;
  json["lessons"][0]["checks"][0]["hidden"] = 0;
  EXPECT_EQ("invalid student record: 'lessons[0].checks[0].hidden' must be true or false",
            read_error(json));

  json = good;
  json["lessons"][0]["checks"][1]["largest_relative_error"] = "big";
  EXPECT_EQ(
      "invalid student record: 'lessons[0].checks[1].largest_relative_error' must be a number, "
      "\"inf\", \"-inf\", \"nan\" or null",
      read_error(json));

  json = good;
  json["lessons"] = Json::object();
  EXPECT_EQ("invalid student record: 'lessons' must be a list", read_error(json));

  json = good;
  json["lessons"][0] = 3;
  EXPECT_EQ("invalid student record: 'lessons[0]' must be an object", read_error(json));

  EXPECT_EQ("invalid student record: not a JSON object", read_error(Json::array()));
}

}  // namespace
}  // namespace gradlings::runner
