#include "runner/progress.h"

#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>

#include "runner/text.h"

namespace gradlings::runner {

namespace {

std::string paint(const ReportStyle& style, const std::string& text, fmt::terminal_color color) {
  return style.color ? fmt::format(fmt::fg(color), "{}", text) : text;
}

std::string mark(const ReportStyle& style, Standing standing) {
  switch (standing) {
    case Standing::passed:
      return paint(style, style.unicode ? "✓" : "ok", fmt::terminal_color::green);
    case Standing::failed:
      return paint(style, style.unicode ? "✗" : "XX", fmt::terminal_color::red);
    case Standing::not_started:
      break;
  }
  return style.unicode ? "·" : "..";
}

// Pads `text` with spaces to `width` terminal columns.
std::string pad_to(const std::string& text, std::size_t width) {
  std::size_t shown = display_width(text);
  return text + std::string(width > shown ? width - shown : 0, ' ');
}

}  // namespace

Standing standing_of(const std::string& status) {
  if (status == "passed") {
    return Standing::passed;
  }
  return status.empty() ? Standing::not_started : Standing::failed;
}

std::optional<LessonProgress> first_unfinished(const std::vector<LessonProgress>& lessons) {
  for (const LessonProgress& lesson : lessons) {
    if (lesson.standing != Standing::passed) {
      return lesson;
    }
  }
  return std::nullopt;
}

std::string progress_bar(int done, int total, const ReportStyle& style, int width,
                         const std::string& unit) {
  int filled = total > 0 ? (done * width + total / 2) / total : 0;
  if (done > 0 && filled == 0) {
    filled = 1;
  }
  if (done < total && filled == width) {
    filled = width - 1;
  }

  std::string bar;
  for (int i = 0; i < width; ++i) {
    if (style.unicode) {
      bar += i < filled ? "█" : "░";
    } else {
      bar += i < filled ? "#" : ".";
    }
  }
  return fmt::format("[{}] {}/{} {}", paint(style, bar, fmt::terminal_color::green), done, total,
                     unit);
}

std::string render_list(const std::vector<LessonProgress>& lessons, const ReportStyle& style) {
  std::size_t title_width = 0;
  for (const LessonProgress& lesson : lessons) {
    title_width = std::max(title_width, display_width(lesson.title));
  }

  std::string out;
  int done = 0;
  for (const LessonProgress& lesson : lessons) {
    std::string status = lesson.standing == Standing::not_started ? "not started" : lesson.status;
    out += fmt::format("{:>3}  {}  {} {}\n", lesson.number, pad_to(lesson.title, title_width),
                       mark(style, lesson.standing), status);
    done += lesson.standing == Standing::passed ? 1 : 0;
  }

  out += "\n" + progress_bar(done, static_cast<int>(lessons.size()), style) + "\n";
  std::optional<LessonProgress> next = first_unfinished(lessons);
  if (next && style.watching) {
    out += fmt::format("Next: lesson {}, {}.\n", next->number, next->title);
  } else if (next) {
    out += fmt::format("Next: lesson {}, {}. Run 'runner next' or 'runner watch'.\n", next->number,
                       next->title);
  } else if (!lessons.empty()) {
    out += fmt::format(
        "Every lesson has passed. 'runner solution N' shows the reference "
        "solution to compare with yours.\n");
  }
  return style.unicode ? out : to_ascii(out);
}

std::string render_verify_summary(const std::vector<VerifyRow>& rows, const ReportStyle& style) {
  std::size_t title_width = std::string("Lesson").size();
  for (const VerifyRow& row : rows) {
    title_width = std::max(title_width, display_width(row.title));
  }

  std::string rule = style.unicode ? "─" : "-";
  std::string out =
      fmt::format("{:>3}  {}  {:<22}  {}\n", "#", pad_to("Lesson", title_width), "Verdict", "Time");
  std::string ruler;
  for (std::size_t i = 0; i < 3 + 2 + title_width + 2 + 22 + 2 + 6; ++i) {
    ruler += rule;
  }
  out += ruler + "\n";

  int passed = 0;
  const VerifyRow* stopped_at = nullptr;
  for (const VerifyRow& row : rows) {
    Standing standing = row.passed ? Standing::passed
                        : row.verdict == "not started" || row.verdict == "not checked"
                            ? Standing::not_started
                            : Standing::failed;
    std::string time = row.seconds ? fmt::format("{:.2f} s", *row.seconds) : "";
    std::string verdict = mark(style, standing) + " " + row.verdict;
    std::size_t verdict_width = display_width(mark(ReportStyle{false, style.unicode}, standing)) +
                                1 + display_width(row.verdict);
    std::string line =
        fmt::format("{:>3}  {}  {}{}  {}", row.number, pad_to(row.title, title_width), verdict,
                    std::string(verdict_width < 22 ? 22 - verdict_width : 0, ' '), time);
    out += line.substr(0, line.find_last_not_of(' ') + 1) + "\n";
    passed += row.passed ? 1 : 0;
    if (!row.passed && !stopped_at) {
      stopped_at = &row;
    }
  }

  out +=
      "\n" + progress_bar(passed, static_cast<int>(rows.size()), style) + " passed in this run\n";
  if (stopped_at) {
    out += fmt::format("Stopped at lesson {}: {}. Fix it, then run 'runner verify' again.\n",
                       stopped_at->number, stopped_at->verdict);
  } else {
    out += "Every lesson passes.\n";
  }
  return style.unicode ? out : to_ascii(out);
}

}  // namespace gradlings::runner
