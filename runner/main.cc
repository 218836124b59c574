// The `runner` command: checks a learner's exercise and prints the trace.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "runner/check.h"
#include "runner/error.h"
#include "runner/lesson.h"
#include "runner/report.h"
#include "runner/text.h"
#include "runner/watch.h"
#include "runner/workspace.h"
#include "runner/yaml_doc.h"

namespace {

namespace fs = std::filesystem;
using namespace gradlings::runner;

constexpr int kExitPassed = 0;  // every check passed
constexpr int kExitFailed = 1;  // a check failed, or the exercise did not compile or run
constexpr int kExitUsage = 2;   // a bad command line, lesson file or workspace

constexpr const char* kExitCodes =
    "Exit status:\n"
    "  0  every check passed\n"
    "  1  a check failed, or the exercise did not compile or run\n"
    "  2  a bad command line, lesson file or workspace\n";

struct Options {
  std::string lesson;                // the lesson number as typed
  std::string exercise;              // --exercise: check this file instead of the workspace's
  std::string workspace;             // --workspace: default <root>/workspace
  double timeout_seconds = 10;       // --timeout: wall time for the learner's program
  bool plain = false;                // --plain: ASCII, no colour
  bool poll = false;                 // --poll (watch): poll modification times, not inotify
};

fs::path root_dir() {
  const char* from_env = std::getenv("GRADLINGS_ROOT");
  fs::path root = from_env && *from_env ? fs::path(from_env) : fs::path(GRADLINGS_SOURCE_DIR);
  if (!fs::is_directory(root / "lessons")) {
    throw Error(fmt::format("no lessons folder in '{}' (set GRADLINGS_ROOT to your gradlings "
                            "checkout)", root.string()));
  }
  return root;
}

fs::path workspace_dir(const Options& options) {
  return options.workspace.empty() ? root_dir() / "workspace" : fs::path(options.workspace);
}

int parse_lesson_number(const std::string& text) {
  int number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw Error(fmt::format("lesson '{}' is not a number ('runner list' shows the lessons)", text));
  }
  return number;
}

Lesson load_numbered_lesson(const std::string& number) {
  return load_lesson(find_lesson_dir(root_dir() / "lessons", parse_lesson_number(number)));
}

int check_and_record(const Options& options, const Lesson& lesson, Workspace& workspace,
                     const fs::path& exercise);

int run_lesson(const Options& options) {
  if (options.timeout_seconds <= 0) {
    throw Error(fmt::format("--timeout {} must be more than 0 seconds", options.timeout_seconds));
  }
  Lesson lesson = load_numbered_lesson(options.lesson);
  Workspace workspace(workspace_dir(options));

  fs::path exercise;
  if (!options.exercise.empty()) {
    exercise = options.exercise;
  } else {
    exercise = workspace.exercise(lesson);
    if (workspace.ensure_exercise(lesson)) {
      fmt::print("Lesson {}: {}\n\n{}\n", lesson.number, lesson.title, lesson.explanation);
      fmt::print("Created {} from the lesson's stub. Open it, fill it in, and run this\n"
                 "command again. 'runner explain {}' shows the text above again.\n\n",
                 display_path(exercise), lesson.number);
    }
  }

  return check_and_record(options, lesson, workspace, exercise);
}

// Checks `exercise` and prints the verdict. Unless --exercise named the file,
// also records the verdict in the workspace state.
int check_and_record(const Options& options, const Lesson& lesson, Workspace& workspace,
                     const fs::path& exercise) {
  CheckOptions check;
  check.exercise = exercise;
  check.harness_dir = root_dir() / "lessons" / "harness";
  check.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  LessonResult result = check_lesson(lesson, check);

  std::fputs(render_result(lesson, display_path(exercise), result, detect_style(stdout, options.plain))
                 .c_str(),
             stdout);

  bool passed = result.outcome == Outcome::passed;
  if (options.exercise.empty()) {
    LessonState state = workspace.state(lesson);
    state.status = outcome_name(result.outcome);
    workspace.set_state(lesson, state);
    workspace.save();
  }
  return passed ? kExitPassed : kExitFailed;
}

// Lists every lesson. A lesson file that does not load is listed with its
// error, so one broken lesson does not hide the others, and the exit status
// is then kExitUsage.
int run_list(const Options& options) {
  Workspace workspace(workspace_dir(options));
  int status_code = kExitPassed;
  for (const fs::path& dir : lesson_dirs(root_dir() / "lessons")) {
    try {
      Lesson lesson = load_lesson(dir);
      std::string status = workspace.state(lesson).status;
      if (status.empty()) {
        status = fs::exists(workspace.exercise(lesson)) ? "not checked yet" : "not started";
      }
      fmt::print("{:>2}  {:<36} {}\n", lesson.number, lesson.title, status);
    } catch (const Error& error) {
      std::string message = error.what();
      fmt::print("{:>2}  {:<36} cannot load: {}\n", lesson_number(dir), dir.filename().string(),
                 message.substr(0, message.find('\n')));
      status_code = kExitUsage;
    }
  }
  return status_code;
}

int run_explain(const Options& options) {
  Lesson lesson = load_numbered_lesson(options.lesson);
  fmt::print("Lesson {}: {}\n\n{}", lesson.number, lesson.title, lesson.explanation);
  return kExitPassed;
}

