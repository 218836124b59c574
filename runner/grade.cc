#include "runner/grade.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "runner/build.h"
#include "runner/check.h"
#include "runner/compiler_log.h"
#include "runner/confine.h"
#include "runner/error.h"
#include "runner/grade_report.h"
#include "runner/hash.h"
#include "runner/lesson.h"
#include "runner/sandbox.h"
#include "runner/text.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Bumped whenever a change to grading could change a grade, so that a rerun
// after an upgrade regrades instead of keeping the old results.
constexpr int kGraderVersion = 1;

constexpr std::size_t kMaxExerciseBytes = 1 << 20;

struct Student {
  std::string id;
  std::string name;
  std::string folder;
};

// A learner file read for grading, or why it could not be.
struct Submitted {
  std::optional<std::string> source;
  Verdict problem = Verdict::missing_file;
  std::string reason;
};

struct Cancelled {};

// ---------------------------------------------------------------------------
// Files that must survive a kill: written to a temporary file, flushed to
// disk, renamed into place and the folder flushed too.

void sync_folder(const fs::path& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void write_durably(const fs::path& file, std::string_view bytes) {
  fs::path temporary = file;
  temporary += fmt::format(".tmp-{}", ::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(fmt::format("cannot write '{}': {}", display_path(file), std::strerror(errno)));
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      throw Error(fmt::format("cannot write '{}': {}", display_path(file), reason));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw Error(fmt::format("cannot write '{}': {}", display_path(file), reason));
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw Error(fmt::format("cannot write '{}': {}", display_path(file), reason));
  }
  sync_folder(file.parent_path());
}

// Deletes the temporary files that write_durably() leaves when the process is
// killed between writing and renaming.
void remove_leftovers(const fs::path& folder) {
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) {
      std::error_code ignored;
      fs::remove(entry.path(), ignored);
    }
  }
}

void make_private_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error || !fs::is_directory(folder)) {
    throw Error(fmt::format("cannot create the folder '{}': {}", display_path(folder),
                            error ? error.message() : "a file of that name is in the way"));
  }
  fs::permissions(folder, fs::perms::owner_all, error);
}

std::optional<std::string> read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json read_json(const fs::path& file) {
  std::optional<std::string> text = read_text(file);
  if (!text) {
    throw Error(fmt::format("cannot read '{}'", display_path(file)));
  }
  try {
    return json::parse(*text);
  } catch (const json::exception& e) {
    throw Error(fmt::format("'{}' is not valid JSON ({}); delete it to start afresh",
                            display_path(file), e.what()));
  }
}

// ---------------------------------------------------------------------------
// Students.

bool usable_id(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.front() == '.' || id.size() > 200) {
    return false;
  }
  return std::none_of(id.begin(), id.end(), [](char c) {
    return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

// Splits one CSV line into fields, with "..." quoting and "" for a quote.
std::optional<std::vector<std::string>> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) {
    return std::nullopt;
  }
  return fields;
}

std::vector<Student> read_roster(const fs::path& roster) {
  std::optional<std::string> text = read_text(roster);
  if (!text || fs::is_directory(roster)) {
    throw Error(
        fmt::format("cannot read the roster '{}'; give a CSV file with the header "
                    "folder,id,name",
                    display_path(roster)));
  }

  std::vector<Student> students;
  std::set<std::string> ids;
  std::set<std::string> folders;
  std::istringstream lines(*text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (number == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      line.erase(0, 3);
    }
    std::string where = fmt::format("{}:{}", display_path(roster), number);
    if (line.empty()) {
      continue;
    }
    std::optional<std::vector<std::string>> fields = csv_fields(line);
    if (!fields) {
      throw Error(fmt::format("{}: unclosed quote in '{}'", where, line));
    }
    if (number == 1) {
      if (*fields != std::vector<std::string>{"folder", "id", "name"}) {
        throw Error(
            fmt::format("{}: the roster's first line is '{}'; it must be the header "
                        "folder,id,name",
                        where, line));
      }
      continue;
    }
    if (fields->size() != 3) {
      throw Error(fmt::format("{}: '{}' has {} fields; a roster line is folder,id,name", where,
                              line, fields->size()));
    }
    Student student{(*fields)[1], (*fields)[2], (*fields)[0]};
    if (!usable_id(student.id)) {
      throw Error(
          fmt::format("{}: the id '{}' cannot name a results folder; use letters, "
                      "digits and punctuation other than '/', not starting with '.'",
                      where, student.id));
    }
    if (!usable_id(student.folder)) {
      throw Error(fmt::format("{}: '{}' is not a folder name inside the submissions folder", where,
                              student.folder));
    }
    if (!ids.insert(student.id).second) {
      throw Error(fmt::format("{}: the id '{}' appears twice", where, student.id));
    }
    if (!folders.insert(student.folder).second) {
      throw Error(fmt::format("{}: the folder '{}' appears twice", where, student.folder));
    }
    students.push_back(student);
  }
  if (number == 0) {
    throw Error(fmt::format("the roster '{}' is empty; it needs the header folder,id,name",
                            display_path(roster)));
  }
  return students;
}

