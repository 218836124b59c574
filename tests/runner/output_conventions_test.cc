// The runner's output conventions, checked on the real binary: no escape
// codes and no emoji with NO_COLOR, only ASCII with --plain, for every
// command and every lesson, and the exit statuses in --help. The runner runs
// on a pseudo-terminal, where it colours its output unless NO_COLOR or
// --plain turns colour off, so a colour that leaks past either shows here.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

fs::path scratch() { return scratch_dir("output-conventions-test"); }

enum class Mode {
  color,     // on a terminal, NO_COLOR unset: the runner may colour
  no_color,  // on a terminal, NO_COLOR=1
  plain,     // on a terminal, NO_COLOR unset, --plain
};

std::string mode_name(Mode mode) {
  switch (mode) {
    case Mode::color:
      return "colour";
    case Mode::no_color:
      return "NO_COLOR=1";
    case Mode::plain:
      return "--plain";
  }
  return "";
}

constexpr auto kTerminalTimeLimit = std::chrono::seconds(120);

// Reads everything `fd` delivers until the other side closes, which on a
// pseudo-terminal shows as EIO, or until `deadline`.
std::string read_until_closed(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string text;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, 1000) <= 0) {
      continue;
    }
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return text;
}

// Runs the runner with `arguments` on a new pseudo-terminal, which is its
// stdin, stdout and stderr, and returns its exit status and everything it
// wrote. The environment is this process's, with TERM=xterm-256color and a
// UTF-8 locale (so the compiler uses its Unicode quotes), NO_COLOR=1 in
// Mode::no_color and NO_COLOR unset otherwise.
CommandOutput run_on_terminal(std::vector<std::string> arguments, Mode mode) {
  if (mode == Mode::plain) {
    arguments.push_back("--plain");
  }
  std::vector<char*> argv;
  std::string program = GRADLINGS_RUNNER;
  argv.push_back(program.data());
  for (std::string& argument : arguments) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);

  winsize size{};
  size.ws_row = 50;
  size.ws_col = 120;
  int terminal = -1;
  pid_t child = forkpty(&terminal, nullptr, nullptr, &size);
  if (child < 0) {
    ADD_FAILURE() << "forkpty failed: " << std::strerror(errno);
    return {};
  }
  if (child == 0) {
    setenv("TERM", "xterm-256color", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    if (mode == Mode::no_color) {
      setenv("NO_COLOR", "1", 1);
    } else {
      unsetenv("NO_COLOR");
    }
    execv(argv[0], argv.data());
    _exit(127);
  }

  auto deadline = std::chrono::steady_clock::now() + kTerminalTimeLimit;
  CommandOutput output;
  output.text = read_until_closed(terminal, deadline);
  close(terminal);

  // The terminal closes as the runner exits, so the wait is short.
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the runner did not end within the time limit";
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      break;
    }
    usleep(10'000);
  }
  output.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

// Returns the code point of the UTF-8 sequence at text[at] and its length in
// bytes. A byte that starts no valid sequence is returned alone.
std::pair<char32_t, std::size_t> decode_utf8(const std::string& text, std::size_t at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  std::size_t length = 1;
  if (lead >= 0xF0 && lead < 0xF8) {
    length = 4;
  } else if (lead >= 0xE0 && lead < 0xF0) {
    length = 3;
  } else if (lead >= 0xC0 && lead < 0xE0) {
    length = 2;
  }
  if (length == 1 || at + length > text.size()) {
    return {lead, 1};
  }
  char32_t code = lead & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(at + k) & 0xC0) != 0x80) {
      return {lead, 1};
    }
    code = (code << 6) | (byte(at + k) & 0x3F);
  }
  return {code, length};
}

// Returns the first emoji in `text` as UTF-8, or "". Emoji here are the
// pictographs from U+1F000 up, the emoji presentation selector U+FE0F, and
// the symbols of U+2600 to U+27BF other than the text marks ✓ (U+2713) and
// ✗ (U+2717) that the trace prints when --plain is not given.
std::string first_emoji(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    auto [code, length] = decode_utf8(text, i);
    bool symbol = code >= 0x2600 && code <= 0x27BF && code != 0x2713 && code != 0x2717;
    if (length > 1 && (code >= 0x1F000 || code == 0xFE0F || symbol)) {
      return text.substr(i, length);
    }
    i += length;
  }
  return "";
}

