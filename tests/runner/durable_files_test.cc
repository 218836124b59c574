// Tests of runner/durable_files.h: files written whole through a temporary
// file, the cleanup of temporary files a killed run leaves, and private
// folders.
#include "runner/durable_files.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runner/error.h"

namespace gradlings::runner {
namespace {

namespace fs = std::filesystem;

// A fresh, empty folder for one test.
fs::path fresh_folder(const std::string& name) {
  fs::path folder = fs::temp_directory_path() / "gradlings-durable-files-test" / name;
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void touch(const fs::path& file) { std::ofstream(file, std::ios::binary) << "x"; }

// Returns the names in `folder`, sorted.
std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Returns the message of the Error that `action` throws, or "" when it throws
// none.
template <typename Action>
std::string error_message(Action action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

fs::perms permission_bits(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::mask;
}

TEST(WriteDurably, WritesThenReplacesWholeFile) {
  fs::path folder = fresh_folder("replace");
  fs::path file = folder / "grades.csv";

  write_durably(file, "student,lesson\nada,2\nbob,2\n");
  EXPECT_EQ(read_bytes(file), "student,lesson\nada,2\nbob,2\n");

  write_durably(file, "short\n");
  EXPECT_EQ(read_bytes(file), "short\n");
  EXPECT_EQ(names_in(folder), std::vector<std::string>{"grades.csv"});
}

TEST(WriteDurably, KeepsEmptyAndBinaryContent) {
  fs::path folder = fresh_folder("binary");

  write_durably(folder / "empty", "");
  EXPECT_TRUE(fs::is_regular_file(folder / "empty"));
  EXPECT_EQ(fs::file_size(folder / "empty"), 0u);

  const std::string bytes("a\0b\r\n\xff", 6);
  write_durably(folder / "binary", bytes);
  EXPECT_EQ(read_bytes(folder / "binary"), bytes);
  EXPECT_EQ(names_in(folder), (std::vector<std::string>{"binary", "empty"}));
}

TEST(WriteDurably, MissingFolderIsError) {
  fs::path folder = fresh_folder("missing-folder");
  fs::path file = folder / "absent" / "results.json";

  EXPECT_EQ(error_message([&] { write_durably(file, "{}"); }),
            fmt::format("cannot write '{}': {}", file.string(), std::strerror(ENOENT)));
  EXPECT_TRUE(names_in(folder).empty());
}

TEST(WriteDurably, FolderInPlaceOfFileIsError) {
  fs::path folder = fresh_folder("folder-in-place");
  fs::path file = folder / "results.json";
  fs::create_directories(file);

  EXPECT_EQ(error_message([&] { write_durably(file, "{}"); }),
            fmt::format("cannot write '{}': {}", file.string(), std::strerror(EISDIR)));
  EXPECT_EQ(names_in(folder), std::vector<std::string>{"results.json"});
  EXPECT_TRUE(fs::is_directory(file));
  EXPECT_TRUE(fs::is_empty(file));
}

TEST(RemoveLeftovers, DeletesOnlyTemporaryFiles) {
  fs::path folder = fresh_folder("leftovers");
  for (const char* name : {"grades.csv", "grades.csv.tmp-4242", "results.json.tmp-1",
                           "x.tmp-1.json", "notes.tmp-", "tmp-notes", "a.tmp", "report.tmp-old"}) {
    touch(folder / name);
  }
  fs::create_directories(folder / "students");
  touch(folder / "students" / "feedback.txt.tmp-77");

  remove_leftovers(folder);

  EXPECT_EQ(names_in(folder),
            (std::vector<std::string>{"a.tmp", "grades.csv", "notes.tmp-", "report.tmp-old",
                                      "students", "tmp-notes", "x.tmp-1.json"}));
  EXPECT_EQ(names_in(folder / "students"), std::vector<std::string>{"feedback.txt.tmp-77"});
}

TEST(RemoveLeftovers, LeftoverOfThisProcessIsRemoved) {
  fs::path folder = fresh_folder("own-leftover");
  fs::path leftover = folder / fmt::format("run.json.tmp-{}", ::getpid());
  touch(leftover);
  write_durably(folder / "run.json", "{}\n");

  remove_leftovers(folder);

  EXPECT_EQ(names_in(folder), std::vector<std::string>{"run.json"});
  EXPECT_EQ(read_bytes(folder / "run.json"), "{}\n");
}

TEST(RemoveLeftovers, MissingFolderIsIgnored) {
  fs::path folder = fresh_folder("no-folder") / "absent";

  EXPECT_EQ(error_message([&] { remove_leftovers(folder); }), "");
  EXPECT_FALSE(fs::exists(folder));
}

TEST(MakePrivateFolder, CreatesNestedFoldersOwnerOnly) {
  fs::path root = fresh_folder("private");
  fs::path folder = root / "results" / "students" / "ada";

  make_private_folder(folder);

  EXPECT_TRUE(fs::is_directory(root / "results"));
  EXPECT_TRUE(fs::is_directory(root / "results" / "students"));
  EXPECT_TRUE(fs::is_directory(folder));
  EXPECT_EQ(permission_bits(folder), fs::perms::owner_all);
}

TEST(MakePrivateFolder, ExistingFolderBecomesPrivate) {
  fs::path folder = fresh_folder("existing") / "results";
  fs::create_directories(folder);
  fs::permissions(folder, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  touch(folder / "grades.csv");

  make_private_folder(folder);

  EXPECT_EQ(permission_bits(folder), fs::perms::owner_all);
  EXPECT_EQ(names_in(folder), std::vector<std::string>{"grades.csv"});
}

TEST(MakePrivateFolder, FileInTheWayIsError) {
  fs::path root = fresh_folder("file-in-way");
  touch(root / "results");

  // NOTE: the libstdc++ of GCC 12 reports ENOTDIR both when the folder is a
  // file and when a parent is, so the expected reason depends on that library.
  EXPECT_EQ(error_message([&] { make_private_folder(root / "results"); }),
            fmt::format("cannot create the folder '{}': {}", (root / "results").string(),
                        std::strerror(ENOTDIR)));
  EXPECT_EQ(error_message([&] { make_private_folder(root / "results" / "students"); }),
            fmt::format("cannot create the folder '{}': {}",
                        (root / "results" / "students").string(), std::strerror(ENOTDIR)));
  EXPECT_TRUE(fs::is_regular_file(root / "results"));
}

}  // namespace
}  // namespace gradlings::runner
