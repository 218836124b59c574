#include "runner/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "runner/build.h"
#include "runner/channel.h"
#include "runner/error.h"
#include "runner/sandbox.h"
#include "runner/text.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace {

// Returns the type and what() of an exception that ended the program through
// std::terminate, as libstdc++ or libc++ print it to stderr: "std::runtime_error:
// bad table", or only the type when it has no what(). Returns nullopt when
// `output` does not contain that message.
// NOTE: output past RunLimits::kept_output_bytes is not kept, so the message
// of a program that printed more than that is not found.
std::optional<std::string> uncaught_exception(const std::string& output) {
  auto rest_of_line = [&](std::size_t from) {
    return output.substr(from, output.find('\n', from) - from);
  };
  for (std::string libcxx : {"terminating due to uncaught exception of type ",
                             "terminating with uncaught exception of type "}) {
    if (std::size_t at = output.find(libcxx); at != std::string::npos) {
      return rest_of_line(at + libcxx.size());
    }
  }

  std::string libstdcxx = "terminate called after throwing an instance of '";
  std::size_t at = output.find(libstdcxx);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::string type = rest_of_line(at + libstdcxx.size());
  type = type.substr(0, type.find('\''));
  std::string what = "\n  what():  ";
  std::size_t line_end = output.find('\n', at);
  if (line_end != std::string::npos && output.compare(line_end, what.size(), what) == 0) {
    return type + ": " + rest_of_line(line_end + what.size());
  }
  return type;
}

// Returns the verdict on a run that reached its end. The first failing case
// decides, by the first thing that went wrong in it: a value that is NaN or
// infinite, another wrong value, or an exception before any wrong value.
Outcome outcome_of_traces(LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (trace.passed) {
      continue;
    }
    bool wrong_value = trace.first_wrong && trace.first_wrong->check.actual;
    if (wrong_value && !std::isfinite(*trace.first_wrong->check.actual)) {
      return Outcome::not_finite;
    }
    if (!wrong_value && trace.stop && trace.stop->reason == StageStop::Reason::threw) {
      result.detail = trace.stop->detail;
      return Outcome::threw;
    }
    return Outcome::failed;
  }
  return Outcome::passed;
}

Outcome outcome_of_run(const RunResult& run, const ChannelData& data, LessonResult& result) {
  switch (run.outcome) {
    case RunOutcome::cancelled:
      return Outcome::cancelled;
    case RunOutcome::timed_out:
      return Outcome::timed_out;
    case RunOutcome::output_flood:
    case RunOutcome::channel_flood:
      return Outcome::output_flood;
    case RunOutcome::signaled:
      if (std::optional<std::string> exception = uncaught_exception(run.output);
          exception && run.signal == SIGABRT) {
        result.detail = *exception;
        return Outcome::threw;
      }
      result.detail = signal_name(run.signal);
      return Outcome::crashed;
    case RunOutcome::exited:
      break;
  }

  if (!data.malformed.empty()) {
    result.detail = data.malformed;
    return Outcome::channel_error;
  }
  if (!data.missing_functions.empty()) {
    return Outcome::not_implemented;
  }
  if (!data.ended) {
    result.detail = fmt::format("exit status {}", run.exit_code);
    return Outcome::ended_early;
  }
  return outcome_of_traces(result);
}

// The request for everything but the harness, which depends on the lesson.
BuildRequest build_request(const CheckOptions& options) {
  BuildRequest request;
  request.exercise = options.exercise;
  request.include_dirs = {options.harness_dir};
  request.compiler = options.compiler;
  request.cache_dir = options.cache_dir;
  request.cancel_fd = options.cancel_fd;
  // A function that falls off its end without returning is the most common
  // slip in these exercises, and at run time it only shows as garbage or a
  // crash, so it is a compile error here. The compiler's log is shown inside
  // the runner's report, which colours its own lines only where the terminal
  // allows, so the compiler never colours its log.
  request.flags = exercise_flags();
  return request;
}

}  // namespace

std::vector<std::string> exercise_flags() {
  return {"-std=c++20", "-O1", "-Wall", "-Werror=return-type", "-fdiagnostics-color=never"};
}