bool has_escape(const std::string& text) { return text.find('\x1b') != std::string::npos; }

// Checks `output` for what `mode` promises: no escape code without colour,
// no emoji with NO_COLOR, nothing but ASCII with --plain.
void expect_mode_kept(Mode mode, const CommandOutput& output, const std::string& command) {
  SCOPED_TRACE(command + " with " + mode_name(mode));
  if (mode == Mode::no_color || mode == Mode::plain) {
    EXPECT_FALSE(has_escape(output.text)) << output.text;
    EXPECT_EQ("", first_emoji(output.text)) << output.text;
  }
  if (mode == Mode::plain) {
    EXPECT_TRUE(is_ascii(output.text)) << output.text;
  }
}

struct LessonFiles {
  int number;
  std::string slug;
  Replacement mistake;  // turns the solution into one that fails a check
};

void PrintTo(const LessonFiles& lesson, std::ostream* out) { *out << lesson.slug; }

fs::path solution(const LessonFiles& lesson) {
  return kRoot / "solutions" / lesson.slug / "exercise.cpp";
}

fs::path mistaken_solution(const LessonFiles& lesson) {
  return write_mutated_copy(solution(lesson), scratch(), "mistake-" + lesson.slug,
                            {lesson.mistake});
}

// The solution with a function that uses an undeclared name: g++ quotes the
// name as ‘undeclared_name’ in a UTF-8 locale.
fs::path broken_solution(const LessonFiles& lesson) {
  fs::path path = scratch() / ("broken-" + lesson.slug + ".cpp");
  std::ofstream(path) << read_file(solution(lesson))
                      << "\nint broken_function() { return undeclared_name; }\n";
  return path;
}

class OutputConventions : public ::testing::TestWithParam<LessonFiles> {
 protected:
  std::vector<std::string> lesson_command(const fs::path& exercise) const {
    return {"lesson", std::to_string(GetParam().number), "--exercise", exercise.string()};
  }
};

TEST_P(OutputConventions, PassColouredOnlyWhenAllowed) {
  std::vector<std::string> command = lesson_command(solution(GetParam()));
  for (Mode mode : {Mode::color, Mode::no_color, Mode::plain}) {
    CommandOutput output = run_on_terminal(command, mode);
    EXPECT_EQ(0, output.status) << output.text;
    EXPECT_EQ(mode == Mode::color, has_escape(output.text)) << mode_name(mode) << output.text;
    expect_mode_kept(mode, output, "a passing lesson");
  }
}

TEST_P(OutputConventions, FailColouredOnlyWhenAllowed) {
  std::vector<std::string> command = lesson_command(mistaken_solution(GetParam()));
  for (Mode mode : {Mode::color, Mode::no_color, Mode::plain}) {
    CommandOutput output = run_on_terminal(command, mode);
    EXPECT_EQ(1, output.status) << output.text;
    std::string mark = mode == Mode::plain ? "XX First wrong value" : "✗";
    EXPECT_NE(std::string::npos, output.text.find(mark)) << output.text;
    EXPECT_EQ(mode == Mode::color, has_escape(output.text)) << mode_name(mode) << output.text;
    expect_mode_kept(mode, output, "a failing lesson");
  }
}

// The first run on a new workspace also prints the lesson's explanation.
TEST_P(OutputConventions, StubColouredOnlyWhenAllowed) {
  for (Mode mode : {Mode::color, Mode::no_color, Mode::plain}) {
    fs::path workspace =
        scratch() / fmt::format("stub-{}-{}", GetParam().number, static_cast<int>(mode));
    fs::remove_all(workspace);
    CommandOutput output = run_on_terminal(
        {"lesson", std::to_string(GetParam().number), "--workspace", workspace.string()}, mode);
    EXPECT_EQ(1, output.status) << output.text;
    EXPECT_NE(std::string::npos, output.text.find("(a copy of the lesson's stub)")) << output.text;
    EXPECT_NE(std::string::npos, output.text.find("Not implemented yet")) << output.text;
    EXPECT_EQ(mode == Mode::color, has_escape(output.text)) << mode_name(mode) << output.text;
    expect_mode_kept(mode, output, "a stub");
  }
}

