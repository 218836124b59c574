#include "runner/watch.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>

#include "runner/error.h"
#include "runner/posix_handles.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

// The events on the watched file's folder that may be part of a save. Reads
// are left out, so compiling the exercise does not trigger another check.
constexpr std::uint32_t kSaveEvents =
    IN_CLOSE_WRITE | IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;

// Waits up to `timeout_ms` (-1: no limit) for `fd` to become readable.
// A negative `fd` just sleeps. Interruption by a signal counts as a wake-up.
void wait_readable(int fd, int timeout_ms) {
  pollfd entry{fd, POLLIN, 0};
  ::poll(&entry, 1, timeout_ms);
}

int milliseconds_until(std::chrono::steady_clock::time_point when) {
  auto left = std::chrono::ceil<milliseconds>(when - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<milliseconds::rep>(left.count(), 0));
}

}  // namespace

FileWatcher::FileWatcher(WatchSettings settings) : settings_(settings) {
  if (settings_.poll) {
    return;
  }
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    fall_back_to_polling(fmt::format("inotify_init1 failed: {}", std::strerror(errno)));
  }
}

FileWatcher::~FileWatcher() {
  if (inotify_fd_ >= 0) {
    ::close(inotify_fd_);
  }
}

void FileWatcher::fall_back_to_polling(const std::string& reason) {
  if (inotify_fd_ >= 0) {
    ::close(inotify_fd_);
    inotify_fd_ = -1;
  }
  fallback_reason_ = reason;
}

void FileWatcher::watch(const fs::path& file) {
  file_ = file;
  if (inotify_fd_ >= 0) {
    // Drop the events of the earlier file before watching the new one.
    read_events();
    if (watch_descriptor_ >= 0) {
      ::inotify_rm_watch(inotify_fd_, watch_descriptor_);
    }
    fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
    watch_descriptor_ = ::inotify_add_watch(inotify_fd_, folder.c_str(), kSaveEvents);
    if (watch_descriptor_ < 0) {
      fall_back_to_polling(fmt::format("inotify_add_watch failed on '{}': {}",
                                       display_path(folder), std::strerror(errno)));
    }
  }

  pending_ = false;
  signature_ = stat_file();
  last_look_ = Clock::now();
}

void FileWatcher::read_events() {
  alignas(inotify_event) char buffer[4096];
  std::string name = file_.filename().string();
  for (;;) {
    ssize_t length = ::read(inotify_fd_, buffer, sizeof buffer);
    if (length < 0 && errno == EINTR) {
      continue;
    }
    if (length <= 0) {
      return;  // EAGAIN: every queued event is read
    }

    for (char* next = buffer; next < buffer + length;) {
      const auto* event = reinterpret_cast<const inotify_event*>(next);
      bool ours = event->wd == watch_descriptor_ && event->len > 0 && name == event->name;
      // After an overflow the kernel dropped events, which may include a save.
      if (ours || (event->mask & IN_Q_OVERFLOW) != 0) {
        pending_ = true;
        last_change_ = Clock::now();
      }
      next += sizeof(inotify_event) + event->len;
    }
  }
}

FileWatcher::Signature FileWatcher::stat_file() const {
  struct stat status {};
  if (::stat(file_.c_str(), &status) != 0) {
    return {};
  }
  return {.exists = true,
          .modified_ns = std::int64_t{status.st_mtim.tv_sec} * 1'000'000'000 + status.st_mtim.tv_nsec,
          .size = status.st_size,
          .inode = status.st_ino};
}

FileWatcher::Clock::time_point FileWatcher::next_look() const {
  return pending_ ? last_change_ + settings_.debounce : last_look_ + settings_.poll_interval;
}

int FileWatcher::timeout() const {
  if (!pending_ && !polling()) {
    return -1;
  }
  return milliseconds_until(next_look());
}

bool FileWatcher::update() {
  Clock::time_point now = Clock::now();
  if (!polling()) {
    read_events();
  } else if (now >= next_look()) {
    Signature seen = stat_file();
    last_look_ = now;
    if (seen != signature_) {
      signature_ = seen;
      pending_ = true;
      last_change_ = now;
    }
  }

  if (!pending_ || Clock::now() < last_change_ + settings_.debounce) {
    return false;
  }
  pending_ = false;
  std::error_code error;
  return fs::exists(file_, error);
}

