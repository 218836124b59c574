#include "runner/grade_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <tuple>

#include "runner/text.h"

namespace gradlings::runner {

namespace {

using OrderedJson = nlohmann::ordered_json;

std::vector<const StudentGrade*> sorted_students(const std::vector<StudentGrade>& students) {
  std::vector<const StudentGrade*> sorted;
  for (const StudentGrade& student : students) {
    sorted.push_back(&student);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->id, a->folder) < std::tie(b->id, b->folder);
  });
  return sorted;
}

std::vector<const LessonGrade*> sorted_lessons(const StudentGrade& student) {
  std::vector<const LessonGrade*> sorted;
  for (const LessonGrade& lesson : student.lessons) {
    sorted.push_back(&lesson);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->number < b->number; });
  return sorted;
}

// Returns the points as format_points() writes them, as a number, so that
// the JSON reports show 13.333 and not 13.333333333333334.
double rounded_points(double points) {
  std::string text = format_points(points);
  double value = points;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string check_title(const LessonGrade& lesson, const CheckResult& check) {
  return fmt::format("lesson {}: {}", lesson.number, check.name);
}

std::string csv_field(const std::string& text) {
  std::string valid = replace_invalid_utf8(text);
  if (valid.find_first_of(",\"\r\n") == std::string::npos) {
    return valid;
  }
  std::string quoted = "\"";
  for (char c : valid) {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return quoted + "\"";
}

// Escapes `text` for an XML attribute or element. Line breaks and tabs become
// character references so that attributes keep them, and the control
// characters that XML 1.0 does not allow become U+FFFD.
std::string xml_escaped(const std::string& text) {
  std::string escaped;
  for (char c : replace_invalid_utf8(text)) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      case '\n':
        escaped += "&#10;";
        break;
      case '\r':
        escaped += "&#13;";
        break;
      case '\t':
        escaped += "&#9;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          escaped += "\xEF\xBF\xBD";
        } else {
          escaped += c;
        }
    }
  }
  return escaped;
}

std::string json_line(const OrderedJson& json) {
  return json.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

// Splits `text` at line breaks, because a compiler's reason may span lines.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return lines;
}

// "not_implemented" as "not implemented", for the student's text.
std::string verdict_words(Verdict verdict) {
  std::string words = verdict_id(verdict);
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

}  // namespace

std::string grades_csv(const std::vector<StudentGrade>& students) {
  std::string csv = "student,lesson,points,max_points,verdict\n";
  for (const StudentGrade* student : sorted_students(students)) {
    for (const LessonGrade* lesson : sorted_lessons(*student)) {
      csv += fmt::format("{},{},{},{},{}\n", csv_field(student->id), lesson->number,
                         format_points(lesson->points), format_points(lesson->max_points),
                         verdict_id(lesson->verdict));
    }
  }
  return csv;
}

std::string results_jsonl(const std::vector<StudentGrade>& students) {
  std::string lines;
  for (const StudentGrade* student : sorted_students(students)) {
    for (const LessonGrade* lesson : sorted_lessons(*student)) {
      for (const CheckResult& check : lesson->checks) {
        OrderedJson json;
        json["student"] = replace_invalid_utf8(student->id);
        json["lesson"] = lesson->number;
        json["check"] = replace_invalid_utf8(check.name);
        json["visibility"] = check.hidden ? "hidden" : "visible";
        json["points"] = rounded_points(check.points);
        json["max_points"] = rounded_points(check.max_points);
        json["verdict"] = verdict_id(check.verdict);
        json["reason"] = replace_invalid_utf8(check.reason);
        json["first_wrong"] = replace_invalid_utf8(check.first_wrong);
        json["largest_relative_error"] =
            check.largest_relative_error ? OrderedJson(*check.largest_relative_error) : nullptr;
        lines += json_line(json) + "\n";
      }
    }
  }
  return lines;
}

