#include "runner/report.h"

#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "runner/compiler_log.h"
#include "runner/sandbox.h"

namespace gradlings::runner {

namespace {

constexpr std::size_t kShownOutputLines = 20;

class Writer {
 public:
  explicit Writer(const ReportStyle& style) : style_(style) {}

  void line(const std::string& text = "") { out_ += text + "\n"; }

  std::string paint(const std::string& text, fmt::terminal_color color, bool bold = false) const {
    if (!style_.color) {
      return text;
    }
    fmt::text_style style = fmt::fg(color);
    if (bold) {
      style |= fmt::emphasis::bold;
    }
    return fmt::format(style, "{}", text);
  }

  std::string right() const {
    return paint(style_.unicode ? "✓" : "ok", fmt::terminal_color::green);
  }
  std::string wrong() const {
    return paint(style_.unicode ? "✗" : "XX", fmt::terminal_color::red, true);
  }
  std::string arrow() const { return style_.unicode ? "→" : "->"; }

  const ReportStyle& style() const { return style_; }
  std::string text() const { return out_; }

 private:
  const ReportStyle& style_;
  std::string out_;
};

std::string ascii(const ReportStyle& style, std::string text) {
  return style.unicode ? text : to_ascii(std::move(text));
}

// A passing equation reads "z1 = 1.000×0.500 + 0.200 = 0.700". A failing one
// shows only the learner's value, because the formula filled in with the
// learner's inputs may not give it. The next line shows the expected value,
// with the formula filled in with the reference's inputs.
std::string check_line(const Writer& w, const Check& c) {
  std::string value = c.actual ? fmt::format("{:.{}f}", *c.actual, c.decimals) : "(not computed)";
  std::string text;
  std::vector<std::string> notes;
  if (c.style == Check::Style::update) {
    text = fmt::format("{}: {} {} {}", c.label, c.formula, w.arrow(), value);
  } else if (c.formula.empty()) {
    text = fmt::format("{} = {}", c.label, value);
  } else if (c.passed) {
    text = fmt::format("{} = {} = {}", c.label, c.formula, value);
  } else {
    text = fmt::format("{} = {}", c.label, value);
  }
  if (!c.note.empty()) {
    notes.push_back(c.note);
  }
  if (!notes.empty()) {
    text += "  (" + notes[0];
    for (std::size_t i = 1; i < notes.size(); ++i) {
      text += "; " + notes[i];
    }
    text += ")";
  }
  text = ascii(w.style(), text);

  if (c.passed) {
    return fmt::format("  {} {}", w.right(), text);
  }
  std::string expected = check_message(c);
  std::string line = fmt::format("  {} {}\n      {}", w.wrong(), text,
                                 w.paint(ascii(w.style(), expected), fmt::terminal_color::red));
  if (!c.diagnosis.empty()) {
    line += "\n      " +
            w.paint(ascii(w.style(), "likely cause: " + c.diagnosis), fmt::terminal_color::yellow);
  }
  return line;
}

std::string cell_text(const Writer& w, const Cell& cell) {
  if (!cell.check) {
    return ascii(w.style(), cell.text);
  }
  const Check& c = *cell.check;
  std::string value = c.actual ? fmt::format("{:.{}f}", *c.actual, c.decimals) : "-";
  return value + " " + (c.passed ? w.right() : w.wrong());
}

// Returns how a learner checks again: a command, or inside watch a save.
std::string again(const Writer& w) { return w.style().watching ? "save again" : "run again"; }

// Pads to `width` columns; colour codes take no columns, so the plain text's
// width decides the padding.
std::string pad(const std::string& shown, std::size_t plain_width, std::size_t width) {
  return shown + std::string(width > plain_width ? width - plain_width : 0, ' ');
}

void render_table(Writer& w, const Table& table) {
  ReportStyle plain_style = w.style();
  plain_style.color = false;
  Writer plain(plain_style);

  std::vector<std::size_t> widths(table.header.size(), 0);
  for (std::size_t i = 0; i < table.header.size(); ++i) {
    widths[i] = display_width(table.header[i]);
  }
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(cell_text(plain, row[i])));
    }
  }

  std::string separator = w.style().unicode ? " │ " : " | ";
  std::string header;
  std::string rule;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    std::size_t width = i + 1 == widths.size() ? 0 : widths[i];
    std::string title = ascii(w.style(), table.header[i]);
    header += (i ? separator : "") + pad(title, display_width(title), width);
    std::string dashes;
    for (std::size_t k = 0; k < widths[i]; ++k) {
      dashes += w.style().unicode ? "─" : "-";
    }
    if (i > 0) {
      rule += w.style().unicode ? "─┼─" : "-+-";
    }
    rule += dashes;
  }
  w.line("  " + header);
  w.line("  " + rule);
  for (const auto& row : table.rows) {
    std::string text;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      std::string shown = cell_text(w, row[i]);
      bool last = i + 1 == row.size() || i + 1 == widths.size();
      std::size_t width = last ? 0 : widths[i];
      text += (i ? separator : "") + pad(shown, display_width(cell_text(plain, row[i])), width);
    }
    w.line("  " + text);
  }
}