std::vector<Student> list_students(const GradeOptions& options, std::vector<std::string>& notes) {
  std::error_code error;
  if (!fs::is_directory(options.submissions, error)) {
    throw Error(
        fmt::format("the submissions folder '{}' does not exist; give the folder that "
                    "holds one folder per student",
                    display_path(options.submissions)));
  }

  std::vector<std::string> folders;
  for (const fs::directory_entry& entry : fs::directory_iterator(options.submissions, error)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') {
      continue;
    }
    if (entry.is_directory(error) || entry.is_symlink(error)) {
      folders.push_back(name);
    }
  }
  if (error) {
    throw Error(fmt::format("cannot list the submissions folder '{}': {}",
                            display_path(options.submissions), error.message()));
  }
  std::sort(folders.begin(), folders.end());

  std::vector<Student> students;
  if (options.roster.empty()) {
    for (const std::string& folder : folders) {
      students.push_back({folder, "", folder});
    }
  } else {
    students = read_roster(options.roster);
    std::set<std::string> listed;
    for (const Student& student : students) {
      listed.insert(student.folder);
    }
    for (const std::string& folder : folders) {
      if (!listed.count(folder)) {
        notes.push_back(
            fmt::format("the folder '{}' is not on the roster, so it was not graded", folder));
      }
    }
  }

  std::sort(students.begin(), students.end(),
            [](const Student& a, const Student& b) { return a.id < b.id; });
  return students;
}

// ---------------------------------------------------------------------------
// Reading a submission. Nothing a student controls is followed: a symbolic
// link could point at a solution or at another student's file.

