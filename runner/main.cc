// The `runner` command: checks a learner's exercises, keeps their progress
// and prints the traces.
#include <fmt/format.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "runner/check.h"
#include "runner/check_lessons.h"
#include "runner/error.h"
#include "runner/grade.h"
#include "runner/json_report.h"
#include "runner/lesson.h"
#include "runner/locate.h"
#include "runner/progress.h"
#include "runner/report.h"
#include "runner/text.h"
#include "runner/watch.h"
#include "runner/workspace.h"
#include "runner/yaml_doc.h"

namespace {

namespace fs = std::filesystem;
using namespace gradlings::runner;

constexpr int kExitPassed = 0;  // every check passed, or the command did its job
constexpr int kExitFailed = 1;  // a lesson did not pass, `solution` refused or a reset declined
constexpr int kExitUsage = 2;   // a bad command line, lesson file or workspace

constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0  every check passed, or the command did its job ('grade': grading\n"
    "     finished, whatever the grades)\n"
    "  1  a lesson did not pass: a wrong value, an unfinished function, a compile\n"
    "     error, a crash or a timeout; 'solution' refused before a pass; or you\n"
    "     answered no to 'reset'\n"
    "  2  a bad command line, lesson file or workspace\n"
    "  130  'grade' was interrupted; run it again to go on\n";

struct Options {
  std::string lesson;                  // the lesson number as typed
  std::string exercise;                // --exercise: check this file instead of the workspace's
  std::string workspace;               // --workspace: default found from the current folder
  double timeout_seconds = 10;         // --timeout: wall time for the learner's program
  bool plain = false;                  // --plain: ASCII, no colour
  std::string init_dir = "gradlings";  // `init DIR`
  bool init_dir_given = false;         // `init DIR` named the folder
  bool watching = false;               // the command runs inside `runner watch`
  bool yes = false;                    // `reset --yes`: do not ask
  bool all = false;                    // `reset --all`
  bool force = false;                  // `solution --force`
  std::string format = "text";         // --format: "text" for people, "json" for tools
  bool verbose = false;                // --verbose: the compiler's whole log
  bool poll = false;                   // `watch --poll`: poll modification times, not inotify
  std::string check_dir;               // `check-lessons DIR`; empty: the lessons in use
  std::string solutions;               // `check-lessons --solutions`; empty: DIR/../solutions
};

// The options of `runner grade` and `runner merge`, which instructors use.
struct GradeCommand {
  std::string submissions;
  std::string out;
  std::string lessons;             // --lessons: "1-7"; empty: every lesson
  unsigned jobs = 0;               // -j: 0 means one per core
  std::string seed;                // --seed
  bool seed_given = false;         // --seed was given, perhaps empty
  double timeout_seconds = 10;     // --timeout
  std::string roster;              // --roster
  bool force = false;              // --force
  std::vector<std::string> students;  // --student, repeatable
  std::string shard;               // --shard I/N
  bool no_bubblewrap = false;      // --no-bubblewrap
  std::vector<std::string> shards;  // merge: the shard folders
};

// The running binary, for finding the installed lessons beside it.
fs::path executable_path() {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : self;
}

fs::path data_root() { return find_data_root(executable_path(), GRADLINGS_SOURCE_DIR); }

// The lesson pack from --pack DIR, else from $GRADLINGS_PACK; empty: the
// shipped lessons. main() sets it once, after checking that it has lessons.
fs::path chosen_pack;

// Returns `dir` as typed but without "." parts or a trailing slash, so that
// its parent_path() is the folder above it.
fs::path normal_folder(const fs::path& dir) {
  fs::path normal = dir.lexically_normal();
  return normal.filename().empty() ? normal.parent_path() : normal;
}

fs::path lessons_root() { return chosen_pack.empty() ? data_root() / "lessons" : chosen_pack; }

// Returns the harness folder of the lessons in `lessons_dir`: its own harness/,
// or else the shipped one, so a pack of existing kinds needs no copy of it.
fs::path harness_dir_of(const fs::path& lessons_dir) {
  fs::path own = lessons_dir / "harness";
  return fs::is_directory(own) ? own : data_root() / "lessons" / "harness";
}

// The solutions of the lessons in use: solutions/ beside their folder.
fs::path solutions_root() { return normal_folder(lessons_root()).parent_path() / "solutions"; }

// Throws Error unless `dir` is a folder with at least one lesson folder in it.
// `name`, the option or variable that gave the folder, starts the message.
void require_lessons_in(const fs::path& dir, const std::string& name) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw Error(fmt::format("{} '{}' is not a folder (give the folder that contains the lesson "
                            "folders, such as 01-chain-rule/)",
                            name, dir.string()));
  }
  if (lesson_dirs(dir).empty()) {
    throw Error(fmt::format("{} '{}' contains no lessons (each lesson is a folder NN-slug/ with "
                            "a lesson.yaml)",
                            name, dir.string()));
  }
}

// The choice a command has for a --workspace folder that is not a workspace yet.
enum class NewWorkspace {
  allowed,   // commands that check or give hints start one in a new or empty folder
  rejected,  // the others need an existing workspace
};