std::string stop_text(const StageStop& stop) {
  if (stop.reason == StageStop::Reason::missing) {
    return fmt::format("{}: not implemented yet ({}() still calls not_implemented())", stop.stage,
                       short_function_name(stop.detail));
  }
  if (stop.reason == StageStop::Reason::invalid) {
    return fmt::format("{}: {}", stop.stage, stop.detail);
  }
  return fmt::format("{}: threw an exception: {}", stop.stage, stop.detail);
}

void render_trace(Writer& w, const CaseTrace& trace) {
  w.line(w.paint(ascii(w.style(), fmt::format("Case '{}': {}", trace.name, trace.setup)),
                 fmt::terminal_color::cyan, true));
  for (const Section& section : trace.sections) {
    if (section.heading.starts_with("Training step")) {
      w.line();
      std::string rule = w.style().unicode ? "══" : "==";
      w.line(w.paint(fmt::format("{} {} {}", rule, section.heading, rule),
                     fmt::terminal_color::bright_white, true));
      continue;
    }
    if (section.lines.empty()) {
      continue;
    }
    w.line(ascii(w.style(), section.heading));
    for (const TraceLine& line : section.lines) {
      if (line.table) {
        render_table(w, *line.table);
      } else if (line.check) {
        w.line(check_line(w, *line.check));
      } else {
        w.line("  " + ascii(w.style(), line.text));
      }
    }
  }
  if (trace.stop) {
    w.line(fmt::format("  {} {}", w.wrong(), stop_text(*trace.stop)));
  }
  w.line();
}

// Returns the first case that stopped on an exception from the learner's
// code. The harness catches those and goes on with the next case.
const CaseTrace* threw_in_stage(const LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (trace.stop && trace.stop->reason == StageStop::Reason::threw) {
      return &trace;
    }
  }
  return nullptr;
}

void render_hidden(Writer& w, const LessonResult& result) {
  int total = 0;
  int passed = 0;
  const CaseTrace* first_failure = nullptr;
  for (const CaseTrace& trace : result.traces) {
    if (!trace.hidden) {
      continue;
    }
    ++total;
    if (trace.passed) {
      ++passed;
    } else if (!first_failure) {
      first_failure = &trace;
    }
  }
  if (total == 0) {
    return;
  }

  bool ran_to_end = result.outcome == Outcome::passed || result.outcome == Outcome::failed ||
                    result.outcome == Outcome::not_finite || threw_in_stage(result) != nullptr;
  std::string mark = passed == total && ran_to_end ? w.right() : w.wrong();
  if (ran_to_end) {
    w.line(
        fmt::format("{} Hidden cases (random inputs drawn from the lesson's seed): {} of {} passed",
                    mark, passed, total));
  } else {
    w.line(fmt::format("{} Hidden cases reached before the program stopped: {} of {} passed", mark,
                       passed, total));
  }
  if (first_failure) {
    w.line(fmt::format("  The first that failed is '{}'. Its trace:", first_failure->name));
    w.line();
    render_trace(w, *first_failure);
  } else {
    w.line();
  }
}

void render_output(Writer& w, const LessonResult& result) {
  if (result.program_output_bytes == 0) {
    return;
  }
  w.line(fmt::format("Your program printed {} byte{}:", result.program_output_bytes,
                     result.program_output_bytes == 1 ? "" : "s"));
  std::istringstream lines(result.program_output);
  std::string line;
  std::size_t shown = 0;
  while (std::getline(lines, line) && shown < kShownOutputLines) {
    w.line("  | " + line);
    ++shown;
  }
  if (shown == kShownOutputLines || result.program_output_bytes > result.program_output.size()) {
    w.line("  | ...");
  }
  w.line();
}