bool FileWatcher::wait(milliseconds limit) {
  Clock::time_point deadline = Clock::now() + limit;
  for (;;) {
    if (update()) {
      return true;
    }
    int left = milliseconds_until(deadline);
    if (left == 0) {
      return false;
    }
    int own = timeout();
    wait_readable(fd(), own < 0 ? left : std::min(own, left));
  }
}

// The terminal mode, shared with the signal handlers, which may run at any
// moment and so can only read plain globals.
namespace {

termios g_saved_mode;                    // the mode before KeyReader changed it
termios g_key_mode;                      // non-canonical input without echo
volatile sig_atomic_t g_terminal_fd = -1;  // the terminal in g_key_mode, or -1

constexpr int kEndingSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct sigaction g_old_ending[std::size(kEndingSignals)];
struct sigaction g_old_stop;

void restore_mode() {
  if (g_terminal_fd >= 0) {
    ::tcsetattr(g_terminal_fd, TCSANOW, &g_saved_mode);
  }
}

void set_handler(int signal, void (*handler)(int), struct sigaction* old) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, old);
}

// Restores the mode, then ends the process with the same signal, so the
// shell gets the usual status (130 for Ctrl-C).
extern "C" void end_on_signal(int signal) {
  restore_mode();
  set_handler(signal, SIG_DFL, nullptr);
  ::raise(signal);  // blocked while this handler runs, so delivered as it returns
}

// Ctrl-Z: restores the mode while stopped, and sets it again on `fg`.
extern "C" void stop_on_signal(int) {
  int saved_errno = errno;
  restore_mode();
  set_handler(SIGTSTP, SIG_DFL, nullptr);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTSTP);
  ::sigprocmask(SIG_UNBLOCK, &stop, nullptr);
  ::raise(SIGTSTP);  // stops here until SIGCONT

  set_handler(SIGTSTP, stop_on_signal, nullptr);
  if (g_terminal_fd >= 0) {
    ::tcsetattr(g_terminal_fd, TCSANOW, &g_key_mode);
  }
  errno = saved_errno;
}

}  // namespace

KeyReader::KeyReader(int fd) : fd_(fd) {
  termios mode{};
  if (::isatty(fd) == 0 || ::tcgetattr(fd, &mode) != 0) {
    return;
  }
  is_terminal_ = true;
  g_saved_mode = mode;
  g_key_mode = mode;
  g_key_mode.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
  g_key_mode.c_cc[VMIN] = 1;
  g_key_mode.c_cc[VTIME] = 0;

  // The handlers go in first, so a signal right after the switch still
  // finds them.
  g_terminal_fd = fd;
  for (std::size_t i = 0; i < std::size(kEndingSignals); ++i) {
    set_handler(kEndingSignals[i], end_on_signal, &g_old_ending[i]);
  }
  set_handler(SIGTSTP, stop_on_signal, &g_old_stop);
  ::tcsetattr(fd, TCSANOW, &g_key_mode);
}

KeyReader::~KeyReader() {
  if (!is_terminal_) {
    return;
  }
  restore_mode();
  g_terminal_fd = -1;
  for (std::size_t i = 0; i < std::size(kEndingSignals); ++i) {
    ::sigaction(kEndingSignals[i], &g_old_ending[i], nullptr);
  }
  ::sigaction(SIGTSTP, &g_old_stop, nullptr);
}

std::string KeyReader::read_available() {
  std::string keys;
  char buffer[64];
  while (!at_end_) {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, 0) <= 0) {
      break;
    }
    ssize_t length = ::read(fd_, buffer, sizeof buffer);
    if (length > 0) {
      keys.append(buffer, static_cast<std::size_t>(length));
    } else if (length == 0 || (errno != EINTR && errno != EAGAIN)) {
      at_end_ = true;
    }
  }
  return keys;
}