// Returns the workspace for a command: --workspace DIR, or else the one found
// from the current folder. A --workspace that names no workspace is an Error,
// so that a mistyped path never looks like lost progress.
fs::path workspace_dir(const Options& options,
                       NewWorkspace new_workspace = NewWorkspace::rejected) {
  if (options.workspace.empty()) {
    return find_workspace(fs::current_path());
  }

  fs::path dir = options.workspace;
  if (is_workspace(dir)) {
    return dir;
  }
  std::error_code error;
  bool exists = fs::exists(dir, error);
  if (exists && !fs::is_directory(dir, error)) {
    throw Error(
        fmt::format("--workspace '{}' is a file, not a folder (pass the folder that "
                    "contains gradlings.json)",
                    dir.string()));
  }
  bool empty = !exists || fs::is_empty(dir, error);
  if (new_workspace == NewWorkspace::allowed && empty) {
    return dir;
  }
  if (!exists) {
    throw Error(
        fmt::format("--workspace '{}' does not exist (check the path, or run 'runner init "
                    "{}' to create a workspace there)",
                    dir.string(), dir.string()));
  }
  throw Error(
      fmt::format("--workspace '{}' is not a gradlings workspace: it has no "
                  "gradlings.json (pass the folder that contains it, or run 'runner init "
                  "DIR' for a new one)",
                  dir.string()));
}

int parse_lesson_number(const std::string& text) {
  int number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw Error(fmt::format("lesson '{}' is not a number ('runner list' shows the lessons)", text));
  }
  return number;
}

// Prints `text` to `stream` as the output style allows: ASCII only with
// --plain, and without escape codes where there is no colour.
void print(const Options& options, std::FILE* stream, const std::string& text) {
  std::fputs(apply_style(text, detect_style(stream, options.plain)).c_str(), stream);
}

ReportStyle report_style(const Options& options) {
  ReportStyle style = detect_style(stdout, options.plain);
  style.verbose = options.verbose;
  style.watching = options.watching;
  return style;
}

Lesson load_numbered_lesson(const std::string& number) {
  return load_lesson(find_lesson_dir(lessons_root(), parse_lesson_number(number)));
}

std::vector<Lesson> load_all_lessons() {
  std::vector<Lesson> lessons;
  for (const fs::path& dir : lesson_dirs(lessons_root())) {
    lessons.push_back(load_lesson(dir));
  }
  return lessons;
}

CheckOptions check_options(const Options& options, const fs::path& exercise) {
  if (!(options.timeout_seconds >= 0.1 && options.timeout_seconds <= 3600)) {
    throw Error(
        fmt::format("--timeout {} is out of range (give the seconds your program may run, "
                    "from 0.1 to 3600)",
                    options.timeout_seconds));
  }
  CheckOptions check;
  check.exercise = exercise;
  check.harness_dir = harness_dir_of(lessons_root());
  check.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  return check;
}

// Rewrites the workspace's compile_commands.json when the flags, the compiler
// or the lessons changed, so an editor compiles the exercises as the runner does.
void update_compile_commands(const Workspace& workspace, const Options& options) {
  std::vector<CompileCommand> commands;
  for (const fs::path& dir : lesson_dirs(lessons_root())) {
    fs::path exercise =
        fs::weakly_canonical(fs::absolute(workspace.dir())) / dir.filename() / "exercise.cpp";
    commands.push_back(
        {exercise, exercise_compile_command(check_options(options, exercise), exercise)});
  }
  workspace.write_compile_commands(commands);
}

LessonProgress progress_of(const Lesson& lesson, const Workspace& workspace) {
  LessonProgress progress;
  progress.number = lesson.number;
  progress.title = lesson.title;
  progress.status = workspace.state(lesson).status;
  progress.standing = standing_of(progress.status);
  return progress;
}

// Prints the report on one checked lesson in the --format asked for.
void print_result(const Lesson& lesson, const fs::path& exercise, const LessonResult& result,
                  const Options& options) {
  if (options.format == "json") {
    std::fputs(render_json(lesson, display_path(exercise), result, options.plain).c_str(), stdout);
  } else {
    std::fputs(render_result(lesson, display_path(exercise), result, report_style(options)).c_str(),
               stdout);
  }
}

// Checks the workspace's exercise for `lesson`, creating it from the stub when
// it is missing, prints the report and saves the verdict. Before the first
// check of a lesson it prints the lesson's explanation.
LessonResult check_in_workspace(const Lesson& lesson, Workspace& workspace, const Options& options,
                                int cancel_fd = -1) {
  fs::path exercise = workspace.exercise(lesson);
  bool created = workspace.ensure_exercise(lesson);
  if (created || workspace.state(lesson).status.empty()) {
    // With --format json, stdout holds only the JSON document.
    std::FILE* stream = options.format == "json" ? stderr : stdout;
    print(options, stream,
          fmt::format("Lesson {}: {}\n\n{}\n", lesson.number, lesson.title, lesson.explanation));
    print(
        options, stream,
        fmt::format("Your exercise: {}{}.\n"
                    "Write it from the top down, deleting each not_implemented() call as you go.\n"
                    "'runner explain {}' shows the text above again. Its first check follows.\n\n",
                    display_path(exercise), created ? " (a copy of the lesson's stub)" : "",
                    lesson.number));
  }
  update_compile_commands(workspace, options);

  CheckOptions check = check_options(options, exercise);
  check.cancel_fd = cancel_fd;
  LessonResult result = check_lesson(lesson, check);
  if (result.outcome == Outcome::cancelled) {
    return result;  // a newer save or a key replaced this check: nothing to show or keep
  }
  print_result(lesson, exercise, result, options);

  LessonState state = workspace.state(lesson);
  state.status = outcome_name(result.outcome);
  workspace.set_state(lesson, state);
  workspace.save();
  return result;
}