const CaseTrace* first_failed_trace(const LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (!trace.passed) {
      return &trace;
    }
  }
  return nullptr;
}

// Prints the first wrong value of the first failing case, if there is one.
// Returns whether it printed.
bool render_first_wrong(Writer& w, const LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (!trace.first_wrong) {
      continue;
    }
    const FirstWrong& first = *trace.first_wrong;
    w.line(fmt::format("{} First wrong value: {} ({}, case '{}').", w.wrong(), first.check.label,
                       first.where, trace.name));
    if (first.check.actual) {
      auto [yours, expected] =
          distinguishable(*first.check.actual, first.check.expected, first.check.decimals);
      if (!first.check.actual_text.empty()) {
        yours = first.check.actual_text;
      }
      if (!first.check.expected_text.empty()) {
        expected = first.check.expected_text;
      }
      w.line(fmt::format("  You have {}, expected {} ({}).", yours, expected,
                         first.check.expected_source));
    } else {
      w.line("  Your code did not compute it.");
    }
    if (!first.check.diagnosis.empty()) {
      w.line(ascii(w.style(), fmt::format("  Likely cause: {}.", first.check.diagnosis)));
    }
    return true;
  }
  return false;
}

CompilerLogSummary summarize_log(const std::string& exercise, const LessonResult& result) {
  return summarize_compiler_log(result.compiler_log, {result.exercise, exercise, result.harness},
                                result.outcome != Outcome::compile_error);
}

// Shows the compiler's log: whole with --verbose, else only what concerns the
// learner's file (see summarize_compiler_log).
void render_compiler_log(Writer& w, const std::string& exercise, const LessonResult& result) {
  if (result.compiler_log.empty()) {
    return;
  }
  std::vector<std::string> lines;
  if (w.style().verbose) {
    std::istringstream log(result.compiler_log);
    for (std::string line; std::getline(log, line);) {
      lines.push_back(line);
    }
  } else {
    lines = summarize_log(exercise, result).lines;
  }
  if (lines.empty()) {
    return;
  }

  if (result.outcome != Outcome::compile_error) {
    w.line("The compiler warns (a warning often points at the mistake):");
  }
  for (const std::string& line : lines) {
    w.line(line.empty() ? "" : "  " + ascii(w.style(), line));
  }
  w.line();
}

// The summary of a compile error. A lesson function that is missing or
// differs from the lesson header gets its own advice.
void render_compile_error(Writer& w, const std::string& exercise, const LessonResult& result) {
  std::vector<UnmatchedFunction> functions = summarize_log(exercise, result).functions;
  if (functions.empty()) {
    w.line(fmt::format("{} {} does not compile. Fix the first error above and {}.", w.wrong(),
                       exercise, again(w)));
    return;
  }
  if (functions.size() == 1 && !functions[0].defined) {
    w.line(
        fmt::format("{} {} does not compile: it does not define {}(), which the lesson header "
                    "declares.",
                    w.wrong(), exercise, functions[0].name));
    w.line(fmt::format("  Write it with the declaration shown above and {}.", again(w)));
    return;
  }
  if (functions.size() == 1) {
    w.line(
        fmt::format("{} {} does not compile: its {}() differs from the lesson header's "
                    "declaration.",
                    w.wrong(), exercise, functions[0].name));
    w.line(fmt::format("  Make the parameter and return types match the declaration above and {}.",
                       again(w)));
    return;
  }
  std::string names;
  for (std::size_t i = 0; i < functions.size(); ++i) {
    names += (i == 0 ? "" : i + 1 == functions.size() ? " and " : ", ") + functions[i].name + "()";
  }
  w.line(fmt::format("{} {} does not compile: {} are missing or differ from the lesson header.",
                     w.wrong(), exercise, names));
  w.line(fmt::format("  Make each match its declaration above and {}.", again(w)));
}