std::string junit_xml(const std::vector<StudentGrade>& students) {
  std::string suites;
  int tests = 0;
  int failures = 0;
  for (const StudentGrade* student : sorted_students(students)) {
    std::string cases;
    int student_tests = 0;
    int student_failures = 0;
    std::string id = xml_escaped(student->id);
    for (const LessonGrade* lesson : sorted_lessons(*student)) {
      for (const CheckResult& check : lesson->checks) {
        ++student_tests;
        std::string name = xml_escaped(check_title(*lesson, check));
        if (check.verdict == Verdict::passed) {
          cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\"/>\n", id, name);
          continue;
        }
        ++student_failures;
        cases += fmt::format(
            "    <testcase classname=\"{}\" name=\"{}\">\n"
            "      <failure message=\"{}\" type=\"{}\"/>\n"
            "    </testcase>\n",
            id, name, xml_escaped(check.reason), verdict_id(check.verdict));
      }
    }
    suites +=
        fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n",
                    id, student_tests, student_failures, cases);
    tests += student_tests;
    failures += student_failures;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"gradlings\" tests=\"{}\" failures=\"{}\">\n{}</testsuites>\n",
      tests, failures, suites);
}

std::string gradescope_json(const StudentGrade& student) {
  OrderedJson json;
  json["score"] = rounded_points(student.points());
  json["max_score"] = rounded_points(student.max_points());
  json["tests"] = OrderedJson::array();
  for (const LessonGrade* lesson : sorted_lessons(student)) {
    for (const CheckResult& check : lesson->checks) {
      OrderedJson test;
      test["name"] = replace_invalid_utf8(check_title(*lesson, check));
      test["score"] = rounded_points(check.points);
      test["max_score"] = rounded_points(check.max_points);
      test["status"] = check.verdict == Verdict::passed ? "passed" : "failed";
      test["output"] = replace_invalid_utf8(check.hidden ? check.student_reason : check.reason);
      test["visibility"] = check.hidden ? "hidden" : "visible";
      json["tests"].push_back(test);
    }
  }
  return json.dump(2, ' ', false, OrderedJson::error_handler_t::replace) + "\n";
}

std::string feedback_text(const StudentGrade& student) {
  std::string text = "Grades for " + replace_invalid_utf8(student.id);
  if (!student.name.empty()) {
    text += " (" + replace_invalid_utf8(student.name) + ")";
  }
  text += fmt::format("\nTotal: {} of {} points\n", format_points(student.points()),
                      format_points(student.max_points()));

  for (const LessonGrade* lesson : sorted_lessons(student)) {
    text += fmt::format("\nLesson {}, {}: {} of {} points, {}\n", lesson->number,
                        replace_invalid_utf8(lesson->title), format_points(lesson->points),
                        format_points(lesson->max_points), verdict_words(lesson->verdict));
    // When every case shares one verdict and one reason, as after a crash
    // or a compile error, a single line gives it for all of them.
    auto shown_reason = [](const CheckResult& check) {
      return check.hidden ? check.student_reason : check.reason;
    };
    const std::vector<CheckResult>& checks = lesson->checks;
    bool alike = checks.size() > 1 &&
                 std::all_of(checks.begin(), checks.end(), [&](const CheckResult& check) {
                   return check.verdict == checks.front().verdict &&
                          shown_reason(check) == shown_reason(checks.front());
                 });
    if (alike) {
      text +=
          fmt::format("  all {} cases: {}\n", checks.size(), verdict_words(checks.front().verdict));
      std::string reason = replace_invalid_utf8(shown_reason(checks.front()));
      for (std::string_view line : split_lines(reason)) {
        text += fmt::format("    {}\n", line);
      }
      continue;
    }
    for (const CheckResult& check : lesson->checks) {
      text += fmt::format("  {}: {}, {} of {} points\n", replace_invalid_utf8(check.name),
                          verdict_words(check.verdict), format_points(check.points),
                          format_points(check.max_points));

      // A hidden check's reason may contain its inputs and values, so only
      // the student_reason is shown for it.
      std::string reason = check.hidden ? check.student_reason : check.reason;
      if (check.verdict == Verdict::passed || reason.empty()) {
        continue;
      }
      std::string valid = replace_invalid_utf8(reason);
      for (std::string_view line : split_lines(valid)) {
        text += fmt::format("    {}\n", line);
      }
    }
  }
  return text;
}

}  // namespace gradlings::runner