Submitted read_submission(const fs::path& submissions, const Student& student,
                          const Lesson& lesson) {
  fs::path folder = submissions / student.folder;
  std::string display_name = fmt::format("{}/{}/exercise.cpp", student.folder, lesson.slug);
  std::error_code error;

  fs::file_status folder_status = fs::symlink_status(folder, error);
  if (fs::is_symlink(folder_status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("'{}' is a symbolic link; submit the folder itself", student.folder)};
  }
  if (!fs::exists(folder_status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("the submissions folder has no folder '{}'", student.folder)};
  }
  fs::file_status lesson_status = fs::symlink_status(folder / lesson.slug, error);
  if (fs::is_symlink(lesson_status)) {
    return {std::nullopt, Verdict::missing_file,
            fmt::format("'{}/{}' is a symbolic link; submit the folder itself", student.folder,
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

// ---------------------------------------------------------------------------
// Turning a checked run into scored cases.

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

// Scores one case of a run that ended normally.
void score_case(const CaseTrace& case_trace, CheckResult& check) {
  const CaseTrace* trace = &case_trace;
  check.points = 0;

  if (trace->passed && !trace->stop) {
    check.verdict = Verdict::passed;
    check.points = check.max_points;
    return;
  }

  if (trace->first_wrong) {
    const Check& wrong = trace->first_wrong->check;
    check.first_wrong = fmt::format("{} ({})", wrong.label, trace->first_wrong->where);
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
    check.largest_relative_error = largest_relative_error(*trace);
    std::string expected =
        wrong.expected_text.empty() ? number_text(wrong.expected) : wrong.expected_text;
    check.reason = fmt::format("first wrong: {} is {}, expected {}", check.first_wrong,
                               number_text(*wrong.actual), expected);
    if (check.largest_relative_error) {
      check.reason +=
          fmt::format("; largest relative error {}", number_text(*check.largest_relative_error));
    }
    check.student_reason =
        check.hidden ? fmt::format("first wrong: {}", check.first_wrong) : check.reason;
    return;
  }

  if (trace->stop) {
    switch (trace->stop->reason) {
      case StageStop::Reason::missing:
        check.verdict = Verdict::not_implemented;
        check.reason = fmt::format("not implemented yet: {}", trace->stop->detail);
        break;
      case StageStop::Reason::threw:
        if (trace->stop->detail.find("bad_alloc") != std::string::npos) {
          check.verdict = Verdict::memory_limit;
          check.reason = fmt::format("the {} stage ran out of memory ({})", trace->stop->stage,
                                     trace->stop->detail);
          break;
        }
        check.verdict = Verdict::crashed;
        check.reason = fmt::format("the {} stage threw an exception: {}", trace->stop->stage,
                                   trace->stop->detail);
        break;
      case StageStop::Reason::invalid:
        check.verdict = Verdict::invalid_output;
        check.reason =
            fmt::format("the {} stage returned {}", trace->stop->stage, trace->stop->detail);
        break;
    }
    check.student_reason = check.reason;
    return;
  }

  check.verdict = Verdict::wrong;
  check.reason = "a value is wrong";
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

// The verdict of a run that did not end normally, given to every case.
std::pair<Verdict, std::string> run_verdict(const RunResult& run, const LessonResult& result,
                                            const RunLimits& limits) {
  switch (result.outcome) {
    case Outcome::timed_out:
      return {Verdict::timed_out, fmt::format("still running after {}, so it was stopped",
                                              duration_text(limits.wall_time))};
    case Outcome::output_flood:
      return {Verdict::output_limit, fmt::format("printed more than {}, so it was stopped",
                                                 size_text(limits.max_output_bytes))};
    case Outcome::not_implemented: {
      std::vector<std::string> names;
      for (const std::string& function : result.missing_functions) {
        names.push_back(short_function_name(function));
      }
      return {Verdict::not_implemented,
              fmt::format("not implemented yet: {}", fmt::join(names, ", "))};
    }
    case Outcome::ended_early:
      return {Verdict::invalid_output,
              fmt::format("the program ended ({}) before it reported every case", result.detail)};
    case Outcome::channel_error:
      return {Verdict::invalid_output,
              fmt::format("a record on the result channel does not parse or repeats an earlier "
                          "one: '{}'",
                          result.detail)};
    case Outcome::threw:
      if (result.detail.find("bad_alloc") != std::string::npos) {
        return {Verdict::memory_limit, fmt::format("ran out of memory at the {} limit ({})",
                                                   size_text(limits.memory_bytes), result.detail)};
      }
      return {Verdict::crashed, fmt::format("an exception ended the program: {}", result.detail)};
    case Outcome::crashed:
      if (run.signal == SIGSYS) {
        return {Verdict::crashed,
                "SIGSYS: stopped at a forbidden system call (a network connection, a new "
                "process or a change to the sandbox)"};
      }
      if (run.signal == SIGXCPU) {
        return {Verdict::timed_out, "used up its CPU time, so it was stopped"};
      }
      if (run.signal == SIGXFSZ) {
        return {Verdict::output_limit, "wrote a file past the size limit, so it was stopped"};
      }
      return {Verdict::crashed, fmt::format("crashed with {}", signal_name(run.signal))};
    default:
      return {Verdict::internal_error,
              fmt::format("unexpected outcome '{}'", outcome_name(result.outcome))};
  }
}

// ---------------------------------------------------------------------------
// The grader: jobs are student-lesson pairs, taken in order by the workers.

struct LessonPlan {
  Lesson lesson;
  std::vector<CaseName> cases;
  std::string input;  // the harness's standard input
};

class Grader {
 public:
  Grader(const GradeOptions& options, std::vector<LessonPlan>& plans,
         const Protections& protections)
      : options_(options), plans_(plans), protections_(protections) {}

  // Grades one student's lesson. Never throws but Cancelled.
  LessonGrade grade(const Student& student, const LessonPlan& plan);

 private:
  BuildResult build(const std::string& sha, const std::string& source, const LessonPlan& plan);
  void judge(const LessonPlan& plan, const BuildResult& build, LessonGrade& grade);

  const GradeOptions& options_;
  std::vector<LessonPlan>& plans_;
  Protections protections_;
  std::mutex builds_mutex_;
  std::map<std::string, std::shared_future<BuildResult>> builds_;
};

LessonGrade empty_grade(const LessonPlan& plan) {
  LessonGrade grade;
  grade.number = plan.lesson.number;
  grade.slug = plan.lesson.slug;
  grade.title = plan.lesson.title;
  for (const CaseName& name : plan.cases) {
    CheckResult check;
    check.name = name.name;
    check.hidden = name.hidden;
    check.max_points =
        name.hidden ? plan.lesson.points.hidden_case : plan.lesson.points.public_case;
    grade.checks.push_back(check);
  }
  std::stable_partition(grade.checks.begin(), grade.checks.end(),
                        [](const CheckResult& check) { return !check.hidden; });
  return grade;
}

void give_every_case(LessonGrade& grade, Verdict verdict, const std::string& reason) {
  for (CheckResult& check : grade.checks) {
    check.verdict = verdict;
    check.points = 0;
    check.reason = reason;
    check.student_reason = reason;
  }
}

void sum_up(LessonGrade& grade) {
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

BuildResult Grader::build(const std::string& sha, const std::string& source,
                          const LessonPlan& plan) {
  std::string key = sha + "/" + plan.lesson.kind_impl->harness();
  std::promise<BuildResult> promise;
  std::shared_future<BuildResult> earlier;
  {
    std::lock_guard lock(builds_mutex_);
    auto found = builds_.find(key);
    if (found != builds_.end()) {
      earlier = found->second;
    } else {
      builds_.emplace(key, promise.get_future().share());
    }
  }
  if (earlier.valid()) {
    return earlier.get();
  }

  try {
    fs::path folder = options_.out / ".work" / sha;
    make_private_folder(folder);
    fs::path exercise = folder / "exercise.cpp";
    if (read_text(exercise) != source) {
      write_durably(exercise, source);
    }

    BuildRequest request;
    request.exercise = exercise;
    request.harness = options_.lessons_root / "harness" / plan.lesson.kind_impl->harness();
    request.include_dirs = {options_.lessons_root / "harness"};
    request.compiler = options_.compiler;
    request.flags = exercise_flags();
    request.cache_dir = options_.out / ".cache";
    request.max_cached_builds = 1'000'000;
    request.max_cached_harnesses = 64;
    request.cancel_fd = options_.cancel_fd;
    Confinement confinement;
    confinement.policy = SyscallPolicy::compiler;
    confinement.protections = protections_;
    request.confinement = confinement;

    BuildResult result = build_exercise(request);
    if (result.cancelled) {
      // A cancelled build is not a result: the next run compiles again.
      std::lock_guard lock(builds_mutex_);
      builds_.erase(key);
    }
    promise.set_value(result);
    return result;
  } catch (...) {
    {
      std::lock_guard lock(builds_mutex_);
      builds_.erase(key);
    }
    promise.set_exception(std::current_exception());
    throw;
  }
}

std::string first_compiler_error(const BuildResult& build, const BuildRequest& request) {
  CompilerLogContext context{request.exercise, "exercise.cpp", request.harness};
  CompilerLogSummary summary = summarize_compiler_log(build.log, context, false);
  for (const std::string& line : summary.lines) {
    if (line.find_first_not_of(' ') != std::string::npos) {
      return line;
    }
  }
  std::string log = build.log.substr(0, build.log.find('\n'));
  return log.empty() ? "the compiler failed without a message" : log;
}

void Grader::judge(const LessonPlan& plan, const BuildResult& build, LessonGrade& grade) {
  RunLimits limits;
  limits.wall_time = options_.timeout;
  limits.memory_bytes = options_.memory_bytes;
  limits.cancel_fd = options_.cancel_fd;
  Confinement confinement;
  confinement.policy = SyscallPolicy::program;
  confinement.protections = protections_;
  confinement.read_only = {build.executable};
  limits.confinement = confinement;

  RunResult run = run_sandboxed(build.executable, {}, plan.input, limits);
  if (run.outcome == RunOutcome::cancelled) {
    throw Cancelled{};
  }

  LessonResult result;
  result.timeout = options_.timeout;
  judge_run(plan.lesson, run, result);

  bool ended_normally = run.outcome == RunOutcome::exited &&
                        (result.outcome == Outcome::passed || result.outcome == Outcome::failed ||
                         result.outcome == Outcome::not_finite || result.outcome == Outcome::threw);
  if (!ended_normally) {
    auto [verdict, reason] = run_verdict(run, result, limits);
    give_every_case(grade, verdict, reason);
    return;
  }

  std::map<std::string, const CaseTrace*> traces;
  for (const CaseTrace& trace : result.traces) {
    traces.emplace(trace.name, &trace);
  }

  // The harness reports every case before its end record, so a run that
  // ended without one of them was cut short by something else, such as a
  // forged end record and an early exit, and none of its cases is trusted.
  for (const CheckResult& check : grade.checks) {
    auto found = traces.find(check.name);
    if (found == traces.end() || found->second->hidden != check.hidden) {
      give_every_case(grade, Verdict::invalid_output,
                      fmt::format("the program ended without reporting the case '{}'", check.name));
      return;
    }
  }

  for (CheckResult& check : grade.checks) {
    score_case(*traces.at(check.name), check);
  }
}

LessonGrade Grader::grade(const Student& student, const LessonPlan& plan) {
  LessonGrade grade = empty_grade(plan);
  try {
    Submitted submitted = read_submission(options_.submissions, student, plan.lesson);
    if (!submitted.source) {
      give_every_case(grade, submitted.problem, submitted.reason);
      sum_up(grade);
      return grade;
    }
    grade.source_sha256 = sha256_hex(*submitted.source);

    BuildResult build = this->build(grade.source_sha256, *submitted.source, plan);
    if (build.cancelled) {
      throw Cancelled{};
    }
    if (!build.ok) {
      BuildRequest request;
      request.exercise = options_.out / ".work" / grade.source_sha256 / "exercise.cpp";
      request.harness = options_.lessons_root / "harness" / plan.lesson.kind_impl->harness();
      give_every_case(grade, Verdict::compile_error, first_compiler_error(build, request));
    } else {
      judge(plan, build, grade);
    }
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    give_every_case(grade, Verdict::internal_error, e.what());
  }
  sum_up(grade);
  return grade;
}

// ---------------------------------------------------------------------------
// The record of a run, and what makes a student's recorded grade current.

std::uint64_t seed_number(const std::string& seed) {
  return std::stoull(sha256_hex(seed).substr(0, 16), nullptr, 16);
}

std::string draw_seed() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}", device(), device());
}

std::string shard_text(int index, int count) { return fmt::format("{}/{}", index, count); }

std::string fingerprint(const GradeOptions& options, const std::string& seed,
                        const std::vector<LessonPlan>& plans, const Student& student) {
  FieldHasher hasher;
  hasher.add("grader", std::to_string(kGraderVersion));
  hasher.add("seed", seed);
  hasher.add("timeout", std::to_string(options.timeout.count()));
  hasher.add("memory", std::to_string(options.memory_bytes));
  hasher.add("id", student.id);
  hasher.add("name", student.name);
  hasher.add("folder", student.folder);
  hasher.add_folder("harness", options.lessons_root / "harness");
  for (const LessonPlan& plan : plans) {
    hasher.add("lesson", plan.lesson.slug);
    hasher.add_file("lesson.yaml", plan.lesson.file);
    Submitted submitted = read_submission(options.submissions, student, plan.lesson);
    hasher.add("verdict", verdict_id(submitted.problem));
    hasher.add("source", submitted.source ? sha256_hex(*submitted.source) : submitted.reason);
  }
  return hasher.hex_digest();
}

fs::path state_file(const fs::path& out, const std::string& id) {
  return out / ".state" / (id + ".json");
}

std::optional<StudentGrade> recorded_grade(const fs::path& out, const std::string& id,
                                           const std::string& fingerprint_wanted) {
  fs::path file = state_file(out, id);
  if (!fs::exists(file)) {
    return std::nullopt;
  }
  try {
    json state = read_json(file);
    if (!fingerprint_wanted.empty() && state.value("fingerprint", "") != fingerprint_wanted) {
      return std::nullopt;
    }
    StudentGrade grade = student_from_json(state.at("student"));
    for (const LessonGrade& lesson : grade.lessons) {
      if (lesson.verdict == Verdict::internal_error) {
        return std::nullopt;
      }
    }
    return grade;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void write_student_files(const fs::path& out, const StudentGrade& grade) {
  fs::path folder = out / "students" / grade.id;
  make_private_folder(folder);
  write_durably(folder / "results.json", gradescope_json(grade));
  write_durably(folder / "feedback.txt", feedback_text(grade));
}

void record_student(const fs::path& out, const StudentGrade& grade, const std::string& print) {
  write_student_files(out, grade);
  json state = {
      {"gradlings_state", 1}, {"fingerprint", print}, {"student", student_to_json(grade)}};
  write_durably(state_file(out, grade.id), state.dump(2) + "\n");
}

void write_class_files(const fs::path& out, const std::vector<StudentGrade>& grades) {
  write_durably(out / "grades.csv", grades_csv(grades));
  write_durably(out / "results.jsonl", results_jsonl(grades));
  write_durably(out / "junit.xml", junit_xml(grades));
}

json run_record(const GradeOptions& options, const std::string& seed,
                const std::vector<LessonPlan>& plans, const std::vector<std::string>& protections,
                bool complete, std::size_t students) {
  json lessons = json::array();
  for (const LessonPlan& plan : plans) {
    lessons.push_back(plan.lesson.number);
  }
  return {{"gradlings_grade", 1},
          {"seed", seed},
          {"lessons", lessons},
          {"timeout_ms", options.timeout.count()},
          {"memory_bytes", options.memory_bytes},
          {"shard", shard_text(options.shard_index, options.shard_count)},
          {"protections", protections},
          {"complete", complete},
          {"students", students}};
}

bool cancel_requested(int fd) {
  if (fd < 0) {
    return false;
  }
  pollfd request{fd, POLLIN, 0};
  return ::poll(&request, 1, 0) > 0;
}

}  // namespace

// ---------------------------------------------------------------------------

std::vector<int> parse_lesson_selection(const std::string& text) {
  auto bad = [&] {
    return Error(
        fmt::format("'{}' is not a lesson selection; write numbers and ranges such as "
                    "'2', '1-7' or '2,4-6'",
                    text));
  };
  auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 4 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      throw bad();
    }
    return std::stoi(part);
  };

  std::set<int> numbers;
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    std::size_t dash = part.find('-');
    if (dash == std::string::npos) {
      numbers.insert(number(part));
      continue;
    }
    int first = number(part.substr(0, dash));
    int last = number(part.substr(dash + 1));
    if (first > last) {
      throw bad();
    }
    for (int n = first; n <= last; ++n) {
      numbers.insert(n);
    }
  }
  if (numbers.empty() || text.back() == ',') {
    throw bad();
  }
  return {numbers.begin(), numbers.end()};
}

std::pair<int, int> parse_shard(const std::string& text) {
  std::size_t slash = text.find('/');
  auto digits = [](const std::string& part) {
    return !part.empty() && part.size() <= 6 &&
           std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (slash != std::string::npos) {
    std::string index = text.substr(0, slash);
    std::string count = text.substr(slash + 1);
    if (digits(index) && digits(count)) {
      int i = std::stoi(index);
      int n = std::stoi(count);
      if (i >= 1 && i <= n) {
        return {i, n};
      }
    }
  }
  throw Error(fmt::format("'{}' is not a shard; write I/N with 1 <= I <= N, such as '2/8'", text));
}

GradeSummary grade_class(const GradeOptions& given,
                         const std::function<void(const GradeProgress&)>& progress) {
  GradeSummary summary;

  // The compiler and the programs run in other working folders, so every
  // path they are given must be absolute.
  GradeOptions options = given;
  options.submissions = fs::absolute(options.submissions);
  options.out = fs::absolute(options.out);
  options.lessons_root = fs::absolute(options.lessons_root);
  if (!options.roster.empty()) {
    options.roster = fs::absolute(options.roster);
  }

  // Everything that can be wrong with the input is found before grading.
  std::vector<Student> students = list_students(options, summary.notes);

  if (given.seed_given && given.seed.empty()) {
    throw Error(
        "--seed is empty; give the secret seed of the hidden cases, or leave --seed out "
        "to use the one recorded in the results folder");
  }
  auto resolved = [](const fs::path& path) {
    fs::path canonical = fs::weakly_canonical(path);
    return canonical.filename().empty() ? canonical.parent_path() : canonical;
  };
  auto inside = [&](const fs::path& folder, const fs::path& other) {
    fs::path a = resolved(folder);
    fs::path b = resolved(other);
    auto [end, rest] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
    return rest == a.end();
  };
  if (inside(options.submissions, options.out) || inside(options.out, options.submissions)) {
    throw Error(
        fmt::format("--out '{}' and the submissions folder '{}' overlap; give a results "
                    "folder outside the submissions, so that no student can see it",
                    display_path(given.out), display_path(given.submissions)));
  }

  fs::path run_file = options.out / "run.json";
  std::optional<json> recorded;
  if (fs::exists(run_file)) {
    recorded = read_json(run_file);
  }
  std::string recorded_seed = recorded ? recorded->value("seed", "") : "";
  summary.seed = options.seed;
  if (summary.seed.empty()) {
    summary.seed = recorded_seed;
  }
  if (summary.seed.empty()) {
    summary.seed = draw_seed();
    summary.seed_drawn = true;
  }
  if (!recorded_seed.empty() && recorded_seed != summary.seed && !options.force) {
    throw Error(
        fmt::format("'{}' holds grades made with another seed; give the same --seed to "
                    "go on, or --force to regrade every student with the new one",
                    display_path(given.out)));
  }

  std::vector<int> numbers = options.lessons;
  std::vector<fs::path> dirs = lesson_dirs(options.lessons_root);
  if (numbers.empty()) {
    for (const fs::path& dir : dirs) {
      numbers.push_back(lesson_number(dir));
    }
  }
  if (recorded && recorded->contains("lessons") && !options.force) {
    std::vector<int> recorded_lessons = recorded->at("lessons").get<std::vector<int>>();
    std::vector<int> wanted = numbers;
    std::sort(wanted.begin(), wanted.end());
    if (recorded_lessons != wanted) {
      throw Error(
          fmt::format("'{}' holds grades of lessons {}; give --lessons {} to go on, "
                      "another --out for other lessons, or --force to regrade every "
                      "student on lessons {}",
                      display_path(given.out), fmt::join(recorded_lessons, ","),
                      fmt::join(recorded_lessons, ","), fmt::join(wanted, ",")));
    }
  }

  std::vector<LessonPlan> plans;
  std::uint64_t seed = seed_number(summary.seed);
  for (int number : numbers) {
    LessonPlan plan{load_lesson(find_lesson_dir(options.lessons_root, number), seed), {}, {}};
    plan.cases = plan.lesson.kind_impl->case_names(plan.lesson);
    plan.input = plan.lesson.kind_impl->input(plan.lesson);
    plans.push_back(std::move(plan));
  }

  std::vector<Student> selection;
  for (std::size_t k = 0; k < students.size(); ++k) {
    if (static_cast<int>(k % static_cast<std::size_t>(options.shard_count)) ==
        options.shard_index - 1) {
      selection.push_back(students[k]);
    }
  }
  std::set<std::string> only(options.students.begin(), options.students.end());
  for (const std::string& id : only) {
    bool known = std::any_of(selection.begin(), selection.end(),
                             [&](const Student& s) { return s.id == id; });
    if (!known) {
      std::vector<std::string> ids;
      for (const Student& s : selection) {
        ids.push_back(s.id);
      }
      throw Error(fmt::format("no student '{}' in this selection{}", id, did_you_mean(id, ids)));
    }
  }

  Protections protections = detect_protections(options.allow_bubblewrap);
  summary.protections = protection_names(protections);

  make_private_folder(options.out);
  make_private_folder(options.out / ".state");
  remove_leftovers(options.out);
  remove_leftovers(options.out / ".state");
  std::error_code listing_error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator(options.out / "students", listing_error)) {
    remove_leftovers(entry.path());
  }
  if (options.force && !recorded_seed.empty() && recorded_seed != summary.seed) {
    for (const Student& student : selection) {
      std::error_code ignored;
      fs::remove(state_file(options.out, student.id), ignored);
    }
  }
  write_durably(run_file, run_record(options, summary.seed, plans, summary.protections, false,
                                     selection.size())
                                  .dump(2) +
                              "\n");

  // Which students are already recorded.
  std::vector<std::optional<StudentGrade>> grades(selection.size());
  std::vector<std::string> prints(selection.size());
  std::vector<std::size_t> to_grade;
  for (std::size_t s = 0; s < selection.size(); ++s) {
    prints[s] = fingerprint(options, summary.seed, plans, selection[s]);
    bool chosen = only.empty() || only.count(selection[s].id);
    bool regrade = chosen && (options.force || !only.empty());
    if (!regrade) {
      grades[s] = recorded_grade(options.out, selection[s].id, chosen ? prints[s] : "");
    }
    if (!grades[s] && chosen) {
      to_grade.push_back(s);
    }
  }

  GradeProgress report;
  report.students_total = only.empty() ? selection.size() : to_grade.size();
  for (std::size_t s = 0; s < selection.size() && only.empty(); ++s) {
    if (grades[s]) {
      ++report.students_done;
      ++report.students_skipped;
    }
  }
  summary.students_skipped = report.students_skipped;
  progress(report);

  // The workers take student-lesson jobs in order; the last lesson of a
  // student to finish hands the student to this thread, which records it.
  Grader grader(options, plans, protections);
  struct Pending {
    StudentGrade grade;
    std::size_t remaining = 0;
  };
  std::vector<Pending> pending(selection.size());
  std::deque<std::pair<std::size_t, std::size_t>> jobs;
  for (std::size_t s : to_grade) {
    pending[s].grade.id = selection[s].id;
    pending[s].grade.name = selection[s].name;
    pending[s].grade.folder = selection[s].folder;
    pending[s].grade.lessons.resize(plans.size());
    pending[s].remaining = plans.size();
    for (std::size_t l = 0; l < plans.size(); ++l) {
      jobs.emplace_back(s, l);
    }
  }

  std::mutex mutex;
  std::condition_variable finished_changed;
  std::deque<std::size_t> finished;
  std::atomic<bool> stop{false};
  std::size_t workers_left = 0;

  auto work = [&] {
    while (true) {
      std::pair<std::size_t, std::size_t> job;
      {
        std::lock_guard lock(mutex);
        if (jobs.empty() || stop) {
          break;
        }
        job = jobs.front();
        jobs.pop_front();
      }
      if (cancel_requested(options.cancel_fd)) {
        stop = true;
        break;
      }
      auto [s, l] = job;
      try {
        LessonGrade lesson = grader.grade(selection[s], plans[l]);
        std::lock_guard lock(mutex);
        pending[s].grade.lessons[l] = std::move(lesson);
        if (--pending[s].remaining == 0) {
          finished.push_back(s);
          finished_changed.notify_all();
        }
      } catch (const Cancelled&) {
        stop = true;
        break;
      }
    }
    std::lock_guard lock(mutex);
    --workers_left;
    finished_changed.notify_all();
  };

  unsigned jobs_at_once = std::max(1u, options.jobs);
  std::vector<std::thread> workers;
  workers_left = jobs_at_once;
  for (unsigned w = 0; w < jobs_at_once; ++w) {
    workers.emplace_back(work);
  }

  std::exception_ptr failure;
  while (true) {
    std::size_t s;
    {
      std::unique_lock lock(mutex);
      finished_changed.wait(lock, [&] { return !finished.empty() || workers_left == 0; });
      if (finished.empty()) {
        break;
      }
      s = finished.front();
      finished.pop_front();
    }
    try {
      record_student(options.out, pending[s].grade, prints[s]);
    } catch (...) {
      failure = std::current_exception();
      stop = true;
      break;
    }
    grades[s] = pending[s].grade;
    ++summary.students_graded;
    for (const LessonGrade& lesson : grades[s]->lessons) {
      if (lesson.verdict == Verdict::internal_error) {
        ++summary.internal_errors;
        summary.first_internal_error =
            summary.first_internal_error.empty()
                ? fmt::format("{}, lesson {}: {}", grades[s]->id, lesson.number, lesson.reason)
                : summary.first_internal_error;
      }
    }
    summary.lessons_graded += plans.size();
    ++report.students_done;
    report.student = &*grades[s];
    report.skipped = false;
    progress(report);
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  if (failure) {
    std::rethrow_exception(failure);
  }
  if (stop) {
    summary.cancelled = true;
    return summary;
  }

  std::vector<StudentGrade> recorded_grades;
  for (const std::optional<StudentGrade>& grade : grades) {
    if (grade) {
      recorded_grades.push_back(*grade);
    }
  }
  for (const StudentGrade& grade : recorded_grades) {
    if (!fs::exists(options.out / "students" / grade.id / "results.json")) {
      write_student_files(options.out, grade);
    }
  }
  write_class_files(options.out, recorded_grades);
  bool complete = recorded_grades.size() == selection.size();
  write_durably(run_file, run_record(options, summary.seed, plans, summary.protections, complete,
                                     selection.size())
                                  .dump(2) +
                              "\n");
  return summary;
}

void merge_results(const fs::path& out, const std::vector<fs::path>& shards) {
  if (shards.empty()) {
    throw Error("give the results folders of the shards to merge");
  }

  std::optional<json> first;
  std::set<int> indexes;
  int count = 0;
  std::map<std::string, StudentGrade> grades;
  for (const fs::path& shard : shards) {
    fs::path run_file = shard / "run.json";
    if (!fs::exists(run_file)) {
      throw Error(fmt::format("'{}' has no run.json; give the --out folder of a runner grade run",
                              display_path(shard)));
    }
    json run = read_json(run_file);
    if (!run.value("complete", false)) {
      throw Error(
          fmt::format("the shard in '{}' did not finish; rerun its runner grade command "
                      "to complete it",
                      display_path(shard)));
    }
    if (first && (run.value("seed", "") != first->value("seed", "") ||
                  run.value("lessons", json()) != first->value("lessons", json()))) {
      throw Error(fmt::format("'{}' was graded with another seed or other lessons than '{}'",
                              display_path(shard), display_path(shards.front())));
    }
    auto [index, shard_count] = parse_shard(run.value("shard", "1/1"));
    if (count != 0 && shard_count != count) {
      throw Error(fmt::format("'{}' is shard {}, but the first shard is one of {}",
                              display_path(shard), run.value("shard", ""), count));
    }
    count = shard_count;
    if (!indexes.insert(index).second) {
      throw Error(fmt::format("shard {} is given twice", run.value("shard", "")));
    }
    if (!first) {
      first = run;
    }

    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(shard / ".state", error)) {
      if (entry.path().extension() != ".json") {
        continue;
      }
      json state = read_json(entry.path());
      StudentGrade grade;
      try {
        grade = student_from_json(state.at("student"));
      } catch (const json::exception& e) {
        throw Error(
            fmt::format("'{}' is not a student record ({})", display_path(entry.path()), e.what()));
      }
      if (grades.count(grade.id)) {
        throw Error(
            fmt::format("the student '{}' is in two shards; merge each shard once", grade.id));
      }
      grades.emplace(grade.id, grade);
    }
  }
  for (int i = 1; i <= count; ++i) {
    if (!indexes.count(i)) {
      throw Error(
          fmt::format("shard {} is missing; merge all {} shards", shard_text(i, count), count));
    }
  }

  make_private_folder(out);
  make_private_folder(out / ".state");
  std::vector<StudentGrade> all;
  for (auto& [id, grade] : grades) {
    write_student_files(out, grade);
    json state = {{"gradlings_state", 1}, {"fingerprint", ""}, {"student", student_to_json(grade)}};
    write_durably(state_file(out, id), state.dump(2) + "\n");
    all.push_back(grade);
  }
  write_class_files(out, all);
  json run = *first;
  run["shard"] = "1/1";
  run["merged_from"] = count;
  run["students"] = all.size();
  write_durably(out / "run.json", run.dump(2) + "\n");
}

}  // namespace gradlings::runner