int run_lesson(const Options& options) {
  Lesson lesson = load_numbered_lesson(options.lesson);
  if (!options.exercise.empty()) {
    fs::path exercise = options.exercise;
    LessonResult result = check_lesson(lesson, check_options(options, exercise));
    print_result(lesson, exercise, result, options);
    return result.outcome == Outcome::passed ? kExitPassed : kExitFailed;
  }

  Workspace workspace(workspace_dir(options, NewWorkspace::allowed));
  LessonResult result = check_in_workspace(lesson, workspace, options);
  return result.outcome == Outcome::passed ? kExitPassed : kExitFailed;
}

int run_next(const Options& options) {
  Workspace workspace(workspace_dir(options, NewWorkspace::allowed));
  for (const Lesson& lesson : load_all_lessons()) {
    if (standing_of(workspace.state(lesson).status) != Standing::passed) {
      LessonResult result = check_in_workspace(lesson, workspace, options);
      return result.outcome == Outcome::passed ? kExitPassed : kExitFailed;
    }
  }
  print(options, stdout, "Every lesson has passed. 'runner verify' checks them all again.\n");
  return kExitPassed;
}

// Returns the workspace that contains `start`, if any. The
// checkout's default workspace/ counts only once it has its marker file.
std::optional<fs::path> enclosing_workspace_of(const fs::path& start) {
  try {
    fs::path found = fs::absolute(find_workspace(start)).lexically_normal();
    fs::path relative = fs::absolute(start).lexically_normal().lexically_relative(found);
    bool contains = !relative.empty() && *relative.begin() != "..";
    if (contains && is_workspace(found)) {
      return found;
    }
  } catch (const Error&) {
  }
  return std::nullopt;
}

int run_init(const Options& options) {
  fs::path dir = options.init_dir;
  // Without a folder name, inside a workspace, init means that workspace:
  // a new one nested inside it would hide the learner's progress.
  if (!options.init_dir_given) {
    if (std::optional<fs::path> inside = enclosing_workspace_of(fs::current_path())) {
      dir = display_path(*inside);
      if (dir.empty() || dir == ".") {
        dir = ".";
      }
    }
  }
  if (options.init_dir_given && !is_workspace(dir)) {
    if (std::optional<fs::path> inside = enclosing_workspace_of(fs::absolute(dir).parent_path())) {
      throw Error(
          fmt::format("'{}' would be inside the workspace '{}' (run 'runner init' outside "
                      "it, or plain 'runner init' in it to add new lessons' stubs)",
                      dir.string(), inside->string()));
    }
  }
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_directory(dir, error)) {
    throw Error(fmt::format("'{}' is a file, not a folder (give 'runner init' another name)",
                            dir.string()));
  }
  bool existing = is_workspace(dir);
  if (!existing && fs::is_directory(dir, error) && !fs::is_empty(dir, error)) {
    throw Error(
        fmt::format("'{}' already exists and is not a gradlings workspace (give "
                    "'runner init' a new folder name)",
                    dir.string()));
  }
  fs::create_directories(dir, error);
  if (error) {
    throw Error(fmt::format("cannot create '{}': {}", dir.string(), error.message()));
  }

  Workspace workspace(dir);
  std::vector<Lesson> lessons = load_all_lessons();
  int created = 0;
  for (const Lesson& lesson : lessons) {
    created += workspace.ensure_exercise(lesson) ? 1 : 0;
  }
  workspace.save();
  update_compile_commands(workspace, options);

  if (existing) {
    print(options, stdout,
          fmt::format("'{}' is already a workspace; {}.\n", dir.string(),
                      created == 0 ? "every lesson's exercise is there"
                                   : fmt::format("added the stubs of {} new lesson{}", created,
                                                 created == 1 ? "" : "s")));
    return kExitPassed;
  }
  print(options, stdout,
        fmt::format("Created a gradlings workspace in {} with {} lessons, one folder each:\n",
                    dir.string(), lessons.size()));
  for (const Lesson& lesson : lessons) {
    print(options, stdout, fmt::format("  {}\n", (dir / lesson.slug / "exercise.cpp").string()));
  }
  print(options, stdout,
        fmt::format(
            "\nIts compile_commands.json lets clangd and IDEs compile them as the runner does.\n"
            "Next:\n"
            "  cd {}\n"
            "  runner watch       checks your exercise each time you save it\n"
            "  runner lesson 1    checks lesson 1 once and prints its trace\n",
            dir.string()));
  return kExitPassed;
}

// Lists every lesson. A lesson file that does not load is listed with its
// error, so one broken lesson does not hide the others, and the exit status
// is then kExitUsage.
int run_list(const Options& options) {
  Workspace workspace(workspace_dir(options));
  std::vector<LessonProgress> lessons;
  std::vector<std::string> broken;
  for (const fs::path& dir : lesson_dirs(lessons_root())) {
    try {
      lessons.push_back(progress_of(load_lesson(dir), workspace));
    } catch (const Error& error) {
      std::string message = error.what();
      broken.push_back(fmt::format("lesson {} ({}) cannot load: {}", lesson_number(dir),
                                   dir.filename().string(), message.substr(0, message.find('\n'))));
    }
  }

  ReportStyle style = detect_style(stdout, options.plain);
  style.watching = options.watching;
  print(options, stdout, render_list(lessons, style));
  for (const std::string& line : broken) {
    std::fprintf(stderr, "runner: error: %s\n", line.c_str());
  }
  return broken.empty() ? kExitPassed : kExitUsage;
}

