// Helpers for the end-to-end tests of the network lessons (3 and 7): check an
// exercise as `runner lesson N` does, write mutated solutions, run the runner
// binary, and walk a trace's checks in the order they are shown.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "runner/check.h"
#include "runner/lesson.h"
#include "runner/report.h"

namespace gradlings::runner::network_lessons {

namespace fs = std::filesystem;

inline const fs::path kRoot = GRADLINGS_SOURCE_DIR;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A folder for this test binary's files, under the system's temporary folder.
inline fs::path scratch_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("gradlings-" + name);
  fs::create_directories(dir);
  return dir;
}

inline LessonResult check_file(const fs::path& lesson_dir, const fs::path& exercise,
                               const fs::path& scratch) {
  CheckOptions options;
  options.exercise = exercise;
  options.harness_dir = kRoot / "lessons" / "harness";
  options.cache_dir = scratch / "cache";
  return check_lesson(load_lesson(lesson_dir), options);
}

/// One exact replacement in a solution.
struct Replacement {
  std::string from;
  std::string to;
};

/// Writes `solution` with every replacement applied, in order, to
/// scratch/NAME.cpp and returns the path. A replacement whose text is not
/// found fails the test.
inline fs::path mutated_solution(const fs::path& solution, const fs::path& scratch,
                                 const std::string& name,
                                 const std::vector<Replacement>& replacements) {
  std::string text = read_file(solution);
  for (const Replacement& replacement : replacements) {
    std::size_t at = text.find(replacement.from);
    EXPECT_NE(std::string::npos, at) << "the solution no longer contains: " << replacement.from;
    if (at != std::string::npos) {
      text.replace(at, replacement.from.size(), replacement.to);
    }
  }
  fs::path path = scratch / (name + ".cpp");
  std::ofstream(path) << text;
  return path;
}

struct CommandOutput {
  int status = -1;
  std::string text;
};

/// Runs the runner binary with `arguments`, capturing stdout and stderr.
inline CommandOutput run_runner(const std::string& arguments) {
  std::string command = std::string(GRADLINGS_RUNNER) + " " + arguments + " 2>&1";
  CommandOutput output;
  FILE* pipe = popen(command.c_str(), "r");
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.text.append(buffer.data(), n);
  }
  int status = pclose(pipe);
  output.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

/// Every check of a trace, in the order the report shows them, with the
/// heading of its section: check lines, then the checked cells of tables
/// row by row.
inline std::vector<std::pair<std::string, Check>> shown_checks(const CaseTrace& trace) {
  std::vector<std::pair<std::string, Check>> checks;
  for (const Section& section : trace.sections) {
    for (const TraceLine& line : section.lines) {
      if (line.check) {
        checks.emplace_back(section.heading, *line.check);
      }
      if (!line.table) {
        continue;
      }
      for (const auto& row : line.table->rows) {
        for (const Cell& cell : row) {
          if (cell.check) {
            checks.emplace_back(section.heading, *cell.check);
          }
        }
      }
    }
  }
  return checks;
}

/// Returns whether a check in a gradient check section failed.
inline bool gradient_check_failed(const CaseTrace& trace) {
  for (const auto& [heading, check] : shown_checks(trace)) {
    if (heading.starts_with("Gradient check") && !check.passed) {
      return true;
    }
  }
  return false;
}

/// Returns the short names of the functions reported as not written.
inline std::vector<std::string> missing_names(const LessonResult& result) {
  std::vector<std::string> names;
  for (const std::string& function : result.missing_functions) {
    names.push_back(short_function_name(function));
  }
  return names;
}

/// Returns whether `text` holds only ASCII bytes.
inline bool is_ascii(const std::string& text) {
  for (unsigned char c : text) {
    if (c > 127) {
      return false;
    }
  }
  return true;
}

}  // namespace gradlings::runner::network_lessons
