// Watch mode: re-checks a lesson each time its exercise file is saved, and
// reads single keys that move between lessons. The file watcher, the key
// reader and the loop live here. What a check, a hint or the list prints is
// up to the caller, which passes it in as hooks, so tests can drive the loop
// without a compiler or a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace gradlings::runner {

/// Settings of a FileWatcher.
struct WatchSettings {
  /// Check modification times instead of asking the kernel (inotify) for file
  /// events, for folders where inotify reports nothing, such as some network
  /// and WSL mounts.
  bool poll = false;

  /// How long the file must stay unchanged after an event before it counts as
  /// saved. Editors that save in several writes (truncate then write, or
  /// write a temporary file and rename it over the old one) finish well
  /// within it, so one save gives one check.
  std::chrono::milliseconds debounce{50};

  /// In polling mode, the time between two looks at the file.
  std::chrono::milliseconds poll_interval{100};
};

/// Watches one file for saves. With inotify it watches the file's folder,
/// not the file, so a save that renames a new file over the old one, or
/// deletes and recreates it, is seen too. In polling mode it compares the
/// file's modification time, size and inode number.
///
/// Not thread-safe. The caller waits for readability on fd() for at most
/// timeout() and then calls update(), or calls wait(), which does both.
class FileWatcher {
 public:
  /// Starts inotify unless `settings.poll` is set. When inotify cannot be
  /// started, the watcher polls instead, and fallback_reason() contains the reason.
  explicit FileWatcher(WatchSettings settings);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  /// Watches `file` from now on, in place of any earlier file. Changes made
  /// before the call are not reported. When inotify cannot watch the file's
  /// folder (it is missing, or the limit of watches is reached), the watcher
  /// switches to polling for good and sets fallback_reason().
  void watch(const std::filesystem::path& file);

  /// The inotify descriptor to wait on for readability, or -1 when polling.
  int fd() const { return inotify_fd_; }

  /// How long the caller may wait on fd() before calling update() again, in
  /// milliseconds, or -1 for as long as it likes.
  int timeout() const;

  /// Takes in what changed since the last call. Returns true once per save:
  /// when the file has changed, then stayed unchanged for the debounce time,
  /// and exists. A file that was deleted and not recreated gives no save.
  bool update();

  /// Waits up to `limit` for a save, returning true when one settled.
  bool wait(std::chrono::milliseconds limit);

  bool polling() const { return inotify_fd_ < 0; }

  /// The reason the watcher polls although polling was not requested, such
  /// as "inotify_add_watch failed on 'dir': No such file or directory", or "".
  const std::string& fallback_reason() const { return fallback_reason_; }

 private:
  using Clock = std::chrono::steady_clock;

  /// The state of the file that polling compares. A change of any field is
  /// a change of the file.
  struct Signature {
    bool exists = false;
    std::int64_t modified_ns = 0;
    std::int64_t size = 0;
    std::uint64_t inode = 0;
    bool operator==(const Signature&) const = default;
  };

  void fall_back_to_polling(const std::string& reason);
  void read_events();
  Signature stat_file() const;
  Clock::time_point next_look() const;

  WatchSettings settings_;
  std::filesystem::path file_;
  int inotify_fd_ = -1;
  int watch_descriptor_ = -1;
  std::string fallback_reason_;
  bool pending_ = false;           // a change was seen and has not yet settled
  Clock::time_point last_change_;  // when the latest change was seen; valid while pending_
  Signature signature_;            // polling: the file as last seen
  Clock::time_point last_look_;    // polling: when signature_ was taken
};

/// Reads single key presses from `fd`. On a terminal it switches to
/// non-canonical input without echo, so a key counts without Enter and is not
/// printed. Ctrl-C still sends SIGINT, and output is not changed. The old mode
/// is restored by the destructor, and by a handler for SIGINT, SIGTERM,
/// SIGHUP and SIGQUIT that then ends the process with that signal. Ctrl-Z
/// restores the mode while the process is stopped. When `fd` is not a
/// terminal, such as a pipe in tests, its bytes are read as they come.
///
/// Only one KeyReader on a terminal may exist at a time, because the signal
/// handlers share one saved mode.
class KeyReader {
 public:
  explicit KeyReader(int fd);
  ~KeyReader();
  KeyReader(const KeyReader&) = delete;
  KeyReader& operator=(const KeyReader&) = delete;

  int fd() const { return fd_; }
  bool is_terminal() const { return is_terminal_; }

  /// Returns the keys that can be read without blocking, "" when none. Sets
  /// at_end() once the input is closed.
  std::string read_available();

  /// True once the input has ended (end of a pipe, or a hung-up terminal).
  bool at_end() const { return at_end_; }

 private:
  int fd_;
  bool is_terminal_ = false;
  bool at_end_ = false;
};

/// What the watch loop does that depends on lessons. Each hook gets the index
/// of a lesson in WatchOptions::lesson_numbers. A hook may throw Error, which
/// ends the loop and propagates.
struct WatchHooks {
  /// Prepares a lesson (creates its exercise from the stub when missing) and
  /// returns the exercise file to watch.
  std::function<std::filesystem::path(int index)> open_lesson;

  /// Checks a lesson, prints the verdict, records it, and returns true when
  /// the lesson passed. `cancel_fd` becomes readable when the learner quits,
  /// moves on or saves again during the check: the hook should then stop at
  /// once (CheckOptions::cancel_fd does that), and print and record nothing,
  /// because the loop ignores what it returns.
  std::function<bool(int index, int cancel_fd)> check;

  /// Shows the next hint of a lesson and records that it was shown.
  std::function<void(int index)> show_hint;

  /// Shows every lesson with its status.
  std::function<void()> show_list;

  /// Writes text to the learner's screen and flushes it.
  std::function<void(const std::string& text)> print;
};

struct WatchOptions {
  std::vector<int> lesson_numbers;  // the lessons in order, as numbered in their folder names
  int first = 0;                    // the index of the lesson to start at
  WatchSettings settings;
  int key_fd = 0;                   // where keys are read; stdin by default
  bool clear_screen = false;        // clear the screen before each verdict (on a terminal)
};

/// The key legend printed after every verdict, hint and list.
inline constexpr const char* kWatchKeys =
    "Keys: n next lesson, h hint, l list, r re-run, q quit";

/// Runs watch mode until `q` is pressed or the key input ends. It checks the
/// first lesson at once, then again after every save of its exercise and on
/// `r`. After a pass it stays on the lesson until `n` is pressed. Returns
/// normally on quit; errors thrown by hooks propagate, with the terminal mode
/// restored.
///
/// While a check runs, a helper thread keeps reading keys and file events,
/// and cancels the check through the hook's cancel_fd when:
///  - `q` is pressed: the loop returns as soon as the hook does, and keys
///    pressed before `q` are dropped;
///  - `n` is pressed and a next lesson exists: the check is dropped without a
///    verdict, and the keys pressed so far are handled in order, so `n` opens
///    the next lesson;
///  - the exercise is saved (once the debounce settles): the loop prints the
///    usual "Saved: checking lesson N again..." line instead of a verdict and
///    checks the new contents at once, so one save gives one more check.
/// Other keys (`h`, `l`, `r`, and `n` on the last lesson) wait until the
/// check ends, then are handled in order, as between checks. The end of the
/// key input cancels nothing; the loop returns after the check.
void run_watch_loop(const WatchOptions& options, const WatchHooks& hooks);

}  // namespace gradlings::runner
