#include "runner/grade.h"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
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
#include "runner/durable_files.h"
#include "runner/error.h"
#include "runner/grade_report.h"
#include "runner/hash.h"
#include "runner/lesson.h"
#include "runner/roster.h"
#include "runner/sandbox.h"
#include "runner/scoring.h"
#include "runner/text.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Bumped whenever a change to grading could change a grade, so that a rerun
// after an upgrade regrades instead of keeping the old results.
constexpr int kGraderVersion = 1;

struct Cancelled {};

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

  // Grades one student's lesson. Throws only Cancelled: any other failure
  // becomes the lesson's internal_error.
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
    request.harness = options_.harness_dir / plan.lesson.kind_impl->harness();
    request.include_dirs = {options_.harness_dir};
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
  score_run(run, result, limits, grade);
}

LessonGrade Grader::grade(const Student& student, const LessonPlan& plan) {
  LessonGrade grade = unscored_lesson(plan.lesson, plan.cases);
  try {
    Submitted submitted = read_submission(options_.submissions, student.folder, plan.lesson);
    if (!submitted.source) {
      score_every_case(grade, submitted.problem, submitted.reason);
      total_up(grade);
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
      request.harness = options_.harness_dir / plan.lesson.kind_impl->harness();
      score_every_case(grade, Verdict::compile_error, first_compiler_error(build, request));
    } else {
      judge(plan, build, grade);
    }
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    score_every_case(grade, Verdict::internal_error, e.what());
  } catch (...) {
    score_every_case(grade, Verdict::internal_error, "an exception of an unknown type");
  }
  bound_reasons(grade);
  total_up(grade);
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
  hasher.add_folder("harness", options.harness_dir);
  for (const LessonPlan& plan : plans) {
    hasher.add("lesson", plan.lesson.slug);
    hasher.add_file("lesson.yaml", plan.lesson.file);
    Submitted submitted = read_submission(options.submissions, student.folder, plan.lesson);
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
  if (options.harness_dir.empty()) {
    options.harness_dir = options.lessons_root / "harness";
  }
  options.harness_dir = fs::absolute(options.harness_dir);
  if (!options.roster.empty()) {
    options.roster = fs::absolute(options.roster);
  }

  // Everything that can be wrong with the input is found before grading.
  std::vector<Student> students = list_students(options.submissions, options.roster, summary.notes);
  bool one_workspace = fs::exists(options.submissions / "gradlings.json");
  for (const fs::path& dir : lesson_dirs(options.lessons_root)) {
    one_workspace = one_workspace || fs::exists(options.submissions / dir.filename());
  }
  if (one_workspace) {
    throw Error(fmt::format("'{}' looks like one student's workspace, not a class; give the "
                            "folder that holds one such workspace per student",
                            display_path(given.submissions)));
  }

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
    std::vector<int> selected_lessons = numbers;
    std::sort(selected_lessons.begin(), selected_lessons.end());
    if (recorded_lessons != selected_lessons) {
      throw Error(
          fmt::format("'{}' holds grades of lessons {}; give --lessons {} to go on, "
                      "another --out for other lessons, or --force to regrade every "
                      "student on lessons {}",
                      display_path(given.out), fmt::join(recorded_lessons, ","),
                      fmt::join(recorded_lessons, ","), fmt::join(selected_lessons, ",")));
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
