#include "runner/roster.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "runner/error.h"
#include "runner/hash.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

bool usable_id(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.front() == '.' || id.size() > 200) {
    return false;
  }
  return std::none_of(id.begin(), id.end(), [](char c) {
    return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

// Splits one CSV line into fields, with "..." quoting and "" for a quote.
std::optional<std::vector<std::string>> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  if (quoted) {
    return std::nullopt;
  }
  return fields;
}

std::vector<Student> read_roster(const fs::path& roster) {
  std::string text;
  try {
    if (fs::is_directory(roster)) {
      throw Error("a folder");
    }
    text = read_file_bytes(roster);
  } catch (const Error&) {
    throw Error(
        fmt::format("cannot read the roster '{}'; give a CSV file with the header "
                    "folder,id,name",
                    display_path(roster)));
  }

  std::vector<Student> students;
  std::set<std::string> ids;
  std::set<std::string> folders;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  bool header_seen = false;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (number == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      line.erase(0, 3);
    }
    std::string where = fmt::format("{}:{}", display_path(roster), number);
    if (line.empty()) {
      continue;
    }
    std::optional<std::vector<std::string>> fields = csv_fields(line);
    if (!fields) {
      throw Error(fmt::format("{}: unclosed quote in '{}'", where, line));
    }
    if (!header_seen) {
      if (*fields != std::vector<std::string>{"folder", "id", "name"}) {
        throw Error(
            fmt::format("{}: the roster's first line is '{}'; it must be the header "
                        "folder,id,name",
                        where, line));
      }
      header_seen = true;
      continue;
    }
    if (fields->size() != 3) {
      throw Error(fmt::format("{}: '{}' has {} field{}; a roster line is folder,id,name", where,
                              line, fields->size(), fields->size() == 1 ? "" : "s"));
    }
    Student student{(*fields)[1], (*fields)[2], (*fields)[0]};
    if (!usable_id(student.id)) {
      throw Error(
          fmt::format("{}: the id '{}' cannot name a results folder; use letters, "
                      "digits and punctuation other than '/', not starting with '.'",
                      where, student.id));
    }
    if (!usable_id(student.folder)) {
      throw Error(fmt::format("{}: '{}' is not a folder name inside the submissions folder", where,
                              student.folder));
    }
    if (!ids.insert(student.id).second) {
      throw Error(fmt::format("{}: the id '{}' appears twice", where, student.id));
    }
    if (!folders.insert(student.folder).second) {
      throw Error(fmt::format("{}: the folder '{}' appears twice", where, student.folder));
    }
    students.push_back(student);
  }
  if (!header_seen) {
    throw Error(fmt::format("the roster '{}' is empty; it needs the header folder,id,name",
                            display_path(roster)));
  }
  return students;
}

}  // namespace

std::vector<Student> list_students(const fs::path& submissions, const fs::path& roster,
                                   std::vector<std::string>& notes) {
  std::error_code error;
  if (!fs::is_directory(submissions, error)) {
    throw Error(
        fmt::format("the submissions folder '{}' does not exist; give the folder that "
                    "holds one folder per student",
                    display_path(submissions)));
  }

  std::vector<std::string> folders;
  for (const fs::directory_entry& entry : fs::directory_iterator(submissions, error)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') {
      continue;
    }
    if (entry.is_directory(error) || entry.is_symlink(error)) {
      folders.push_back(name);
    }
  }
  if (error) {
    throw Error(fmt::format("cannot list the submissions folder '{}': {}",
                            display_path(submissions), error.message()));
  }
  std::sort(folders.begin(), folders.end());

  std::vector<Student> students;
  if (roster.empty()) {
    for (const std::string& folder : folders) {
      students.push_back({folder, "", folder});
    }
  } else {
    students = read_roster(roster);
    std::set<std::string> listed;
    for (const Student& student : students) {
      listed.insert(student.folder);
    }
    for (const std::string& folder : folders) {
      if (!listed.count(folder)) {
        notes.push_back(
            fmt::format("the folder '{}' is not on the roster, so it was not graded", folder));
      }
    }
  }

  std::sort(students.begin(), students.end(),
            [](const Student& a, const Student& b) { return a.id < b.id; });
  return students;
}

}  // namespace gradlings::runner
