#include "runner/scoring.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <map>

#include "runner/text.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxExerciseBytes = 1 << 20;
constexpr std::size_t kMaxReasonBytes = 2000;

double relative_error(const Check& check) {
  double difference = std::fabs(*check.actual - check.expected);
  return check.expected == 0 ? difference : difference / std::fabs(check.expected);
}

std::optional<double> largest_relative_error(const CaseTrace& trace) {
  std::optional<double> largest;
  auto consider = [&](const Check& check) {
    if (!check.actual || !std::isfinite(*check.actual) || !check.expected_text.empty()) {
      return;
    }
    double error = relative_error(check);
    if (!largest || error > *largest) {
      largest = error;
    }
  };
  for (const Section& section : trace.sections) {
    for (const TraceLine& line : section.lines) {
      if (line.check) {
        consider(*line.check);
      }
      if (line.table) {
        for (const std::vector<Cell>& row : line.table->rows) {
          for (const Cell& cell : row) {
            if (cell.check) {
              consider(*cell.check);
            }
          }
        }
      }
    }
  }
  return largest;
}

std::string number_text(double value) { return fmt::format("{:.6g}", value); }

// Returns `word`, a stage or function name the program reported, when it is a
// plain name, else `otherwise`. Students see only such names of the program's
// text, because any text a program chooses could carry a hidden case's inputs.
std::string plain_name(const std::string& word, const std::string& otherwise) {
  bool plain =
      !word.empty() && word.size() <= 40 && std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      });
  return plain ? word : otherwise;
}

// Scores one case of a run that ended normally. The reason is for the
// instructor; the student's reason leaves out every value the program
// produced and every text it chose.
void score_case(const CaseTrace& trace, CheckResult& check) {
  check.points = 0;

  if (trace.passed && !trace.stop) {
    check.verdict = Verdict::passed;
    check.points = check.max_points;
    return;
  }

  if (trace.first_wrong) {
    const Check& wrong = trace.first_wrong->check;
    check.first_wrong = fmt::format("{} ({})", wrong.label, trace.first_wrong->where);
    if (!wrong.actual) {
      check.verdict = Verdict::invalid_output;
      check.reason = fmt::format("{} was never reported", check.first_wrong);
      check.student_reason = check.reason;
      return;
    }
    if (!std::isfinite(*wrong.actual)) {
      check.verdict = Verdict::invalid_output;
      check.reason = fmt::format("{} is {}", check.first_wrong, number_text(*wrong.actual));
      check.student_reason = check.reason;
      return;
    }
    check.verdict = Verdict::wrong;
    check.largest_relative_error = largest_relative_error(trace);
    std::string expected =
        wrong.expected_text.empty() ? number_text(wrong.expected) : wrong.expected_text;
    check.reason = fmt::format("first wrong: {} is {}, expected {}", check.first_wrong,
                               number_text(*wrong.actual), expected);
    if (check.largest_relative_error) {
      check.reason +=
          fmt::format("; largest relative error {}", number_text(*check.largest_relative_error));
    }
    check.student_reason =
        check.hidden ? fmt::format("first wrong: {}", check.first_wrong)
                     : fmt::format("first wrong: {}, expected {}", check.first_wrong, expected);
    return;
  }

  if (trace.stop) {
    const StageStop& stop = *trace.stop;
    std::string stage = plain_name(stop.stage, "a");
    switch (stop.reason) {
      case StageStop::Reason::missing:
        check.verdict = Verdict::not_implemented;
        check.reason = fmt::format("not implemented yet: {}", stop.detail);
        check.student_reason = fmt::format(
            "not implemented yet: {}", plain_name(short_function_name(stop.detail), "a function"));
        break;
      case StageStop::Reason::threw:
        if (stop.detail.find("bad_alloc") != std::string::npos) {
          check.verdict = Verdict::memory_limit;
          check.reason =
              fmt::format("the {} stage ran out of memory ({})", stop.stage, stop.detail);
          check.student_reason = fmt::format("the {} stage ran out of memory", stage);
          break;
        }
        check.verdict = Verdict::crashed;
        check.reason = fmt::format("the {} stage threw an exception: {}", stop.stage, stop.detail);
        check.student_reason = fmt::format("the {} stage threw an exception", stage);
        break;
      case StageStop::Reason::invalid:
        check.verdict = Verdict::invalid_output;
        check.reason = fmt::format("the {} stage returned {}", stop.stage, stop.detail);
        check.student_reason =
            fmt::format("the {} stage returned something the harness cannot use", stage);
        break;
    }
    return;
  }

  check.verdict = Verdict::invalid_output;
  check.reason = "the program reported the case without all of its values";
  check.student_reason = check.reason;
}