// The summary of a crash: the signal, and where to look for its usual cause.
void render_crash(Writer& w, const LessonResult& result) {
  if (result.detail == "SIGFPE") {
    w.line(
        fmt::format("{} Your program crashed (SIGFPE). Look for an integer division or "
                    "remainder by zero just after the last value shown.",
                    w.wrong()));
  } else if (result.detail == "SIGABRT") {
    w.line(
        fmt::format("{} Your program crashed (SIGABRT): something called abort(). A failed "
                    "assert() does, and prints its condition in the output above.",
                    w.wrong()));
  } else if (result.traces.empty()) {
    w.line(
        fmt::format("{} Your program crashed ({}) before it reported any value. Look for an "
                    "out-of-range index or a null pointer in the first function the lesson "
                    "calls.",
                    w.wrong(), result.detail));
  } else {
    w.line(
        fmt::format("{} Your program crashed ({}). Look for an out-of-range index or a "
                    "null pointer just after the last value shown.",
                    w.wrong(), result.detail));
  }
}

// The summary of an exception: thrown in a stage, which the harness caught,
// or thrown where nothing caught it.
void render_exception(Writer& w, const LessonResult& result) {
  if (const CaseTrace* trace = threw_in_stage(result)) {
    w.line(fmt::format("{} Your code threw an exception in stage '{}' of case '{}': {}", w.wrong(),
                       trace->stop->stage, trace->name, trace->stop->detail));
    if (trace->stop->detail.find("bad_alloc") != std::string::npos) {
      w.line(fmt::format("  Your program ran out of memory (it may use {} GiB). Does a loop keep",
                         RunLimits{}.memory_bytes >> 30));
      w.line("  adding to a vector because its exit condition never comes true?");
      return;
    }
    w.line("  Find the throw, or a library call that throws, in the code this stage runs.");
    w.line("  std::vector::at() throws std::out_of_range for an index past the end.");
    return;
  }
  w.line(fmt::format("{} Your program ended on an exception that nothing caught ({}).", w.wrong(),
                     result.detail));
  w.line("  The harness catches what the lesson's functions throw, so this came from elsewhere:");
  w.line("  the initializer of a global variable, or a function marked noexcept.");
}

// The summary of a NaN or an infinity: which value, where, and what produces it.
void render_not_finite(Writer& w, const LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (trace.passed || !trace.first_wrong) {
      continue;
    }
    const Check& check = trace.first_wrong->check;
    double value = check.actual.value_or(0);
    std::string what = std::isnan(value) ? "NaN (not a number)"
                       : value > 0       ? "infinity"
                                         : "minus infinity";
    w.line(
        ascii(w.style(), fmt::format("{} Your code computed {} for {} ({}, case '{}').", w.wrong(),
                                     what, check.label, trace.first_wrong->where, trace.name)));
    if (std::isnan(value)) {
      w.line("  Look in the code that computes it for 0/0, the log or square root of a negative");
      w.line("  number, or arithmetic on an infinity from a division by zero or exp() overflow.");
    } else {
      w.line("  Look in the code that computes it for a division by zero, the log of 0, or exp()");
      w.line("  of a large number (exp(x) overflows to infinity above x = 709.78).");
    }
    return;
  }
}

// Running out of memory takes time too: a loop that keeps allocating can
// reach the time limit after some cases threw std::bad_alloc. Then memory,
// not time, is the cause, and the summary names it.
void render_memory_before_timeout(Writer& w, const LessonResult& result) {
  for (const CaseTrace& trace : result.traces) {
    if (trace.stop && trace.stop->detail.find("bad_alloc") != std::string::npos) {
      w.line(fmt::format("  Before that, case '{}' ran out of memory (std::bad_alloc in {}). Does",
                         trace.name, trace.stop->stage));
      w.line("  a loop keep adding to a vector because its exit condition never comes true?");
      return;
    }
  }
}

