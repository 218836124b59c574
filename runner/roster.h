// The students of a class: one per folder of the submissions folder, named
// by the folder, or by a roster CSV that maps folders to ids and names.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gradlings::runner {

/// One student: the id names their results, and the folder is their workspace.
struct Student {
  std::string id;
  std::string name;
  std::string folder;
};

/// Returns the students to grade, sorted by id. Without a roster (`roster`
/// empty) they are the folders of `submissions` whose names do not start with
/// '.', each named by its folder. With one, they are the roster's lines, and
/// `notes` gets a line for each folder the roster leaves out. Throws Error for
/// a missing submissions folder, and for a roster line that does not parse,
/// repeats an id or a folder, or has an id that cannot name a folder, with the
/// roster's file name and line number.
std::vector<Student> list_students(const std::filesystem::path& submissions,
                                   const std::filesystem::path& roster,
                                   std::vector<std::string>& notes);

}  // namespace gradlings::runner