std::string duration_text(std::chrono::milliseconds time) {
  if (time.count() % 1000 == 0) {
    return fmt::format("{} s", time.count() / 1000);
  }
  return fmt::format("{:.1f} s", static_cast<double>(time.count()) / 1000);
}

std::string size_text(std::size_t bytes) {
  if (bytes >= (1u << 30) && bytes % (1u << 30) == 0) {
    return fmt::format("{} GiB", bytes >> 30);
  }
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) {
    return fmt::format("{} MiB", bytes >> 20);
  }
  return fmt::format("{} bytes", bytes);
}

// The verdict of a run that did not end normally, given to every case, with
// the instructor's reason and the student's.
struct RunVerdict {
  Verdict verdict;
  std::string reason;
  std::string student_reason;
};

RunVerdict run_verdict(const RunResult& run, const LessonResult& result, const RunLimits& limits) {
  auto same = [](Verdict verdict, const std::string& reason) {
    return RunVerdict{verdict, reason, reason};
  };
  switch (result.outcome) {
    case Outcome::timed_out:
      return same(Verdict::timed_out, fmt::format("still running after {}, so it was stopped",
                                                  duration_text(limits.wall_time)));
    case Outcome::output_flood:
      return same(Verdict::output_limit, fmt::format("printed more than {}, so it was stopped",
                                                     size_text(limits.max_output_bytes)));
    case Outcome::not_implemented: {
      std::vector<std::string> names;
      std::vector<std::string> plain_names;
      for (const std::string& function : result.missing_functions) {
        names.push_back(short_function_name(function));
        plain_names.push_back(plain_name(names.back(), "a function"));
      }
      return {Verdict::not_implemented,
              fmt::format("not implemented yet: {}", fmt::join(names, ", ")),
              fmt::format("not implemented yet: {}", fmt::join(plain_names, ", "))};
    }
    case Outcome::ended_early:
      return same(
          Verdict::invalid_output,
          fmt::format("the program ended ({}) before it reported every case", result.detail));
    case Outcome::channel_error:
      return {Verdict::invalid_output,
              fmt::format("a record on the result channel does not parse or repeats an earlier "
                          "one: '{}'",
                          result.detail),
              "a record on the result channel does not parse or repeats an earlier one"};
    case Outcome::threw:
      if (result.detail.find("bad_alloc") != std::string::npos) {
        std::string limit =
            fmt::format("ran out of memory at the {} limit", size_text(limits.memory_bytes));
        return {Verdict::memory_limit, fmt::format("{} ({})", limit, result.detail), limit};
      }
      return {Verdict::crashed, fmt::format("an exception ended the program: {}", result.detail),
              "an exception ended the program"};
    case Outcome::crashed:
      if (run.signal == SIGSYS) {
        return same(Verdict::crashed,
                    "SIGSYS: stopped at a forbidden system call (a network connection, a new "
                    "process or a change to the sandbox)");
      }
      if (run.signal == SIGXCPU) {
        return same(Verdict::timed_out, "used up its CPU time, so it was stopped");
      }
      if (run.signal == SIGXFSZ) {
        return same(Verdict::output_limit, "wrote a file past the size limit, so it was stopped");
      }
      return same(Verdict::crashed, fmt::format("crashed with {}", signal_name(run.signal)));
    default:
      return same(Verdict::internal_error,
                  fmt::format("unexpected outcome '{}'", outcome_name(result.outcome)));
  }
}