void render_summary(Writer& w, const Lesson& lesson, const std::string& exercise,
                    const LessonResult& result) {
  std::string hint = w.style().watching
                         ? std::string("Stuck? Press h for a hint.")
                         : fmt::format("Stuck? 'runner hint {}' shows a hint.", lesson.number);
  switch (result.outcome) {
    case Outcome::passed:
      w.line(fmt::format("{} Lesson {} passed: every value is right.", w.right(), lesson.number));
      return;
    case Outcome::cancelled:
      w.line("The check was stopped before it finished.");
      return;
    case Outcome::not_implemented: {
      std::string names;
      for (const std::string& function : result.missing_functions) {
        names += (names.empty() ? "" : ", ") + short_function_name(function) + "()";
      }
      bool several = result.missing_functions.size() > 1;
      w.line(fmt::format("{} Not implemented yet: {}.", w.wrong(), names));
      render_first_wrong(w, result);
      w.line(fmt::format("  Open {} and write {} from the top down,", exercise,
                         several ? "them" : "it"));
      w.line("  deleting each not_implemented() call as you go.");
      break;
    }
    case Outcome::failed: {
      const CaseTrace* trace = first_failed_trace(result);
      if (render_first_wrong(w, result)) {
        w.line("  Values computed from it may be off too, so fix this one first.");
      } else if (trace && trace->stop) {
        w.line(fmt::format("{} Case '{}' stopped: {}.", w.wrong(), trace->name,
                           stop_text(*trace->stop)));
      } else {
        w.line(fmt::format("{} Some values are wrong.", w.wrong()));
      }
      break;
    }
    case Outcome::not_finite:
      render_not_finite(w, result);
      break;
    case Outcome::threw:
      render_exception(w, result);
      break;
    case Outcome::compile_error:
      render_compile_error(w, exercise, result);
      break;
    case Outcome::crashed:
      render_crash(w, result);
      break;
    case Outcome::timed_out:
      w.line(fmt::format("{} Your program took longer than {} s: does a loop miss its exit?",
                         w.wrong(), result.timeout.count() / 1000.0));
      render_memory_before_timeout(w, result);
      break;
    case Outcome::output_flood:
      w.line(fmt::format("{} Your program printed more than {} KiB and was stopped.", w.wrong(),
                         RunLimits{}.max_output_bytes / 1024));
      w.line("  Print less: only in the first step, or only the values you are unsure of.");
      break;
    case Outcome::ended_early:
      w.line(
          fmt::format("{} Your program ended before the checks finished ({}): does it call "
                      "exit() or return from main?",
                      w.wrong(), result.detail));
      break;
    case Outcome::channel_error:
      w.line(
          fmt::format("{} The harness sent a record that does not parse or repeats an earlier "
                      "one: '{}'. Does your code write to file descriptor 3?",
                      w.wrong(), result.detail));
      break;
  }
  w.line("  " + hint);
}

}  // namespace

std::string check_message(const Check& c) {
  if (!c.actual) {
    return fmt::format("your code did not compute it, expected {} ({})",
                       (c.expected_text.empty() ? fmt::format("{:.{}f}", c.expected, c.decimals)
                                                : c.expected_text),
                       c.expected_source);
  }
  auto [yours, theirs] = distinguishable(*c.actual, c.expected, c.decimals);
  if (!c.actual_text.empty()) {
    yours = c.actual_text;
  }
  if (!c.expected_text.empty()) {
    theirs = c.expected_text;
  }
  std::string formula = c.expected_formula.empty() ? "" : c.expected_formula + " = ";
  std::string message =
      fmt::format("you have {}, expected {}{} ({})", yours, formula, theirs, c.expected_source);
  if (std::isfinite(*c.actual) && std::isfinite(c.expected)) {
    message += fmt::format(", off by {:.3g}", *c.actual - c.expected);
  }
  return message;
}

ReportStyle detect_style(std::FILE* stream, bool plain) {
  ReportStyle style;
  if (plain) {
    style.unicode = false;
    return style;
  }
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  bool dumb = term && std::string_view(term) == "dumb";
  style.color = isatty(fileno(stream)) && !(no_color && *no_color) && !dumb;
  return style;
}

std::string apply_style(std::string text, const ReportStyle& style) {
  if (!style.unicode) {
    text = ascii_only(std::move(text));
  }
  if (!style.color) {
    for (std::size_t at = text.find('\x1b'); at != std::string::npos; at = text.find('\x1b', at)) {
      text.replace(at, 1, "^[");
    }
  }
  return text;
}

std::string render_result(const Lesson& lesson, const std::string& exercise,
                          const LessonResult& result, const ReportStyle& style) {
  Writer w(style);
  w.line(w.paint(fmt::format("Lesson {}: {}", lesson.number, lesson.title),
                 fmt::terminal_color::bright_white, true));
  w.line(fmt::format("Checking {}{}", exercise,
                     result.cached_build ? " (unchanged since its last check)" : ""));
  w.line();

  render_compiler_log(w, exercise, result);

  for (const CaseTrace& trace : result.traces) {
    if (!trace.hidden) {
      render_trace(w, trace);
    }
  }
  render_hidden(w, result);
  render_output(w, result);
  render_summary(w, lesson, exercise, result);
  return apply_style(w.text(), style);
}

}  // namespace gradlings::runner