int run_explain(const Options& options) {
  Lesson lesson = load_numbered_lesson(options.lesson);
  print(options, stdout,
        fmt::format("Lesson {}: {}\n\n{}", lesson.number, lesson.title, lesson.explanation));
  return kExitPassed;
}

int run_hint(const Options& options) {
  Lesson lesson = load_numbered_lesson(options.lesson);
  Workspace workspace(workspace_dir(options, NewWorkspace::allowed));
  LessonState state = workspace.state(lesson);
  int count = static_cast<int>(lesson.hints.size());
  int shown = std::min(state.hints_shown + 1, count);

  print(options, stdout,
        fmt::format("Hint {} of {} for lesson {} ({}):\n\n{}\n", shown, count, lesson.number,
                    lesson.title, lesson.hints[shown - 1]));
  if (shown == count) {
    print(options, stdout, "That is the last hint.\n");
  } else {
    print(options, stdout,
          options.watching
              ? std::string("Press h again for the next one.\n")
              : fmt::format("Run 'runner hint {}' again for the next one.\n", lesson.number));
  }

  state.hints_shown = shown;
  workspace.set_state(lesson, state);
  workspace.save();
  return kExitPassed;
}

// Asks `question` on the terminal and returns true for "y" or "yes". Without
// a terminal it cannot ask, so it throws Error naming --yes.
bool confirm(const Options& options, const std::string& question, const std::string& command) {
  if (!isatty(STDIN_FILENO)) {
    throw Error(
        fmt::format("{} asks before it replaces your work, and there is no terminal to "
                    "ask on (add --yes to confirm)",
                    command));
  }
  print(options, stdout, fmt::format("{} [y/N] ", question));
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return answer == "y" || answer == "yes";
}

int run_reset(const Options& options) {
  if (options.all == !options.lesson.empty()) {
    throw Error(
        "reset needs a lesson number or --all, not both (runner reset 2, runner reset --all)");
  }
  std::vector<Lesson> lessons;
  if (options.all) {
    lessons = load_all_lessons();
  } else {
    lessons.push_back(load_numbered_lesson(options.lesson));
  }
  Workspace workspace(workspace_dir(options));

  if (!options.yes) {
    std::string target =
        options.all ? fmt::format("every exercise in the workspace {}",
                                  fs::weakly_canonical(fs::absolute(workspace.dir())).string())
                    : display_path(workspace.exercise(lessons.front()));
    if (!confirm(options,
                 fmt::format("Replace {} with the stub? Each file you changed is kept as a backup.",
                             target),
                 options.all ? "'runner reset --all'"
                             : fmt::format("'runner reset {}'", options.lesson))) {
      print(options, stdout, "Nothing was changed.\n");
      return kExitFailed;
    }
  }

  for (const Lesson& lesson : lessons) {
    std::optional<fs::path> backup = workspace.reset_exercise(lesson);
    LessonState state = workspace.state(lesson);
    state.status.clear();
    workspace.set_state(lesson, state);
    if (backup) {
      print(options, stdout,
            fmt::format("Lesson {}: restored the stub in {}; your file is kept as {}\n",
                        lesson.number, display_path(workspace.exercise(lesson)),
                        display_path(*backup)));
    } else {
      print(options, stdout,
            fmt::format("Lesson {}: {} is the stub.\n", lesson.number,
                        display_path(workspace.exercise(lesson))));
    }
  }
  workspace.save();
  update_compile_commands(workspace, options);
  return kExitPassed;
}

// Checks the lessons in order and stops at the first that does not pass,
// after printing that lesson's report. Ends with a summary table.
int run_verify(const Options& options) {
  Workspace workspace(workspace_dir(options));
  std::vector<Lesson> lessons = load_all_lessons();
  ReportStyle style = report_style(options);
  update_compile_commands(workspace, options);

  std::vector<VerifyRow> rows;
  bool stopped = false;
  for (const Lesson& lesson : lessons) {
    VerifyRow row{lesson.number, lesson.title, "not checked", false, std::nullopt};
    fs::path exercise = workspace.exercise(lesson);
    if (stopped) {
      rows.push_back(row);
      continue;
    }
    if (!fs::exists(exercise)) {
      row.verdict = "not started";
      rows.push_back(row);
      stopped = true;
      print(options, stdout,
            fmt::format("Lesson {} is not started: 'runner lesson {}' creates {}.\n\n",
                        lesson.number, lesson.number, display_path(exercise)));
      continue;
    }

    auto start = std::chrono::steady_clock::now();
    LessonResult result = check_lesson(lesson, check_options(options, exercise));
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    row.verdict = outcome_name(result.outcome);
    row.passed = result.outcome == Outcome::passed;
    rows.push_back(row);

    LessonState state = workspace.state(lesson);
    state.status = row.verdict;
    workspace.set_state(lesson, state);
    if (!row.passed) {
      stopped = true;
      std::fputs(render_result(lesson, display_path(exercise), result, style).c_str(), stdout);
      print(options, stdout, "\n");
    }
  }
  workspace.save();

  print(options, stdout, render_verify_summary(rows, style));
  return stopped ? kExitFailed : kExitPassed;
}