// Returns `text` cut to kMaxReasonBytes, with every control character but a
// line break replaced by U+FFFD, so that a program's own text can neither
// bloat the reports nor reach a terminal as escape codes.
std::string bounded(const std::string& text) {
  std::string shortened = text;
  if (shortened.size() > kMaxReasonBytes) {
    std::size_t cut = kMaxReasonBytes;
    while (cut > 0 && (static_cast<unsigned char>(shortened[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    shortened = fmt::format("{} … ({} bytes in all)", shortened.substr(0, cut), text.size());
  }
  std::string out;
  for (char c : shortened) {
    unsigned char byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n') || byte == 0x7f) {
      out += "\xEF\xBF\xBD";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Submitted read_submission(const fs::path& submissions, const std::string& student_folder,
                          const Lesson& lesson) {
  fs::path folder = submissions / student_folder;
  std::string display_name = fmt::format("{}/{}/exercise.cpp", student_folder, lesson.slug);
  std::error_code error;

  fs::file_status folder_status = fs::symlink_status(folder, error);
  if (fs::is_symlink(folder_status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("'{}' is a symbolic link; submit the folder itself", student_folder)};
  }
  if (!fs::exists(folder_status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("the submissions folder has no folder '{}'", student_folder)};
  }
  fs::file_status lesson_status = fs::symlink_status(folder / lesson.slug, error);
  if (fs::is_symlink(lesson_status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("'{}/{}' is a symbolic link; submit the folder itself", student_folder,
                        lesson.slug)};
  }

  fs::path file = folder / lesson.slug / "exercise.cpp";
  fs::file_status status = fs::symlink_status(file, error);
  if (!fs::exists(status)) {
    return {std::nullopt, Verdict::missing_file, fmt::format("no file '{}'", display_name)};
  }
  if (fs::is_symlink(status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("'{}' is a symbolic link; submit the file itself", display_name)};
  }
  if (!fs::is_regular_file(status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("'{}' is not a regular file", display_name)};
  }

  int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("cannot read '{}': {}", display_name, std::strerror(errno))};
  }
  std::string source;
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      return {std::nullopt, Verdict::missing_file,
              fmt::format("cannot read '{}': {}", display_name, reason)};
    }
    if (n == 0) {
      break;
    }
    source.append(buffer, static_cast<std::size_t>(n));
    if (source.size() > kMaxExerciseBytes) {
      ::close(fd);
      return {std::nullopt, Verdict::compile_error,
              fmt::format("'{}' is larger than 1 MiB, so it was not compiled", display_name)};
    }
  }
  ::close(fd);
  return {source, Verdict::passed, ""};
}

LessonGrade unscored_lesson(const Lesson& lesson, const std::vector<CaseName>& cases) {
  LessonGrade grade;
  grade.number = lesson.number;
  grade.slug = lesson.slug;
  grade.title = lesson.title;
  for (const CaseName& name : cases) {
    CheckResult check;
    check.name = name.name;
    check.hidden = name.hidden;
    check.max_points = name.hidden ? lesson.points.hidden_case : lesson.points.public_case;
    grade.checks.push_back(check);
  }
  std::stable_partition(grade.checks.begin(), grade.checks.end(),
                        [](const CheckResult& check) { return !check.hidden; });
  return grade;
}

void score_every_case(LessonGrade& grade, Verdict verdict, const std::string& reason,
                      const std::string& student_reason) {
  for (CheckResult& check : grade.checks) {
    check.verdict = verdict;
    check.points = 0;
    check.reason = reason;
    check.student_reason = student_reason;
  }
}

void score_every_case(LessonGrade& grade, Verdict verdict, const std::string& reason) {
  score_every_case(grade, verdict, reason, reason);
}

void bound_reasons(LessonGrade& grade) {
  for (CheckResult& check : grade.checks) {
    check.reason = bounded(check.reason);
    check.student_reason = bounded(check.student_reason);
  }
}

void total_up(LessonGrade& grade) {
  grade.points = 0;
  grade.max_points = 0;
  grade.verdict = Verdict::passed;
  grade.reason.clear();
  for (const CheckResult& check : grade.checks) {
    grade.points += check.points;
    grade.max_points += check.max_points;
    if (check.verdict != Verdict::passed && grade.verdict == Verdict::passed) {
      grade.verdict = check.verdict;
      grade.reason = check.reason;
    }
  }
}

void score_run(const RunResult& run, const LessonResult& result, const RunLimits& limits,
               LessonGrade& grade) {
  bool ended_normally = run.outcome == RunOutcome::exited &&
                        (result.outcome == Outcome::passed || result.outcome == Outcome::failed ||
                         result.outcome == Outcome::not_finite || result.outcome == Outcome::threw);
  if (!ended_normally) {
    RunVerdict verdict = run_verdict(run, result, limits);
    score_every_case(grade, verdict.verdict, verdict.reason, verdict.student_reason);
    return;
  }

  std::map<std::string, const CaseTrace*> traces;
  for (const CaseTrace& trace : result.traces) {
    traces.emplace(trace.name, &trace);
  }

  // The harness reports every case before its end record. A run that ended
  // without one of them was cut short by something else (a forged end record
  // and an early exit, say), so none of its cases is trusted.
  for (const CheckResult& check : grade.checks) {
    auto found = traces.find(check.name);
    if (found == traces.end() || found->second->hidden != check.hidden) {
      score_every_case(
          grade, Verdict::invalid_output,
          fmt::format("the program ended without reporting the case '{}'", check.name));
      return;
    }
  }

  for (CheckResult& check : grade.checks) {
    score_case(*traces.at(check.name), check);
  }
}

}  // namespace gradlings::runner
