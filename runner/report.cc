#include "runner/report.h"

#include <fmt/color.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "runner/sandbox.h"

namespace gradlings::runner {

namespace {

constexpr std::size_t kShownOutputLines = 20;
constexpr std::size_t kShownCompilerLines = 30;

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
  std::string expected;
  if (c.actual) {
    auto [yours, theirs] = distinguishable(*c.actual, c.expected, c.decimals);
    if (!c.actual_text.empty()) {
      yours = c.actual_text;
    }
    if (!c.expected_text.empty()) {
      theirs = c.expected_text;
    }
    std::string formula = c.expected_formula.empty() ? "" : c.expected_formula + " = ";
    expected = fmt::format("you have {}, expected {}{} ({}), off by {:.3g}", yours, formula, theirs,
                           c.expected_source, *c.actual - c.expected);
  } else {
    expected = fmt::format("expected {:.6g}", c.expected);
  }
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

  bool ran_to_end = result.outcome == Outcome::passed || result.outcome == Outcome::failed;
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

void render_summary(Writer& w, const Lesson& lesson, const std::string& exercise,
                    const LessonResult& result) {
  std::string hint = fmt::format("Stuck? 'runner hint {}' shows a hint.", lesson.number);
  switch (result.outcome) {
    case Outcome::passed:
      w.line(fmt::format("{} Lesson {} passed: every value is right.", w.right(), lesson.number));
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
    case Outcome::compile_error:
      w.line(fmt::format("{} {} does not compile. Fix the first error above and run again.",
                         w.wrong(), exercise));
      break;
    case Outcome::crashed:
      w.line(
          fmt::format("{} Your program crashed ({}). Look for an out-of-range index or a "
                      "null pointer just after the last value shown.",
                      w.wrong(), result.detail));
      break;
    case Outcome::timed_out:
      w.line(fmt::format("{} Your program took longer than {} s: does a loop miss its exit?",
                         w.wrong(), result.timeout.count() / 1000.0));
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
          fmt::format("{} The harness sent a record that does not parse: '{}'. Does your code "
                      "write to file descriptor 3?",
                      w.wrong(), result.detail));
      break;
  }
  w.line("  " + hint);
}

}  // namespace

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

std::string render_result(const Lesson& lesson, const std::string& exercise,
                          const LessonResult& result, const ReportStyle& style) {
  Writer w(style);
  w.line(w.paint(fmt::format("Lesson {}: {}", lesson.number, lesson.title),
                 fmt::terminal_color::bright_white, true));
  w.line(fmt::format("Checking {}{}", exercise,
                     result.cached_build ? " (unchanged, compiled before)" : ""));
  w.line();

  if (!result.compiler_log.empty()) {
    if (result.outcome != Outcome::compile_error) {
      w.line("The compiler warns (a warning often points at the mistake):");
    }
    std::istringstream lines(result.compiler_log);
    std::string line;
    for (std::size_t shown = 0; std::getline(lines, line) && shown < kShownCompilerLines; ++shown) {
      w.line("  " + line);
    }
    w.line();
  }

  for (const CaseTrace& trace : result.traces) {
    if (!trace.hidden) {
      render_trace(w, trace);
    }
  }
  render_hidden(w, result);
  render_output(w, result);
  render_summary(w, lesson, exercise, result);
  return w.text();
}

}  // namespace gradlings::runner