int run_hint(const Options& options) {
  Lesson lesson = load_numbered_lesson(options.lesson);
  Workspace workspace(workspace_dir(options));
  LessonState state = workspace.state(lesson);
  int count = static_cast<int>(lesson.hints.size());
  int shown = std::min(state.hints_shown + 1, count);

  fmt::print("Hint {} of {} for lesson {} ({}):\n\n{}\n", shown, count, lesson.number, lesson.title,
             lesson.hints[shown - 1]);
  if (shown == count) {
    fmt::print("That is the last hint.\n");
  } else {
    fmt::print("Run 'runner hint {}' again for the next one.\n", lesson.number);
  }

  state.hints_shown = shown;
  workspace.set_state(lesson, state);
  workspace.save();
  return kExitPassed;
}

// Returns the index in `dirs` of lesson N when one was given, else of the
// first lesson that has not passed, else of the last lesson.
int first_lesson_to_watch(const Options& options, const std::vector<fs::path>& dirs) {
  if (dirs.empty()) {
    throw Error(fmt::format("no lessons in '{}'", display_path(root_dir() / "lessons")));
  }
  if (!options.lesson.empty()) {
    fs::path dir = find_lesson_dir(root_dir() / "lessons", parse_lesson_number(options.lesson));
    return static_cast<int>(std::find(dirs.begin(), dirs.end(), dir) - dirs.begin());
  }

  Workspace workspace(workspace_dir(options));
  int first = 0;
  while (first + 1 < static_cast<int>(dirs.size()) &&
         workspace.state(load_lesson(dirs[first])).status == "passed") {
    ++first;
  }
  return first;
}

// Watch mode: starts at lesson N, or at the first lesson that has not
// passed, and checks it on every save until 'q'.
int run_watch(const Options& options) {
  if (options.timeout_seconds <= 0) {
    throw Error(fmt::format("--timeout {} must be more than 0 seconds", options.timeout_seconds));
  }
  std::vector<fs::path> dirs = lesson_dirs(root_dir() / "lessons");
  WatchOptions watch;
  for (const fs::path& dir : dirs) {
    watch.lesson_numbers.push_back(lesson_number(dir));
  }
  watch.first = first_lesson_to_watch(options, dirs);
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
    Workspace workspace(workspace_dir(options));
    if (workspace.ensure_exercise(lesson)) {
      fmt::print("Created {} from the lesson's stub.\n", display_path(workspace.exercise(lesson)));
    }
    return workspace.exercise(lesson);
  };
  hooks.check = [&](int index) {
    Lesson lesson = load_lesson(dirs[index]);
    Workspace workspace(workspace_dir(options));
    int status = check_and_record(options, lesson, workspace, workspace.exercise(lesson));
    std::fflush(stdout);
    return status == kExitPassed;
  };
  hooks.show_hint = [&](int index) {
    Options hint = options;
    hint.lesson = std::to_string(watch.lesson_numbers[index]);
    run_hint(hint);
  };
  hooks.show_list = [&] { run_list(options); };
  hooks.print = [](const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  };
  run_watch_loop(watch, hooks);
  return kExitPassed;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app("gradlings: learn backpropagation by writing it.", "runner");
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.add_option("--workspace", options.workspace, "Folder of your exercises (default: workspace/ in the checkout)");
  app.add_flag("--plain", options.plain, "Print ASCII only, without colour");

  CLI::App* lesson = app.add_subcommand("lesson", "Check your exercise for lesson N and print its trace");
  lesson->add_option("N", options.lesson, "Lesson number")->required();
  lesson->add_option("--exercise", options.exercise, "Check this file instead of the workspace's");
  lesson->add_option("--timeout", options.timeout_seconds, "Seconds your program may run (default 10)");
  lesson->fallthrough();

  CLI::App* list = app.add_subcommand("list", "List the lessons and your progress");
  list->fallthrough();

  CLI::App* explain = app.add_subcommand("explain", "Show the explanation of lesson N");
  explain->add_option("N", options.lesson, "Lesson number")->required();
  explain->fallthrough();

  CLI::App* hint = app.add_subcommand("hint", "Show the next hint for lesson N");
  hint->add_option("N", options.lesson, "Lesson number")->required();
  hint->fallthrough();

  CLI::App* watch = app.add_subcommand(
      "watch", "Check a lesson on every save (keys: n next, h hint, l list, r re-run, q quit)");
  watch->add_option("N", options.lesson, "Lesson to start at (default: the first that has not passed)");
  watch->add_option("--timeout", options.timeout_seconds, "Seconds your program may run (default 10)");
  watch->add_flag("--poll", options.poll,
                  "Poll modification times instead of inotify (for network and WSL folders)");
  watch->fallthrough();

  // CLI11 reports an unknown command only as a missing one, so name it here.
  std::vector<std::string> commands = {"lesson", "list", "explain", "hint", "watch"};
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--workspace") {
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
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::string message = error.what();
    if (!message.empty()) {
      message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
    }
    std::fprintf(stderr, "runner: error: %s\nrun 'runner --help' for usage\n", message.c_str());
    return kExitUsage;
  }

  try {
    if (lesson->parsed()) {
      return run_lesson(options);
    }
    if (list->parsed()) {
      return run_list(options);
    }
    if (explain->parsed()) {
      return run_explain(options);
    }
    if (watch->parsed()) {
      return run_watch(options);
    }
    return run_hint(options);
  } catch (const Error& error) {
    std::fprintf(stderr, "runner: error: %s\n", error.what());
    return kExitUsage;
  }
}