std::string outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::passed:
      return "passed";
    case Outcome::failed:
      return "failed";
    case Outcome::not_finite:
      return "NaN or infinity";
    case Outcome::threw:
      return "threw an exception";
    case Outcome::not_implemented:
      return "not implemented yet";
    case Outcome::compile_error:
      return "does not compile";
    case Outcome::crashed:
      return "crashed";
    case Outcome::timed_out:
      return "timed out";
    case Outcome::output_flood:
      return "printed too much";
    case Outcome::ended_early:
      return "ended early";
    case Outcome::channel_error:
      return "channel error";
    case Outcome::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::vector<std::string> exercise_compile_command(const CheckOptions& options,
                                                  const std::filesystem::path& exercise) {
  BuildRequest request = build_request(options);
  std::vector<std::string> command = {resolve_compiler(request.compiler).string()};
  std::vector<std::string> arguments = compile_arguments(request);
  command.insert(command.end(), arguments.begin(), arguments.end());
  command.insert(command.end(), {"-c", exercise.string()});
  return command;
}

namespace {

// The largest exercise the runner compiles. The shipped solutions are under
// 10 KB, so a larger file is almost certainly the wrong one.
constexpr std::uintmax_t kMaxExerciseBytes = 1 << 20;

// Throws Error, naming the file and what to do, unless `exercise` is a
// regular file of at most kMaxExerciseBytes of UTF-8 text.
void check_exercise_file(const std::filesystem::path& exercise) {
  std::error_code error;
  std::string file_name = display_path(exercise);
  if (std::filesystem::is_directory(exercise, error)) {
    throw Error(fmt::format("exercise '{}' is a folder; give the exercise.cpp file inside it",
                            file_name));
  }
  if (!std::filesystem::is_regular_file(exercise, error)) {
    throw Error(fmt::format("exercise '{}' not found", file_name));
  }
  std::uintmax_t size = std::filesystem::file_size(exercise, error);
  if (!error && size > kMaxExerciseBytes) {
    throw Error(fmt::format("exercise '{}' is {:.1f} MB, and an exercise may be at most 1 MiB; "
                            "check that it is the right file",
                            file_name, static_cast<double>(size) / 1e6));
  }
  std::ifstream in(exercise, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("cannot read exercise '{}': {}", file_name, std::strerror(errno)));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string valid = replace_invalid_utf8(text);
  if (valid != text || text.find('\0') != std::string::npos) {
    std::size_t at = 0;
    while (at < text.size() && at < valid.size() && text[at] == valid[at] && text[at] != '\0') {
      ++at;
    }
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    throw Error(fmt::format("exercise '{}' is not UTF-8 text (line {} has the byte 0x{:02X}); save "
                            "it as UTF-8",
                            file_name, line, static_cast<unsigned char>(text[at])));
  }
}

}  // namespace

LessonResult check_lesson(const Lesson& lesson, const CheckOptions& options) {
  check_exercise_file(options.exercise);

  BuildRequest request = build_request(options);
  request.harness = options.harness_dir / lesson.kind_impl->harness();
  BuildResult build = build_exercise(request);

  LessonResult result;
  result.timeout = options.timeout;
  result.compiler_log = build.log;
  result.compile_command = build.command;
  result.exercise = request.exercise;
  result.harness = request.harness;
  result.cached_build = build.cached;
  if (build.cancelled) {
    result.outcome = Outcome::cancelled;
    return result;
  }
  if (!build.ok) {
    result.outcome = Outcome::compile_error;
    return result;
  }

  RunLimits limits;
  limits.wall_time = options.timeout;
  limits.cancel_fd = options.cancel_fd;
  RunResult run = run_sandboxed(build.executable, {}, lesson.kind_impl->input(lesson), limits);
  judge_run(lesson, run, result);
  return result;
}

void judge_run(const Lesson& lesson, const RunResult& run, LessonResult& result) {
  result.program_output = run.output;
  result.program_output_bytes = run.output_bytes;
  ChannelData data = parse_channel(run.channel);
  result.missing_functions = data.missing_functions;
  result.traces = lesson.kind_impl->grade(lesson, data);
  result.outcome = outcome_of_run(run, data, result);
}

}  // namespace gradlings::runner