namespace {

// The reason the watch loop cancelled a check, from the weakest to the
// strongest. A stronger reason replaces a weaker one.
enum class Interrupt { none, save, next, quit };

// Watches the keys and the exercise on a thread of its own while a check runs
// on the loop's thread, and writes to a pipe, whose read end the check polls,
// when the check should stop. The check stays on the loop's thread because
// the sandbox ties the child's life to the thread that started it.
//
// The loop does not touch the KeyReader or the FileWatcher until finish() has
// returned, so neither needs a lock.
class CheckInterrupter {
 public:
  CheckInterrupter(KeyReader& keys, FileWatcher& watcher, bool next_cancels)
      : keys_(keys), watcher_(watcher), next_cancels_(next_cancels) {
    thread_ = std::thread([this] { watch(); });
  }
  ~CheckInterrupter() { finish(); }
  CheckInterrupter(const CheckInterrupter&) = delete;
  CheckInterrupter& operator=(const CheckInterrupter&) = delete;

  // Readable once the check should stop.
  int cancel_fd() const { return cancel_.read_end.get(); }

  // Stops the thread. After it, interrupt() and keys() are final.
  void finish() {
    if (!thread_.joinable()) {
      return;
    }
    char byte = 's';
    while (::write(stop_.write_end.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
  }

  Interrupt interrupt() const { return interrupt_; }

  // Every key read during the check, in order, for the loop to handle.
  const std::string& keys() const { return keys_read_; }

 private:
  void watch() {
    for (;;) {
      // Once the check is cancelled, file events wait for the loop, and only
      // a stronger key (q after a save or n) matters here.
      bool watch_file = interrupt_ == Interrupt::none && !watcher_.polling();
      pollfd entries[3] = {{stop_.read_end.get(), POLLIN, 0},
                           {keys_.at_end() ? -1 : keys_.fd(), POLLIN, 0},
                           {watch_file ? watcher_.fd() : -1, POLLIN, 0}};
      ::poll(entries, 3, interrupt_ == Interrupt::none ? watcher_.timeout() : -1);
      if (entries[0].revents != 0) {
        return;
      }

      std::string keys = keys_.read_available();
      keys_read_ += keys;
      for (char key : keys) {
        int lower = std::tolower(static_cast<unsigned char>(key));
        if (lower == 'q') {
          cancel(Interrupt::quit);
        } else if (lower == 'n' && next_cancels_) {
          cancel(Interrupt::next);
        }
      }
      if (interrupt_ == Interrupt::none && watcher_.update()) {
        cancel(Interrupt::save);
      }
    }
  }

  void cancel(Interrupt reason) {
    if (reason <= interrupt_) {
      return;
    }
    interrupt_ = reason;
    char byte = 'c';
    while (::write(cancel_.write_end.get(), &byte, 1) < 0 && errno == EINTR) {
    }
  }

  KeyReader& keys_;
  FileWatcher& watcher_;
  bool next_cancels_;
  Pipe cancel_ = make_pipe();  // written once per stronger reason; never read, only polled
  Pipe stop_ = make_pipe();    // written by finish()
  Interrupt interrupt_ = Interrupt::none;
  std::string keys_read_;
  std::thread thread_;  // started by the constructor's body, after every other member
};

// The state of one run_watch_loop: the lesson shown, its watched file, and
// the keys read but not yet handled.
class WatchLoop {
 public:
  WatchLoop(const WatchOptions& options, const WatchHooks& hooks)
      : options_(options), hooks_(hooks), watcher_(options.settings), keys_(options.key_fd) {}

  void run() {
    open(options_.first);
    for (;;) {
      while (!quit_ && !queued_.empty()) {
        char key = queued_.front();
        queued_.erase(queued_.begin());
        handle_key(key);
      }
      if (quit_ || keys_.at_end()) {
        return;
      }
      if (watcher_.update()) {
        hooks_.print(saved_line());
        check();
        continue;
      }

      pollfd entries[2] = {{keys_.fd(), POLLIN, 0}, {watcher_.fd(), POLLIN, 0}};
      ::poll(entries, watcher_.polling() ? 1 : 2, watcher_.timeout());
      queued_ += keys_.read_available();
    }
  }

 private:
  int number(int index) const { return options_.lesson_numbers[index]; }
  bool is_last() const { return index_ + 1 == static_cast<int>(options_.lesson_numbers.size()); }

  std::string saved_line() const {
    return fmt::format("\nSaved: checking lesson {} again...\n", number(index_));
  }

  void open(int index) {
    index_ = index;
    file_ = hooks_.open_lesson(index);
    watcher_.watch(file_);
    check();
  }

  // Runs the check hook while a CheckInterrupter watches keys and saves.
  // Returns whether the lesson passed, which is meaningless when `interrupt`
  // is set to anything but none.
  bool run_check_hook(Interrupt& interrupt) {
    CheckInterrupter interrupter(keys_, watcher_, !is_last());
    bool passed = hooks_.check(index_, interrupter.cancel_fd());
    interrupter.finish();
    interrupt = interrupter.interrupt();
    queued_ += interrupter.keys();
    return passed;
  }

  void check() {
    for (;;) {
      if (options_.clear_screen) {
        hooks_.print("\x1b[H\x1b[2J");  // cursor home, then clear the screen
        // A check may last until the timeout, so the cleared screen names
        // what is running meanwhile. Without a clear, the "Saved: checking..."
        // line already does.
        hooks_.print(fmt::format("Checking lesson {}... (q quits, a save starts over)\n\n",
                                 number(index_)));
      }
      Interrupt interrupt = Interrupt::none;
      bool passed = run_check_hook(interrupt);
      switch (interrupt) {
        case Interrupt::quit:
          quit_ = true;
          queued_.clear();
          return;
        case Interrupt::next:
          return;  // the n among queued_ opens the next lesson
        case Interrupt::save:
          hooks_.print(saved_line());
          continue;
        case Interrupt::none:
          break;
      }
      print_status(passed);
      return;
    }
  }

  void print_status(bool passed) {
    std::string status;
    if (passed && is_last()) {
      status = fmt::format("Lesson {} passed, and it is the last lesson.\n", number(index_));
    } else if (passed) {
      status = fmt::format("Lesson {} passed. Press n to go on to lesson {}.\n", number(index_),
                           number(index_ + 1));
    } else {
      status = fmt::format("Watching {}: each save checks it again.\n", display_path(file_));
    }
    if (!watcher_.fallback_reason().empty() && !fallback_shown_) {
      status += fmt::format("File events are unavailable here ({}), so the file is polled every "
                            "{} ms instead.\n",
                            watcher_.fallback_reason(), options_.settings.poll_interval.count());
      fallback_shown_ = true;
    }
    hooks_.print(fmt::format("\n{}{}\n", status, kWatchKeys));
  }

  // Acts on one key; q sets quit_.
  void handle_key(char key) {
    if (std::isprint(static_cast<unsigned char>(key)) == 0 && key != '\n' && key != '\r') {
      return;  // such as the bytes of an arrow key's escape sequence
    }
    switch (std::tolower(static_cast<unsigned char>(key))) {
      case 'q':
        quit_ = true;
        return;
      case 'n':
        if (is_last()) {
          hooks_.print(fmt::format("\nLesson {} is the last lesson.\n{}\n", number(index_),
                                   kWatchKeys));
        } else {
          open(index_ + 1);
        }
        return;
      case 'r':
        check();
        return;
      case 'h':
        hooks_.print("\n");
        hooks_.show_hint(index_);
        hooks_.print(fmt::format("\n{}\n", kWatchKeys));
        return;
      case 'l':
        hooks_.print("\n");
        hooks_.show_list();
        hooks_.print(fmt::format("\n{}\n", kWatchKeys));
        return;
      case '\n':
      case '\r':
      case ' ':
        return;
      default:
        hooks_.print(fmt::format("\nThe key '{}' does nothing here. {}\n", key, kWatchKeys));
        return;
    }
  }

  const WatchOptions& options_;
  const WatchHooks& hooks_;
  FileWatcher watcher_;
  KeyReader keys_;
  int index_ = 0;
  fs::path file_;                // the exercise of the lesson shown
  bool fallback_shown_ = false;  // the note on polling without --poll was printed
  std::string queued_;           // keys read and not yet handled, oldest first
  bool quit_ = false;            // q was pressed
};

}  // namespace

void run_watch_loop(const WatchOptions& options, const WatchHooks& hooks) {
  int count = static_cast<int>(options.lesson_numbers.size());
  if (options.first < 0 || options.first >= count) {
    throw Error(fmt::format("cannot start watching at lesson index {} of {}", options.first, count));
  }
  WatchLoop loop(options, hooks);
  loop.run();
}

}  // namespace gradlings::runner
