// Tests of runner/roster.h: the students of a submissions folder, listed from
// its folders or read from a roster CSV, and each way a roster is rejected.
#include "runner/roster.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "runner/error.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;

// A fresh folder for one test, with an empty submissions/ inside.
struct Class {
  fs::path root;
  fs::path submissions;

  explicit Class(const std::string& name) {
    root = fs::temp_directory_path() / "gradlings-roster-test" / name;
    fs::remove_all(root);
    submissions = root / "submissions";
    fs::create_directories(submissions);
  }

  void add_folders(const std::vector<std::string>& folders) const {
    for (const std::string& folder : folders) {
      fs::create_directories(submissions / folder);
    }
  }

  // Writes `text` byte for byte as roster.csv and returns its path.
  fs::path roster(const std::string& text) const {
    fs::path file = root / "roster.csv";
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
};

// Returns "id|name|folder" for each student, so a whole list compares at once.
std::vector<std::string> rows(const std::vector<Student>& students) {
  std::vector<std::string> result;
  for (const Student& student : students) {
    result.push_back(student.id + "|" + student.name + "|" + student.folder);
  }
  return result;
}

// Returns the message of the Error that list_students throws for the roster
// `text`, or "" when it throws none.
std::string roster_error(const Class& c, const std::string& text) {
  fs::path file = c.roster(text);
  std::vector<std::string> notes;
  try {
    list_students(c.submissions, file, notes);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(ListStudents, FoldersSortedAndDotFoldersSkipped) {
  Class c("folders");
  c.add_folders({"carol", "alice", "Bob", ".git", ".hidden"});
  std::ofstream(c.submissions / "notes.txt") << "not a student";

  std::vector<std::string> notes;
  std::vector<Student> students = list_students(c.submissions, "", notes);

  EXPECT_EQ(rows(students), (std::vector<std::string>{"Bob||Bob", "alice||alice", "carol||carol"}));
  EXPECT_TRUE(notes.empty());
}

TEST(ListStudents, EmptySubmissionsFolderHasNoStudents) {
  Class c("empty");
  std::vector<std::string> notes;

  EXPECT_TRUE(list_students(c.submissions, "", notes).empty());
  EXPECT_TRUE(notes.empty());
}

TEST(ListStudents, MissingSubmissionsFolderIsRejected) {
  Class c("missing");
  fs::path missing = c.root / "nowhere";
  std::vector<std::string> notes;

  try {
    list_students(missing, "", notes);
    FAIL() << "no Error for a missing submissions folder";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              fmt::format("the submissions folder '{}' does not exist; give the folder that holds "
                          "one folder per student",
                          missing.string()));
  }
}

TEST(ListStudents, RosterWithQuotesBomCrlfAndBlankLines) {
  Class c("quoted");
  c.add_folders({"f1", "f2"});
  fs::path roster = c.roster(
      "\xEF\xBB\xBF"
      "folder,id,name\r\n"
      "f2,s-002,\"Lovelace, Ada\"\r\n"
      "\r\n"
      "f1,s-001,\"Grace \"\"Amazing\"\" Hopper\"\r\n"
      "\n");

  std::vector<std::string> notes;
  std::vector<Student> students = list_students(c.submissions, roster, notes);

  EXPECT_EQ(rows(students), (std::vector<std::string>{"s-001|Grace \"Amazing\" Hopper|f1",
                                                      "s-002|Lovelace, Ada|f2"}));
  EXPECT_TRUE(notes.empty());
}

TEST(ListStudents, RosterSortsByIdNotByFolder) {
  Class c("by-id");
  c.add_folders({"a-folder", "b-folder"});
  fs::path roster = c.roster("folder,id,name\na-folder,zed,Z\nb-folder,amy,A\n");

  std::vector<std::string> notes;
  std::vector<Student> students = list_students(c.submissions, roster, notes);

  EXPECT_EQ(rows(students), (std::vector<std::string>{"amy|A|b-folder", "zed|Z|a-folder"}));
}

TEST(ListStudents, RosterAfterLeadingBlankLine) {
  Class c("leading-blank");
  c.add_folders({"f1"});
  fs::path roster = c.roster("\nfolder,id,name\nf1,s-001,Ada\n");

  std::vector<std::string> notes;
  std::vector<Student> students = list_students(c.submissions, roster, notes);

  EXPECT_EQ(rows(students), (std::vector<std::string>{"s-001|Ada|f1"}));
}

TEST(ListStudents, FolderNotOnRosterGetsNote) {
  Class c("note");
  c.add_folders({"f1", "f2", "f3", ".git"});
  fs::path roster = c.roster("folder,id,name\nf1,s-001,Ada\nf3,s-003,Cy\nf9,s-009,Gone\n");

  std::vector<std::string> notes;
  std::vector<Student> students = list_students(c.submissions, roster, notes);

  EXPECT_EQ(rows(students),
            (std::vector<std::string>{"s-001|Ada|f1", "s-003|Cy|f3", "s-009|Gone|f9"}));
  EXPECT_EQ(notes,
            std::vector<std::string>{"the folder 'f2' is not on the roster, so it was not graded"});
}

TEST(ListStudents, RosterMissingHeader) {
  Class c("no-header");
  EXPECT_EQ(roster_error(c, "f1,s-001,Ada\n"),
            fmt::format("{}:1: the roster's first line is 'f1,s-001,Ada'; it must be the header "
                        "folder,id,name",
                        (c.root / "roster.csv").string()));
}

TEST(ListStudents, RosterWrongHeader) {
  Class c("wrong-header");
  EXPECT_EQ(roster_error(c, "folder,name,id\r\nf1,Ada,s-001\r\n"),
            fmt::format("{}:1: the roster's first line is 'folder,name,id'; it must be the header "
                        "folder,id,name",
                        (c.root / "roster.csv").string()));
}

TEST(ListStudents, RosterWrongFieldCount) {
  Class c("field-count");
  std::string file = (c.root / "roster.csv").string();

  EXPECT_EQ(roster_error(c, "folder,id,name\nf1,s-001\n"),
            fmt::format("{}:2: 'f1,s-001' has 2 fields; a roster line is folder,id,name", file));
  EXPECT_EQ(roster_error(c, "folder,id,name\r\nf1,s-001,Ada\r\n\r\nf2\r\n"),
            fmt::format("{}:4: 'f2' has 1 field; a roster line is folder,id,name", file));
  EXPECT_EQ(
      roster_error(c, "folder,id,name\nf1,s-001,Lovelace, Ada\n"),
      fmt::format("{}:2: 'f1,s-001,Lovelace, Ada' has 4 fields; a roster line is folder,id,name",
                  file));
}

TEST(ListStudents, RosterUnclosedQuote) {
  Class c("unclosed");
  EXPECT_EQ(roster_error(c, "folder,id,name\nf1,s-001,\"Lovelace, Ada\n"),
            fmt::format("{}:2: unclosed quote in 'f1,s-001,\"Lovelace, Ada'",
                        (c.root / "roster.csv").string()));
}

TEST(ListStudents, RosterIdThatCannotNameFolder) {
  Class c("bad-id");
  std::string file = (c.root / "roster.csv").string();

  EXPECT_EQ(roster_error(c, "folder,id,name\nf1,../x,Ada\n"),
            fmt::format("{}:2: the id '../x' cannot name a results folder; use letters, digits "
                        "and punctuation other than '/', not starting with '.'",
                        file));
  EXPECT_EQ(roster_error(c, "folder,id,name\nf1,s-001,Ada\nf2,.hidden,Bob\n"),
            fmt::format("{}:3: the id '.hidden' cannot name a results folder; use letters, digits "
                        "and punctuation other than '/', not starting with '.'",
                        file));
  EXPECT_EQ(roster_error(c, "folder,id,name\nf1,a/b,Ada\n"),
            fmt::format("{}:2: the id 'a/b' cannot name a results folder; use letters, digits "
                        "and punctuation other than '/', not starting with '.'",
                        file));
}

TEST(ListStudents, RosterFolderOutsideSubmissions) {
  Class c("bad-folder");
  EXPECT_EQ(roster_error(c, "folder,id,name\n../other,s-001,Ada\n"),
            fmt::format("{}:2: '../other' is not a folder name inside the submissions folder",
                        (c.root / "roster.csv").string()));
}

TEST(ListStudents, RosterDuplicateId) {
  Class c("duplicate-id");
  EXPECT_EQ(roster_error(c, "folder,id,name\nf1,s-001,Ada\nf2,s-002,Bob\nf3,s-001,Cy\n"),
            fmt::format("{}:4: the id 's-001' appears twice", (c.root / "roster.csv").string()));
}

TEST(ListStudents, RosterDuplicateFolder) {
  Class c("duplicate-folder");
  EXPECT_EQ(roster_error(c, "folder,id,name\nf1,s-001,Ada\nf1,s-002,Bob\n"),
            fmt::format("{}:3: the folder 'f1' appears twice", (c.root / "roster.csv").string()));
}

TEST(ListStudents, RosterEmptyFile) {
  Class c("empty-roster");
  std::string expected = fmt::format("the roster '{}' is empty; it needs the header folder,id,name",
                                     (c.root / "roster.csv").string());

  EXPECT_EQ(roster_error(c, ""), expected);
  EXPECT_EQ(roster_error(c, "\r\n\n"), expected);
}

TEST(ListStudents, RosterThatIsFolderOrMissing) {
  Class c("roster-folder");
  fs::path folder = c.root / "roster-folder";
  fs::create_directories(folder);
  fs::path missing = c.root / "missing.csv";
  std::vector<std::string> notes;

  for (const fs::path& roster : {folder, missing}) {
    try {
      list_students(c.submissions, roster, notes);
      ADD_FAILURE() << "no Error for the roster " << roster;
    } catch (const Error& error) {
      EXPECT_EQ(std::string(error.what()),
                fmt::format("cannot read the roster '{}'; give a CSV file with the header "
                            "folder,id,name",
                            roster.string()));
    }
  }
}

}  // namespace
}  // namespace gradlings::runner