int run_solution(const Options& options) {
  Lesson lesson = load_numbered_lesson(options.lesson);
  Workspace workspace(workspace_dir(options));
  bool passed = standing_of(workspace.state(lesson).status) == Standing::passed;
  if (!passed && !options.force) {
    std::fprintf(stderr,
                 "runner: lesson %d has not passed yet, so its solution stays hidden: working it "
                 "out is what teaches.\n'runner hint %d' gives the next step; 'runner solution %d "
                 "--force' shows it anyway.\n",
                 lesson.number, lesson.number, lesson.number);
    return kExitFailed;
  }

  fs::path solution = solutions_root() / lesson.slug / "exercise.cpp";
  std::ifstream in(solution, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("no solution for lesson {} at '{}' (reinstall gradlings)",
                            lesson.number, solution.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();

  if (!passed) {
    std::fprintf(stderr,
                 "runner: warning: lesson %d has not passed yet. Reading the solution first "
                 "skips the part that teaches; try to pass it afterwards without looking.\n\n",
                 lesson.number);
  }
  print(options, stdout,
        fmt::format("Reference solution of lesson {} ({}), from {}:\n\n{}", lesson.number,
                    lesson.title, solution.string(), text.str()));
  return kExitPassed;
}

// Returns the index in `dirs` of lesson N when one was given, else of the
// first lesson that has not passed, else of the last lesson.
int first_lesson_to_watch(const Options& options, const std::vector<fs::path>& dirs,
                          const Workspace& workspace) {
  if (dirs.empty()) {
    throw Error(fmt::format("no lessons in '{}'", display_path(lessons_root())));
  }
  if (!options.lesson.empty()) {
    fs::path dir = find_lesson_dir(lessons_root(), parse_lesson_number(options.lesson));
    return static_cast<int>(std::find(dirs.begin(), dirs.end(), dir) - dirs.begin());
  }

  int first = 0;
  while (first + 1 < static_cast<int>(dirs.size()) &&
         standing_of(workspace.state(load_lesson(dirs[first])).status) == Standing::passed) {
    ++first;
  }
  return first;
}

// Watch mode: starts at lesson N, or at the first lesson that has not
// passed, and checks it on every save until 'q'.
int run_watch(const Options& command_options) {
  // Everything printed inside watch names its keys and saves, not commands.
  Options options = command_options;
  options.watching = true;
  check_options(options, {});
  fs::path workspace_folder = workspace_dir(options, NewWorkspace::allowed);
  std::vector<fs::path> dirs = lesson_dirs(lessons_root());
  WatchOptions watch;
  for (const fs::path& dir : dirs) {
    watch.lesson_numbers.push_back(lesson_number(dir));
  }
  watch.first = first_lesson_to_watch(options, dirs, Workspace(workspace_folder));
  watch.settings.poll = options.poll;
  watch.key_fd = STDIN_FILENO;
  const char* term = std::getenv("TERM");
  watch.clear_screen = ::isatty(STDOUT_FILENO) != 0 && !options.plain &&
                       !(term != nullptr && std::string(term) == "dumb");

  // Each hook reopens the workspace, so a hint shown and a verdict recorded
  // in between, here or by another runner, are kept.
  WatchHooks hooks;
  hooks.open_lesson = [&](int index) {
    Lesson lesson = load_lesson(dirs[index]);
    Workspace workspace(workspace_folder);
    if (workspace.ensure_exercise(lesson)) {
      print(options, stdout,
            fmt::format("Created {} from the lesson's stub.\n",
                        display_path(workspace.exercise(lesson))));
    }
    return workspace.exercise(lesson);
  };
  hooks.check = [&](int index, int cancel_fd) {
    Lesson lesson = load_lesson(dirs[index]);
    Workspace workspace(workspace_folder);
    LessonResult result = check_in_workspace(lesson, workspace, options, cancel_fd);
    std::fflush(stdout);
    return result.outcome == Outcome::passed;
  };
  hooks.show_hint = [&](int index) {
    Options hint = options;
    hint.lesson = std::to_string(watch.lesson_numbers[index]);
    hint.workspace = workspace_folder.string();
    run_hint(hint);
  };
  hooks.show_list = [&] {
    Options list = options;
    list.workspace = workspace_folder.string();
    run_list(list);
  };
  hooks.print = [&](const std::string& text) {
    print(options, stdout, text);
    std::fflush(stdout);
  };
  run_watch_loop(watch, hooks);
  return kExitPassed;
}

// Checks the option values that CLI11 cannot, before any command prints.
// SIGINT and SIGTERM during `runner grade` write a byte here; the grader
// polls the read end, stops its programs and keeps what it recorded.
int interrupt_pipe[2] = {-1, -1};

extern "C" void on_interrupt(int) {
  char byte = 1;
  [[maybe_unused]] ssize_t ignored = ::write(interrupt_pipe[1], &byte, 1);
}

std::string clock_text(double seconds) {
  long long s = std::llround(seconds);
  if (s >= 3600) {
    return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  }
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

int run_grade(const Options& options, const GradeCommand& command) {
  GradeOptions grade;
  grade.submissions = command.submissions;
  grade.out = command.out;
  grade.lessons_root = lessons_root();
  grade.harness_dir = harness_dir_of(lessons_root());
  if (!command.lessons.empty()) {
    grade.lessons = parse_lesson_selection(command.lessons);
  }
  grade.seed = command.seed;
  grade.seed_given = command.seed_given;
  grade.jobs = command.jobs != 0 ? command.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (!(command.timeout_seconds >= 0.1 && command.timeout_seconds <= 3600)) {
    throw Error(fmt::format("--timeout {} is out of range (give the seconds each program may run, "
                            "from 0.1 to 3600)",
                            command.timeout_seconds));
  }
  grade.timeout = std::chrono::milliseconds(static_cast<long long>(command.timeout_seconds * 1000));
  grade.roster = command.roster;
  grade.force = command.force;
  grade.students = command.students;
  if (!command.shard.empty()) {
    std::tie(grade.shard_index, grade.shard_count) = parse_shard(command.shard);
  }
  grade.allow_bubblewrap = !command.no_bubblewrap;

  if (::pipe2(interrupt_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw Error("cannot create a pipe to catch Ctrl-C");
  }
  grade.cancel_fd = interrupt_pipe[0];
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  bool terminal = ::isatty(STDERR_FILENO) != 0 && !options.plain;
  ReportStyle style = report_style(options);
  auto started = std::chrono::steady_clock::now();
  std::size_t skipped_at_start = 0;
  auto show = [&](const GradeProgress& progress) {
    if (progress.student == nullptr) {
      skipped_at_start = progress.students_skipped;
      if (progress.students_skipped > 0) {
        std::fprintf(stderr, "%zu of %zu students already graded in %s; grading the rest\n",
                     progress.students_skipped, progress.students_total, command.out.c_str());
      }
    }
    std::size_t graded = progress.students_done - skipped_at_start;
    std::size_t left = progress.students_total - progress.students_done;
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string eta = graded == 0 ? "--:--" : clock_text(elapsed / static_cast<double>(graded) *
                                                         static_cast<double>(left));
    if (terminal) {
      int total = static_cast<int>(std::min<std::size_t>(progress.students_total, 1'000'000));
      std::string bar = progress_bar(static_cast<int>(progress.students_done), total, style, 20,
                                     "students");
      std::fprintf(stderr, "\r\033[K%s, ETA %s", bar.c_str(), eta.c_str());
      if (progress.students_done == progress.students_total) {
        std::fputc('\n', stderr);
      }
    } else if (progress.student != nullptr) {
      const StudentGrade& student = *progress.student;
      std::fprintf(stderr, "graded %s: %s/%s points (%zu/%zu students, ETA %s)\n",
                   student.id.c_str(), format_points(student.points()).c_str(),
                   format_points(student.max_points()).c_str(), progress.students_done,
                   progress.students_total, eta.c_str());
    }
    std::fflush(stderr);
  };

  GradeSummary summary = grade_class(grade, show);
  for (const std::string& note : summary.notes) {
    std::fprintf(stderr, "runner: note: %s\n", note.c_str());
  }
  if (summary.cancelled) {
    std::fprintf(stderr,
                 "\nrunner: interrupted; %zu students are recorded in %s. Run the same command "
                 "again to grade the rest.\n",
                 summary.students_graded + summary.students_skipped, command.out.c_str());
    return 130;
  }
  auto in_force = [&](const std::string& name) {
    return std::find(summary.protections.begin(), summary.protections.end(), name) !=
           summary.protections.end();
  };
  if (!in_force("bubblewrap") && !in_force("landlock")) {
    std::fprintf(stderr,
                 "runner: warning: neither bubblewrap nor Landlock works on this machine, so the "
                 "programs could read any file this user can read. Grade on a machine where "
                 "'bwrap' runs (Debian's bubblewrap) or whose kernel has Landlock.\n");
  }
  if (summary.internal_errors > 0) {
    std::fprintf(stderr,
                 "runner: warning: %zu lessons could not be graded because of a problem in the "
                 "grader or the machine, and score 0 for now. The first: %s\nFix it and run the "
                 "same command again: only these are regraded.\n",
                 summary.internal_errors, summary.first_internal_error.c_str());
  }
  if (summary.seed_drawn) {
    std::fprintf(stderr,
                 "runner: note: no --seed given, so the hidden cases were drawn from the seed "
                 "'%s' (recorded in %s/run.json)\n",
                 summary.seed.c_str(), command.out.c_str());
  }
  std::printf("Graded %zu %s (%zu already graded), protections: %s.\nResults: %s\n",
              summary.students_graded, summary.students_graded == 1 ? "student" : "students",
              summary.students_skipped,
              fmt::format("{}", fmt::join(summary.protections, ", ")).c_str(),
              (fs::path(command.out) / "grades.csv").c_str());
  return kExitPassed;
}

int run_merge(const GradeCommand& command) {
  std::vector<fs::path> shards(command.shards.begin(), command.shards.end());
  merge_results(command.out, shards);
  std::printf("Merged %zu shards into %s\n", shards.size(),
              (fs::path(command.out) / "grades.csv").c_str());
  return kExitPassed;
}

// Checks a whole lesson pack and prints every error it finds, then a
// one-line summary.
int run_check_lessons(const Options& options) {
  PackCheckOptions check;
  check.lessons_dir = lessons_root();
  if (!options.check_dir.empty()) {
    check.lessons_dir = normal_folder(options.check_dir);
    require_lessons_in(check.lessons_dir, "lesson folder");
  }
  check.solutions_dir = options.solutions.empty()
                            ? normal_folder(check.lessons_dir).parent_path() / "solutions"
                            : fs::path(options.solutions);
  check.harness_dir = harness_dir_of(check.lessons_dir);
  check.timeout = check_options(options, {}).timeout;

  PackCheckResult result = check_lesson_pack(check);
  for (const std::string& error : result.errors) {
    std::fprintf(stderr, "%s\n", error.c_str());
  }
  std::size_t count = result.errors.size();
  std::printf("%d %s checked, %s\n", result.lessons, result.lessons == 1 ? "lesson" : "lessons",
              count == 0 ? "no errors"
                         : fmt::format("{} {}", count, count == 1 ? "error" : "errors").c_str());
  return count == 0 ? kExitPassed : kExitUsage;
}

void validate(const Options& options) {
  if (options.format != "text" && options.format != "json") {
    std::string suggestion = did_you_mean(options.format, {"text", "json"});
    throw Error(fmt::format("unknown --format '{}'{}", options.format,
                            suggestion.empty() ? " (use 'text' or 'json')" : suggestion));
  }
  check_options(options, {});
}

// Returns the first word of the command line that starts with "--" and that
// neither the command nor the global options know, or "".
std::string unknown_option(int argc, char** argv, CLI::App& app, const std::string& command) {
  CLI::App* sub = command.empty() ? nullptr : app.get_subcommand(command);
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (!word.starts_with("--") || word == "--") {
      continue;
    }
    std::string name = word.substr(0, word.find('='));
    bool known = false;
    for (CLI::App* scope : {&app, sub}) {
      if (scope == nullptr) {
        continue;
      }
      for (const CLI::Option* option : scope->get_options()) {
        known = known || option->check_lname(name.substr(2));
      }
    }
    if (!known) {
      return name;
    }
  }
  return "";
}

// Rewords CLI11's messages for the two mistakes learners make most: a
// missing lesson number and a value that is not a number.
std::string parse_error_message(std::string message, const std::string& command) {
  if (message == "N is required") {
    return fmt::format("missing the lesson number (for example 'runner {} 2')", command);
  }
  const std::string conversion = "Could not convert: ";
  std::size_t equals = message.find(" = ");
  if (message.starts_with(conversion) && equals != std::string::npos) {
    std::string option = message.substr(conversion.size(), equals - conversion.size());
    return fmt::format("{} '{}' is not a number", option, message.substr(equals + 3));
  }
  if (!message.empty()) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app("gradlings: learn backpropagation by writing it.", "runner");
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.add_option("--workspace", options.workspace,
                 "Folder of your exercises (default: the nearest folder, from here up, with a "
                 "gradlings.json; workspace/ inside the checkout)");
  app.add_flag("--plain", options.plain, "Print ASCII only, without colour");
  std::string pack;
  app.add_option("--pack", pack,
                 "Folder of lesson folders to use instead of the shipped lessons, with its "
                 "solutions in DIR/../solutions (default: $GRADLINGS_PACK)");

  CLI::App* init = app.add_subcommand("init", "Create a workspace of lesson stubs in DIR");
  CLI::Option* init_dir =
      init->add_option("DIR", options.init_dir,
                       "Folder to create (default: gradlings; inside a workspace, that workspace)");
  init->fallthrough();

  CLI::App* lesson =
      app.add_subcommand("lesson", "Check your exercise for lesson N and print its trace");
  lesson->add_option("N", options.lesson, "Lesson number")->required();
  lesson->add_option("--exercise", options.exercise, "Check this file instead of the workspace's");
  lesson->add_option("--timeout", options.timeout_seconds,
                     "Seconds your program may run (default 10)");
  lesson->add_option("--format", options.format,
                     "Output format: 'text' (default) or 'json', one document on stdout");
  lesson->add_flag("--verbose", options.verbose,
                   "Show the compiler's whole log, not only the first error");
  lesson->fallthrough();

  CLI::App* next = app.add_subcommand("next", "Check the first lesson that has not passed yet");
  next->add_option("--timeout", options.timeout_seconds,
                   "Seconds your program may run (default 10)");
  next->add_flag("--verbose", options.verbose,
                 "Show the compiler's whole log, not only the first error");
  next->fallthrough();

  CLI::App* list = app.add_subcommand("list", "List the lessons and your progress");
  list->fallthrough();

  CLI::App* verify = app.add_subcommand(
      "verify", "Check every lesson in order, stop at the first that does not pass");
  verify->add_option("--timeout", options.timeout_seconds,
                     "Seconds each program may run (default 10)");
  verify->add_flag("--verbose", options.verbose,
                   "Show the compiler's whole log, not only the first error");
  verify->fallthrough();

  CLI::App* explain = app.add_subcommand("explain", "Show the explanation of lesson N");
  explain->add_option("N", options.lesson, "Lesson number")->required();
  explain->fallthrough();

  CLI::App* hint = app.add_subcommand("hint", "Show the next hint for lesson N");
  hint->add_option("N", options.lesson, "Lesson number")->required();
  hint->fallthrough();

  CLI::App* reset = app.add_subcommand(
      "reset", "Put the stub back in place of your exercise N (a backup is kept)");
  reset->add_option("N", options.lesson, "Lesson number");
  reset->add_flag("--all", options.all, "Reset every lesson");
  reset->add_flag("--yes", options.yes, "Do not ask first");
  reset->fallthrough();

  CLI::App* solution = app.add_subcommand(
      "solution", "Show the reference solution of lesson N once you have passed it");
  solution->add_option("N", options.lesson, "Lesson number")->required();
  solution->add_flag("--force", options.force, "Show it before you have passed (warns first)");
  solution->fallthrough();

  CLI::App* watch = app.add_subcommand(
      "watch", "Check a lesson on every save (keys: n next, h hint, l list, r re-run, q quit)");
  watch->add_option("N", options.lesson,
                    "Lesson to start at (default: the first that has not passed)");
  watch->add_option("--timeout", options.timeout_seconds,
                    "Seconds your program may run (default 10)");
  watch->add_flag("--poll", options.poll,
                  "Poll modification times instead of inotify (for network and WSL folders)");
  watch->add_flag("--verbose", options.verbose,
                  "Show the compiler's whole log, not only the first error");
  watch->fallthrough();

  CLI::App* check_lessons = app.add_subcommand(
      "check-lessons",
      "Check every lesson file, stub and solution in DIR and report every error (for authors)");
  check_lessons->add_option("DIR", options.check_dir,
                            "Folder of lesson folders (default: the lessons in use)");
  check_lessons->add_option("--solutions", options.solutions,
                            "Folder of the lessons' solutions (default: DIR/../solutions)");
  check_lessons->add_option("--timeout", options.timeout_seconds,
                            "Seconds each program may run (default 10)");
  check_lessons->fallthrough();

  GradeCommand grading;
  CLI::App* grade = app.add_subcommand(
      "grade", "Grade a folder of student workspaces (for instructors; see docs/grading.md)");
  grade->add_option("SUBMISSIONS", grading.submissions, "Folder with one workspace per student")
      ->required();
  grade->add_option("--out", grading.out, "Results folder (created; a rerun goes on where it stopped)")
      ->required();
  grade->add_option("--lessons", grading.lessons, "Lessons to grade, such as 1-7 or 2,4 (default: all)");
  grade->add_option("-j,--jobs", grading.jobs,
                    "Exercises graded at once (default, or 0: one per core)");
  CLI::Option* seed_option = grade->add_option(
      "--seed", grading.seed,
      "Secret seed of the hidden cases (default: the recorded one, else a new one)");
  grade->add_option("--timeout", grading.timeout_seconds,
                    "Seconds each program may run (default 10)");
  grade->add_option("--roster", grading.roster, "CSV with the header folder,id,name");
  grade->add_flag("--force", grading.force, "Regrade students that are already graded");
  grade->add_option("--student", grading.students, "Regrade only this student id (repeatable)");
  grade->add_option("--shard", grading.shard, "Grade only slice I of N, such as 2/8");
  grade->add_flag("--no-bubblewrap", grading.no_bubblewrap,
                  "Confine without bubblewrap (Landlock, seccomp and limits only)");
  grade->fallthrough();

  CLI::App* merge = app.add_subcommand("merge", "Combine the results folders of grade --shard runs");
  merge->add_option("OUT", grading.out, "Results folder to write")->required();
  merge->add_option("DIR", grading.shards, "Results folders of the shards")->required();
  merge->fallthrough();

  // CLI11 reports an unknown command only as a missing one, so name it here.
  std::vector<std::string> commands = {"init",    "lesson", "next",  "list",     "verify",
                                       "explain", "hint",   "reset", "solution", "watch",
                                       "grade",   "merge",  "check-lessons"};
  std::string command;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--workspace" || word == "--pack") {
      ++i;
      continue;
    }
    if (word.starts_with("-")) {
      continue;
    }
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      std::fprintf(stderr, "runner: error: unknown command '%s'%s\nrun 'runner --help' for usage\n",
                   word.c_str(), did_you_mean(word, commands).c_str());
      return kExitUsage;
    }
    command = word;
    break;
  }

  try {
    app.parse(argc, argv);
    options.init_dir_given = init_dir->count() > 0;
    grading.seed_given = seed_option->count() > 0;
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::string message = parse_error_message(error.what(), command);
    std::string unknown = unknown_option(argc, argv, app, command);
    if (!unknown.empty()) {
      std::vector<std::string> known;
      CLI::App* sub = command.empty() ? nullptr : app.get_subcommand(command);
      for (CLI::App* scope : {&app, sub}) {
        if (scope == nullptr) {
          continue;
        }
        for (const CLI::Option* option : scope->get_options()) {
          for (const std::string& name : option->get_lnames()) {
            known.push_back("--" + name);
          }
        }
      }
      message = fmt::format("unknown option '{}'{}", unknown, did_you_mean(unknown, known));
    }
    std::fprintf(stderr, "runner: error: %s\nrun 'runner --help' for usage\n", message.c_str());
    return kExitUsage;
  }

  try {
    const char* pack_variable = std::getenv("GRADLINGS_PACK");
    if (!pack.empty()) {
      require_lessons_in(pack, "--pack");
      chosen_pack = normal_folder(pack);
    } else if (pack_variable != nullptr && *pack_variable != '\0') {
      require_lessons_in(pack_variable, "GRADLINGS_PACK");
      chosen_pack = normal_folder(pack_variable);
    }
    validate(options);
    if (init->parsed()) {
      return run_init(options);
    }
    if (lesson->parsed()) {
      return run_lesson(options);
    }
    if (next->parsed()) {
      return run_next(options);
    }
    if (list->parsed()) {
      return run_list(options);
    }
    if (verify->parsed()) {
      return run_verify(options);
    }
    if (explain->parsed()) {
      return run_explain(options);
    }
    if (reset->parsed()) {
      return run_reset(options);
    }
    if (solution->parsed()) {
      return run_solution(options);
    }
    if (watch->parsed()) {
      return run_watch(options);
    }
    if (grade->parsed()) {
      return run_grade(options, grading);
    }
    if (merge->parsed()) {
      return run_merge(grading);
    }
    if (check_lessons->parsed()) {
      return run_check_lessons(options);
    }
    return run_hint(options);
  } catch (const Error& error) {
    std::fprintf(stderr, "runner: error: %s\n", error.what());
    return kExitUsage;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "runner: internal error: %s\n", error.what());
    return kExitFailed;
  }
}
