#include "runner/workspace.h"

#include <fmt/chrono.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runner/error.h"
#include "runner/locate.h"
#include "runner/yaml_doc.h"

namespace gradlings::runner {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to a temporary file beside `file`, then renames it over
// `file`, so a reader never sees half a file.
void write_atomically(const fs::path& file, const std::string& text) {
  fs::path temporary = file;
  temporary += ".tmp";
  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  if (!error) {
    errno = 0;
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    out.close();
    if (!out) {
      error = std::error_code(errno != 0 ? errno : EIO, std::generic_category());
    }
  }
  if (!error) {
    fs::rename(temporary, file, error);
  }
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw Error(fmt::format("cannot write '{}': {}; make the workspace folder writable (your "
                            "exercises are unchanged)",
                            display_path(file), error.message()));
  }
}

// Reads the progress in `file` into a map keyed by lesson slug; an absent
// file is no progress. Throws Error when the file does not parse.
std::map<std::string, LessonState> read_progress(const fs::path& file) {
  std::map<std::string, LessonState> lessons;
  if (!fs::exists(file)) {
    return lessons;
  }

  try {
    nlohmann::json json = nlohmann::json::parse(read_text(file));
    for (const auto& [slug, entry] : json.at("lessons").items()) {
      LessonState state;
      state.status = entry.value("status", "");
      state.hints_shown = entry.value("hints_shown", 0);
      lessons[slug] = state;
    }
  } catch (const nlohmann::json::exception& error) {
    throw Error(
        fmt::format("progress file '{}' is not valid: {} (fix it, or delete it to start "
                    "the progress over; your exercises stay)",
                    display_path(file), error.what()));
  }
  return lessons;
}

// An exclusive lock on a file beside the progress file, held while it lives.
// A workspace the runner may not lock (a read-only folder) is saved unlocked,
// and the write itself then reports the problem.
class ProgressLock {
 public:
  explicit ProgressLock(const fs::path& folder) {
    fd_ = ::open((folder / ".gradlings.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) {
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  }
  ProgressLock(const ProgressLock&) = delete;
  ProgressLock& operator=(const ProgressLock&) = delete;
  ~ProgressLock() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace

Workspace::Workspace(fs::path dir) : dir_(std::move(dir)) {
  lessons_ = read_progress(marker_file());
}

fs::path Workspace::marker_file() const { return dir_ / kWorkspaceMarker; }

fs::path Workspace::exercise(const Lesson& lesson) const {
  return dir_ / lesson.slug / "exercise.cpp";
}

bool Workspace::ensure_exercise(const Lesson& lesson) const {
  fs::path target = exercise(lesson);
  if (fs::exists(target)) {
    return false;
  }

  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (!error) {
    fs::copy_file(lesson.dir / "exercise.cpp", target, error);
  }
  if (error) {
    throw Error(fmt::format("cannot create '{}': {} (pick another folder with --workspace)",
                            display_path(target), error.message()));
  }
  return true;
}

std::optional<fs::path> Workspace::reset_exercise(const Lesson& lesson) const {
  fs::path target = exercise(lesson);
  std::string stub = read_text(lesson.dir / "exercise.cpp");
  std::optional<fs::path> backup;

  if (fs::exists(target) && read_text(target) != stub) {
    std::tm now = fmt::localtime(std::time(nullptr));
    fs::path candidate = target;
    candidate += fmt::format(".{:%Y%m%d-%H%M%S}.bak", now);
    for (int n = 2; fs::exists(candidate); ++n) {
      candidate = target;
      candidate += fmt::format(".{:%Y%m%d-%H%M%S}-{}.bak", now, n);
    }
    std::error_code error;
    fs::copy_file(target, candidate, error);
    if (error) {
      throw Error(fmt::format("cannot back up '{}' to '{}': {} (nothing was changed)",
                              display_path(target), display_path(candidate), error.message()));
    }
    backup = candidate;
  }

  write_atomically(target, stub);
  return backup;
}

LessonState Workspace::state(const Lesson& lesson) const {
  auto found = lessons_.find(lesson.slug);
  return found == lessons_.end() ? LessonState{} : found->second;
}

void Workspace::set_state(const Lesson& lesson, const LessonState& state) {
  lessons_[lesson.slug] = state;
  changed_.insert(lesson.slug);
}

void Workspace::save() const {
  ProgressLock lock(dir_);
  std::map<std::string, LessonState> lessons = read_progress(marker_file());
  for (const std::string& slug : changed_) {
    lessons[slug] = lessons_.at(slug);
  }

  nlohmann::json json;
  json["gradlings_workspace"] = 1;
  json["lessons"] = nlohmann::json::object();
  for (const auto& [slug, state] : lessons) {
    json["lessons"][slug] = {{"status", state.status}, {"hints_shown", state.hints_shown}};
  }
  write_atomically(marker_file(), json.dump(2) + "\n");
}

bool Workspace::write_compile_commands(const std::vector<CompileCommand>& commands) const {
  nlohmann::json json = nlohmann::json::array();
  for (const CompileCommand& command : commands) {
    json.push_back({{"directory", command.file.parent_path().string()},
                    {"file", command.file.string()},
                    {"arguments", command.arguments}});
  }
  std::string text = json.dump(2) + "\n";

  fs::path file = dir_ / "compile_commands.json";
  if (fs::exists(file) && read_text(file) == text) {
    return false;
  }
  write_atomically(file, text);
  return true;
}

}  // namespace gradlings::runner
