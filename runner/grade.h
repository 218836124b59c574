// Grading a class: every submission folder's exercises compiled and run
// confined, judged in this process against the reference, and written to a
// results folder that survives being killed at any moment.
//
// The results folder contains:
//   run.json         the seed, lessons, limits and protections of the run
//   .state/ID.json   one file per finished student, flushed to disk as soon
//                    as the student is done; a rerun skips these students
//   students/ID/     results.json (Gradescope) and feedback.txt
//   grades.csv, results.jsonl, junit.xml   the whole class, when a run finishes
//   .cache/, .work/  builds shared by identical sources, and private copies
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runner/grading.h"

namespace gradlings::runner {

struct GradeOptions {
  std::filesystem::path submissions;   // one folder per student
  std::filesystem::path out;           // the results folder; created when missing
  std::filesystem::path lessons_root;  // lessons/, with harness/ inside
  std::filesystem::path harness_dir;   // empty: lessons_root / "harness"
  std::vector<int> lessons;            // lesson numbers; empty: every lesson

  /// The instructor's secret. Empty: the seed recorded in out/run.json by an
  /// earlier run, else a fresh random one, which is then recorded.
  std::string seed;
  bool seed_given = false;  // --seed was on the command line, so an empty seed is an error

  unsigned jobs = 1;                          // exercises compiled and run at once
  std::chrono::milliseconds timeout{10'000};  // wall time of one program run
  std::size_t memory_bytes = 1ull << 30;      // address space of one program run
  std::filesystem::path roster;       // CSV with folder,id,name; empty: folder names are ids
  bool force = false;                 // regrade students already finished
  std::vector<std::string> students;  // regrade only these ids; empty: every student
  int shard_index = 1;                // grade students k with k mod shard_count == index - 1
  int shard_count = 1;
  bool allow_bubblewrap = true;
  std::string compiler;  // empty: $CXX, else c++

  /// Becomes readable to stop the run: running programs and compilers are
  /// killed, finished students stay recorded and the unfinished are not.
  int cancel_fd = -1;
};

/// The progress of a run, reported after each student is recorded.
struct GradeProgress {
  std::size_t students_total = 0;         // in this run's selection
  std::size_t students_done = 0;          // recorded, skipped ones included
  std::size_t students_skipped = 0;       // recorded by an earlier run and left alone
  const StudentGrade* student = nullptr;  // the one just recorded; null for the first report
  bool skipped = false;                   // it was left alone
};

struct GradeSummary {
  std::string seed;                      // as given or drawn
  bool seed_drawn = false;               // no seed was given or recorded, so one was drawn
  std::vector<std::string> protections;  // protection_names() of the run
  std::size_t students_graded = 0;
  std::size_t students_skipped = 0;
  std::size_t lessons_graded = 0;    // student-lesson pairs compiled and run in this run
  bool cancelled = false;            // stopped through cancel_fd before the end
  std::size_t internal_errors = 0;   // lessons graded internal_error in this run
  std::string first_internal_error;  // "alice, lesson 2: <reason>" of the first of them
  std::vector<std::string> notes;    // for the instructor: folders not on the roster, and the like
};

/// Grades the selection described by `options` and writes the results folder.
/// Calls `progress` from the calling thread, once before the first student and
/// once after each. Throws Error for bad input (a missing folder, an unknown
/// lesson or student, a roster line that does not parse, a seed that differs
/// from the recorded one without force) before grading anything. A failure
/// while grading one exercise is that exercise's internal_error, never an
/// exception.
GradeSummary grade_class(const GradeOptions& options,
                         const std::function<void(const GradeProgress&)>& progress);

/// Combines finished shard results folders `shards` into `out`, which then
/// contains exactly what one unsharded run would have written. Throws Error when
/// a shard is unfinished, when the shards' seeds or lessons differ, or when a
/// student appears in two shards.
void merge_results(const std::filesystem::path& out,
                   const std::vector<std::filesystem::path>& shards);

/// Parses a lesson selection such as "2", "1-7" or "2,4-6". Throws Error
/// naming the text for anything else.
std::vector<int> parse_lesson_selection(const std::string& text);

/// Parses a shard such as "2/8" into {2, 8}. Throws Error naming the text
/// unless 1 <= index <= count.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace gradlings::runner
