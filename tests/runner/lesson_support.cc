#include "tests/runner/lesson_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "runner/error.h"
#include "runner/report.h"

namespace gradlings::runner::lesson_support {

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path scratch_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("gradlings-" + name);
  fs::create_directories(dir);
  return dir;
}

LessonResult check_exercise(const Lesson& lesson, const fs::path& exercise,
                            const fs::path& scratch) {
  CheckOptions options;
  options.exercise = exercise;
  options.harness_dir = kRoot / "lessons" / "harness";
  options.cache_dir = scratch / "cache";
  return check_lesson(lesson, options);
}

LessonResult check_exercise(const fs::path& lesson_dir, const fs::path& exercise,
                            const fs::path& scratch) {
  return check_exercise(load_lesson(lesson_dir), exercise, scratch);
}

std::string replace_first(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(std::string::npos, at) << "the text does not contain: " << from;
  if (at != std::string::npos) {
    text.replace(at, from.size(), to);
  }
  return text;
}

fs::path write_mutated_copy(const fs::path& source, const fs::path& folder, const std::string& name,
                            const std::vector<Replacement>& replacements, Match match) {
  std::string text = read_file(source);
  for (const Replacement& replacement : replacements) {
    std::size_t at = text.find(replacement.from);
    EXPECT_NE(std::string::npos, at) << source << " no longer contains: " << replacement.from;
    if (at == std::string::npos) {
      continue;
    }
    if (match == Match::unique) {
      EXPECT_EQ(std::string::npos, text.find(replacement.from, at + 1))
          << source << " contains more than one: " << replacement.from;
    }
    text.replace(at, replacement.from.size(), replacement.to);
  }
  fs::path path = folder / (name + ".cpp");
  std::ofstream(path) << text;
  return path;
}

std::string error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

CommandOutput run_program(const fs::path& program, const std::string& arguments) {
  std::string command = program.string() + " " + arguments + " 2>&1";
  CommandOutput output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed for: " << command;
    return output;
  }
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.text.append(buffer.data(), n);
  }
  int status = pclose(pipe);
  output.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::vector<ShownCheck> shown_checks(const CaseTrace& trace) {
  std::vector<ShownCheck> checks;
  for (const Section& section : trace.sections) {
    for (const TraceLine& line : section.lines) {
      if (line.check) {
        checks.push_back({section.heading, *line.check});
      }
      if (!line.table) {
        continue;
      }
      for (const auto& row : line.table->rows) {
        for (const Cell& cell : row) {
          if (cell.check) {
            checks.push_back({section.heading, *cell.check});
          }
        }
      }
    }
  }
  return checks;
}

bool gradient_check_failed(const CaseTrace& trace) {
  for (const auto& [heading, check] : shown_checks(trace)) {
    if (heading.starts_with("Gradient check") && !check.passed) {
      return true;
    }
  }
  return false;
}

std::string trace_text(const CaseTrace& trace) {
  std::string text;
  for (const Section& section : trace.sections) {
    for (const TraceLine& line : section.lines) {
      text += line.text + "\n";
    }
  }
  return text;
}

std::vector<std::string> missing_names(const LessonResult& result) {
  std::vector<std::string> names;
  for (const std::string& function : result.missing_functions) {
    names.push_back(short_function_name(function));
  }
  return names;
}

bool is_ascii(const std::string& text) {
  for (unsigned char c : text) {
    if (c > 127) {
      return false;
    }
  }
  return true;
}

}  // namespace gradlings::runner::lesson_support