TEST_P(OutputConventions, CompileErrorColouredOnlyWhenAllowed) {
  std::vector<std::string> command = lesson_command(broken_solution(GetParam()));
  for (Mode mode : {Mode::color, Mode::no_color, Mode::plain}) {
    CommandOutput output = run_on_terminal(command, mode);
    EXPECT_EQ(1, output.status) << output.text;
    EXPECT_NE(std::string::npos, output.text.find("does not compile")) << output.text;
    if (mode == Mode::plain) {
      // g++ and clang++ both quote the name; --plain turns ‘ ’ into '.
      EXPECT_NE(std::string::npos, output.text.find("'undeclared_name'")) << output.text;
    }
    EXPECT_EQ(mode == Mode::color, has_escape(output.text)) << mode_name(mode) << output.text;
    expect_mode_kept(mode, output, "a compile error");
  }
}

TEST_P(OutputConventions, ExplainKeepsMode) {
  for (Mode mode : {Mode::no_color, Mode::plain}) {
    CommandOutput output = run_on_terminal({"explain", std::to_string(GetParam().number)}, mode);
    EXPECT_EQ(0, output.status) << output.text;
    EXPECT_NE(std::string::npos, output.text.find(fmt::format("Lesson {}:", GetParam().number)))
        << output.text;
    expect_mode_kept(mode, output, "explain");
  }
}

TEST_P(OutputConventions, HintKeepsMode) {
  for (Mode mode : {Mode::no_color, Mode::plain}) {
    fs::path workspace =
        scratch() / fmt::format("hint-{}-{}", GetParam().number, static_cast<int>(mode));
    fs::remove_all(workspace);
    // Every hint in turn, so each hint's text is checked.
    for (int shown = 1; shown <= 20; ++shown) {
      CommandOutput output = run_on_terminal(
          {"hint", std::to_string(GetParam().number), "--workspace", workspace.string()}, mode);
      EXPECT_EQ(0, output.status) << output.text;
      expect_mode_kept(mode, output, fmt::format("hint {}", shown));
      if (output.text.find("That is the last hint.") != std::string::npos) {
        break;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryLesson, OutputConventions,
    ::testing::Values(
        LessonFiles{1, "01-chain-rule", {"return s * (1.0 - s);", "return s;"}},
        LessonFiles{2, "02-two-layer-network",
                    {"g.dL_da2 = values.a2 - target;", "g.dL_da2 = target - values.a2;"}},
        LessonFiles{3, "03-xor",
                    {"delta[j] = (output[j] - target[j]) * output[j] * (1.0 - output[j]);",
                     "delta[j] = (target[j] - output[j]) * output[j] * (1.0 - output[j]);"}},
        LessonFiles{4, "04-gradient-descent", {"return 2.0 * (w - target);", "return w - target;"}},
        LessonFiles{5, "05-vanishing-gradients",
                    {"double size = std::abs(gradient);", "double size = gradient;"}},
        LessonFiles{6, "06-gradient-clipping",
                    {"return scale < 1.0 ? scale : 1.0;", "return scale;"}},
        LessonFiles{7, "07-network-from-scratch", {"return 0.5 * total;", "return total;"}},
        LessonFiles{8, "08-mini-batches", {"return total / Y.rows;", "return total;"}}),
    [](const auto& info) { return fmt::format("Lesson{}", info.param.number); });

TEST(OutputConventionsList, KeepsMode) {
  fs::path workspace = scratch() / "list-workspace";
  fs::remove_all(workspace);
  run_on_terminal({"lesson", "2", "--workspace", workspace.string()}, Mode::no_color);
  for (Mode mode : {Mode::no_color, Mode::plain}) {
    CommandOutput output = run_on_terminal({"list", "--workspace", workspace.string()}, mode);
    EXPECT_EQ(0, output.status) << output.text;
    EXPECT_NE(std::string::npos, output.text.find("not implemented yet")) << output.text;
    expect_mode_kept(mode, output, "list");
  }
}

// The workspace commands print tables, bars and marks of their own; each
// keeps the mode too. With colour allowed, list paints its bar, which shows
// that the terminal here would receive colour.
TEST(OutputConventionsWorkspace, CommandsKeepMode) {
  for (Mode mode : {Mode::color, Mode::no_color, Mode::plain}) {
    fs::path workspace = scratch() / "commands-workspace";
    fs::remove_all(workspace);
    CommandOutput init = run_on_terminal({"init", workspace.string()}, mode);
    EXPECT_EQ(0, init.status) << init.text;
    expect_mode_kept(mode, init, "init");
    fs::copy_file(kRoot / "solutions" / "01-chain-rule" / "exercise.cpp",
                  workspace / "01-chain-rule" / "exercise.cpp",
                  fs::copy_options::overwrite_existing);

    std::vector<std::vector<std::string>> commands = {
        {"next"}, {"verify"}, {"list"}, {"solution", "1"}, {"solution", "2", "--force"},
        {"reset", "1", "--yes"}};
    for (std::vector<std::string> command : commands) {
      std::string name = command[0];
      command.insert(command.end(), {"--workspace", workspace.string()});
      CommandOutput output = run_on_terminal(command, mode);
      expect_mode_kept(mode, output, name);
      if (mode == Mode::color && name == "list") {
        EXPECT_TRUE(has_escape(output.text)) << output.text;
      }
    }
  }
}

// A learner's program can print escape codes and any bytes; without colour
// the report shows the escape character as ^[, and --plain shows only ASCII.
TEST(OutputConventionsProgramOutput, CannotColourTerminal) {
  fs::path exercise = write_mutated_copy(
      kRoot / "solutions" / "02-two-layer-network" / "exercise.cpp", scratch(), "prints-escapes",
      {{"#include", "#include <cstdio>\n"
                    "[[maybe_unused]] static int printed = std::printf(\"\\x1b[31mred ✓ \\xff\\n\");\n"
                    "#include"}});
  for (Mode mode : {Mode::no_color, Mode::plain}) {
    CommandOutput output = run_on_terminal({"lesson", "2", "--exercise", exercise.string()}, mode);
    EXPECT_EQ(0, output.status) << output.text;
    EXPECT_NE(std::string::npos, output.text.find("  | ^[[31mred ")) << output.text;
    expect_mode_kept(mode, output, "a program that prints escape codes");
  }
}

TEST(RunnerHelp, ListsExitStatuses) {
  CommandOutput output = run_runner("--help");
  EXPECT_EQ(0, output.status) << output.text;
  EXPECT_NE(std::string::npos,
            output.text.find("Exit status:\n"
                             "  0  every check passed, or the command did its job ('grade': grading\n"
                             "     finished, whatever the grades)\n"
                             "  1  a lesson did not pass: a wrong value, an unfinished function, a compile\n"
                             "     error, a crash or a timeout; 'solution' refused before a pass; or you\n"
                             "     answered no to 'reset'\n"
                             "  2  a bad command line, lesson file or workspace\n"
                             "  130  'grade' was interrupted; run it again to go on\n"))
      << output.text;
}

TEST(RunnerFormat, RejectsUnknownValue) {
  CommandOutput output = run_runner("lesson 2 --format xml");
  EXPECT_EQ(2, output.status);
  EXPECT_EQ("runner: error: unknown --format 'xml' (use 'text' or 'json')\n", output.text);
}

TEST(RunnerFormat, SuggestsCloseValue) {
  CommandOutput output = run_runner("lesson 2 --format jsn");
  EXPECT_EQ(2, output.status);
  EXPECT_EQ("runner: error: unknown --format 'jsn' (did you mean 'json'?)\n", output.text);
}

}  // namespace
}  // namespace gradlings::runner
